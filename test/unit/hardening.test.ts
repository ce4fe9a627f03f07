import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { AUTH_CHANNELS } from '../../src/shared/ipc-contract.js';
import { HARDENED_WEB_PREFERENCES } from '../../src/main/web-preferences.js';

const root = join(import.meta.dirname, '..', '..');
const source = (path: string): string => readFileSync(join(root, path), 'utf8');

describe('Electron hardening (security checklist)', () => {
  test('every webPreferences hardening is on', () => {
    assert.deepEqual(HARDENED_WEB_PREFERENCES, {
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      enableBlinkFeatures: '',
      navigateOnDragDrop: false,
      spellcheck: false,
    });
  });

  test('the window uses those preferences and adds nothing but the preload', () => {
    const window = source('src/main/window.ts');
    const block = /webPreferences:\s*{([^}]*)}/.exec(window)?.[1] ?? '';
    const keys = block
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .map((line) => line.replace(/[:,].*$/, ''));
    assert.deepEqual(keys, ['...HARDENED_WEB_PREFERENCES', 'preload']);
  });

  test('navigation, new windows and permissions are refused', () => {
    const window = source('src/main/window.ts');
    assert.match(window, /on\('will-navigate', \(event\) => event\.preventDefault\(\)\)/);
    assert.match(window, /setWindowOpenHandler\(\(\) => \({ action: 'deny' }\)\)/);
    assert.match(window, /setPermissionRequestHandler\(\(_webContents, _permission, callback\) => callback\(false\)\)/);
    assert.match(window, /setPermissionCheckHandler\(\(\) => false\)/);
  });

  test('every IPC handler checks its sender before running', () => {
    const ipc = source('src/main/trusted-ipc.ts');
    assert.match(ipc, /if \(!isTrustedSender\(event\)\) throw/);
    assert.match(source('src/main/trusted-ipc.ts'), /frame === window\.webContents\.mainFrame/);
  });

  test('the renderer CSP allows only our own scripts and styles', () => {
    const html = source('src/renderer/index.html');
    const csp = /Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1] ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
  });

  test('the preload exposes exactly the contract, and no ipcRenderer', () => {
    const preload = source('src/preload/preload.ts');
    const exposed = [...preload.matchAll(/^ {2}([a-zA-Z]+)(?::|\()/gm)].map((match) => match[1]).sort();
    assert.deepEqual(exposed, [
      'callApi',
      'cancelLogin',
      'checkSetup',
      'copySignInLink',
      'getAppInfo',
      'getState',
      'login',
      'logout',
      'onStateChange',
      'reopenBrowser',
    ]);
    assert.match(preload, /exposeInMainWorld\('auth', bridge\)/);
    assert.doesNotMatch(preload, /exposeInMainWorld\([^)]*ipcRenderer/);
    for (const channel of Object.values(AUTH_CHANNELS)) assert.ok(channel.startsWith('auth:'));
  });
});
