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

  test('source check: the renderer CSP allows only our own scripts and styles, and pictures from the avatar hosts', () => {
    // Only Chromium enforces the meta tag, so its text is what can be checked under Node
    // (test/e2e/renderer.spec.ts shows Chromium enforcing it).
    const html = readFileSync(join(root, 'src', 'renderer', 'index.html'), 'utf8');
    const csp = /Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1] ?? '';
    const directives = new Map(
      csp.split(';').map((directive) => {
        const [name = '', ...sources] = directive.trim().split(/\s+/);
        return [name, sources] as const;
      }),
    );
    assert.deepEqual(directives.get('default-src'), ["'none'"]);
    assert.deepEqual(directives.get('script-src'), ["'self'"]);
    assert.deepEqual(directives.get('img-src'), [
      "'self'",
      'https://*.gravatar.com',
      'https://cdn.auth0.com',
      'https://lh3.googleusercontent.com',
      'https://avatars.githubusercontent.com',
      'https://platform-lookaside.fbsbx.com',
    ]);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    for (const [name, sources] of directives) {
      for (const source of sources) {
        // No scheme-wide source (https:, data:) and no bare wildcard; a host wildcard only for Gravatar's hosts.
        assert.doesNotMatch(source, /^[a-z-]+:$/, `${name} ${source}`);
        assert.ok(!source.includes('*') || source === 'https://*.gravatar.com', `${name} ${source}`);
      }
    }
  });
});
