import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { _electron as electron, type ElectronApplication, type Page } from 'playwright-core';
import { findElectronBinary } from '../../scripts/electron-binary.js';
import { ELECTRON_FETCH_FIX } from '../../src/main/auth/doctor/electron-check.js';
import { DEMO_ISSUER_VARIABLE } from '../../src/main/auth/config.js';
import { startIdp, type RunningIdp } from '../../tools/idp/start-idp.js';
import { keychainUnavailableReason, startKeychain, type TestKeychain } from '../support/keychain.js';
import { acceptConsent, signIn } from '../support/sign-in.js';
import { browserUnavailableReason, launchSystemBrowser, type SystemBrowser } from '../support/system-browser.js';

const root = join(import.meta.dirname, '..', '..');
const SHOTS = join(root, 'test-results', 'electron');
const binary = findElectronBinary();
const skip =
  (binary === undefined
    ? `Electron tests need the Electron binary, which is not installed. ${ELECTRON_FETCH_FIX}`
    : undefined) ??
  (existsSync(join(root, 'dist', 'main', 'main.js')) ? undefined : 'the app is not built (run npm run build)') ??
  (await keychainUnavailableReason()) ??
  browserUnavailableReason();
if (skip) process.stdout.write(`# skipping Electron tests: ${skip}\n`);

// Where Electron exists (the GitHub workflow), a skip would hide a broken suite: fail instead.
const required = process.env['DESKTOP_LOGIN_REQUIRE_ELECTRON'] === '1';
test('the Electron suite can run on this machine', { skip: required ? false : (skip ?? false) }, () => {
  assert.equal(skip, undefined, `DESKTOP_LOGIN_REQUIRE_ELECTRON=1, but the Electron tests would skip: ${skip}`);
});

let idp: RunningIdp;
let browser: SystemBrowser;
let keychain: TestKeychain;

/** Starts the built app with shell.openExternal redirected to a list the test reads. */
async function launchApp(keychainService: string): Promise<{ app: ElectronApplication; window: Page }> {
  const app = await electron.launch({
    executablePath: binary,
    args: [root],
    cwd: root,
    env: {
      ...(process.env as Record<string, string>),
      [DEMO_ISSUER_VARIABLE]: idp.issuer,
      AUTH0_AUDIENCE: idp.audience,
      KEYCHAIN_SERVICE: keychainService,
      AUTH0_DOMAIN: '',
    },
  });
  await app.evaluate(({ shell }) => {
    const opened: string[] = [];
    (globalThis as unknown as { openedUrls: string[] }).openedUrls = opened;
    shell.openExternal = (url: string) => {
      opened.push(url);
      return Promise.resolve();
    };
  });
  const window = await app.firstWindow();
  await window.waitForLoadState('domcontentloaded');
  return { app, window };
}

async function openedUrls(app: ElectronApplication): Promise<string[]> {
  return app.evaluate(() => (globalThis as unknown as { openedUrls: string[] }).openedUrls);
}

async function nextOpenedUrl(app: ElectronApplication, count: number): Promise<string> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const urls = await openedUrls(app);
    if (urls.length >= count) return urls[count - 1];
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the app did not open the browser');
}

describe('the desktop app in Electron', { skip }, () => {
  before(async () => {
    await mkdir(SHOTS, { recursive: true });
    keychain = await startKeychain();
    [idp, browser] = await Promise.all([startIdp(), launchSystemBrowser()]);
  });
  after(async () => {
    await Promise.all([idp?.close(), browser?.close()]);
    await keychain?.close();
  });

  test('the window is locked down', async () => {
    const { app, window } = await launchApp('electron-hardening');
    try {
      // Electron has no public getter for a window's webPreferences, so each one is checked by
      // what the page can (not) do. test/unit/hardening.test.ts checks the configured values.
      assert.equal(await window.evaluate('typeof require'), 'undefined', 'nodeIntegration is off');
      assert.equal(await window.evaluate('typeof process'), 'undefined', 'no Node globals in the page');
      assert.equal(
        await window.evaluate('Function.prototype.toString.call(window.auth.login).includes("[native code]")'),
        true,
        'window.auth comes through contextBridge (contextIsolation on)',
      );
      assert.equal(
        await window.evaluate('document.createElement("webview") instanceof HTMLUnknownElement'),
        true,
        'webviewTag is off',
      );
      assert.deepEqual(await window.evaluate('Object.keys(window.auth).sort()'), [
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
      const before = window.url();
      await window.evaluate('location.href = "https://example.com/"');
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(window.url(), before, 'navigation is blocked');
      assert.equal(
        await window.evaluate('window.open("https://example.com/") === null'),
        true,
        'window.open is denied',
      );
      assert.equal(app.windows().length, 1);
    } finally {
      await app.close();
    }
  });

  test('a person logs in through the browser, restarts signed in, and logs out', async () => {
    const first = await launchApp('electron-story');
    try {
      await first.window.getByRole('button', { name: 'Login' }).click();
      const url = await nextOpenedUrl(first.app, 1);
      assert.equal(new URL(url).origin, idp.origin, 'only the issuer was opened');
      const page = await (await browser.newProfile()).newPage();
      await page.goto(url);
      await signIn(page, idp.users[0].email, 'demo');
      await acceptConsent(page);
      await first.window.getByRole('heading', { name: idp.users[0].name }).waitFor();
      await first.window.screenshot({ path: join(SHOTS, 'signed-in.png') });
      await first.window.getByRole('button', { name: 'Call API' }).click();
      await first.window.getByText('Hello from the demo API').waitFor();
    } finally {
      await first.app.close();
    }

    const second = await launchApp('electron-story');
    try {
      await second.window.getByRole('heading', { name: idp.users[0].name }).waitFor();
      await second.window.getByRole('button', { name: 'Logout' }).click();
      await second.window.getByRole('heading', { name: 'Sign in to Desktop Login' }).waitFor();
      const logoutUrl = new URL(await nextOpenedUrl(second.app, 1));
      assert.equal(logoutUrl.origin, idp.origin);
    } finally {
      await second.app.close();
    }
  });

  test('cancel and error states reach the window', async () => {
    const { app, window } = await launchApp('electron-cancel');
    try {
      await window.getByRole('button', { name: 'Login' }).click();
      await window.getByRole('heading', { name: 'Continue in your browser' }).waitFor();
      await window.getByRole('button', { name: 'Cancel' }).click();
      await window.locator('main').getByText('Sign-in was cancelled').waitFor();
    } finally {
      await app.close();
    }
  });
});
