import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { HARDENED_WEB_PREFERENCES } from '../../src/main/web-preferences.js';

// What the window, permissions, IPC and preload do is tested by behaviour in
// shell-behaviour.test.ts; only what no test under Node can observe is read from the source here.

const root = join(import.meta.dirname, '..', '..');

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

  test('source check: the renderer CSP allows only our own scripts and styles', () => {
    // Only Chromium enforces the meta tag, so its text is what can be checked under Node.
    const html = readFileSync(join(root, 'src', 'renderer', 'index.html'), 'utf8');
    const csp = /Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1] ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
  });
});
