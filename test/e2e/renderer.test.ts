import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { DEMO_ISSUER_VARIABLE } from '../../src/main/auth/config.js';
import { runDoctor } from '../../src/main/auth/doctor/run-doctor.js';
import type { SecretStore } from '../../src/main/auth/secret-store.js';
import { startIdp, type RunningIdp } from '../../tools/idp/start-idp.js';
import { startApp } from '../support/app-harness.js';
import { keychainUnavailableReason, startKeychain, type TestKeychain } from '../support/keychain.js';
import { openAppWindow, RENDERER_DIR, serveRenderer } from '../support/renderer-harness.js';
import { acceptConsent, declineConsent, signIn } from '../support/sign-in.js';
import { browserUnavailableReason, launchSystemBrowser, type SystemBrowser } from '../support/system-browser.js';

const SHOTS = join(import.meta.dirname, '..', '..', 'test-results', 'renderer');
const skip =
  (existsSync(join(RENDERER_DIR, 'index.html')) ? undefined : 'the renderer is not built (run npm run build)') ??
  (await keychainUnavailableReason()) ??
  browserUnavailableReason();
if (skip) process.stdout.write(`# skipping renderer tests: ${skip}\n`);

let idp: RunningIdp;
let browser: SystemBrowser;
let keychain: TestKeychain;
let keytar: SecretStore;
let renderer: { url: string; close(): Promise<void> };
let windowContext: BrowserContext;

async function shot(page: Page, name: string, scheme: 'light' | 'dark' = 'light'): Promise<void> {
  await page.emulateMedia({ colorScheme: scheme });
  await page.screenshot({ path: join(SHOTS, `${name}${scheme === 'dark' ? '-dark' : ''}.png`) });
}

/** One app start: the real core, the built renderer in a window, the person's real browser. */
async function launch(keychainService: string, act?: (page: Page, url: URL) => Promise<void>) {
  const app = startApp({
    idp,
    browser,
    keytar,
    env: { KEYCHAIN_SERVICE: keychain.serviceName(keychainService) },
    ...(act ? { act } : {}),
  });
  await app.service.restore();
  const window = await openAppWindow({
    context: windowContext,
    url: renderer.url,
    service: app.service,
    appInfo: { demo: app.config.demo, issuerHost: app.config.issuer.host },
    // "Check my setup" runs the real doctor against the same provider and test keychain.
    checkSetup: () =>
      runDoctor(
        {
          [DEMO_ISSUER_VARIABLE]: idp.issuer,
          AUTH0_AUDIENCE: idp.audience,
          KEYCHAIN_SERVICE: keychain.serviceName('renderer-doctor'),
        },
        { secretStore: () => keychain.keytar },
      ),
  });
  return { ...app, window, page: window.page };
}

describe('the app window (built renderer on the real core)', () => {
  before(async () => {
    if (skip) return;
    await mkdir(SHOTS, { recursive: true });
    keychain = await startKeychain();
    keytar = keychain.keytar;
    [idp, browser, renderer] = await Promise.all([startIdp(), launchSystemBrowser(), serveRenderer()]);
    windowContext = await browser.browser.newContext({ viewport: { width: 480, height: 680 } });
  });
  after(async () => {
    await Promise.all([idp?.close(), browser?.close(), renderer?.close()]);
    await keychain?.close();
  });

  test('signed out: Login is focused, the demo banner shows, Enter starts the login', { skip }, async () => {
    let signInPage: Page | undefined;
    const app = await launch('renderer-cancel', async (page) => {
      signInPage = page;
      await page.locator('input[name="email"]').waitFor();
    });
    const { page } = app;
    await page.getByRole('heading', { name: 'Sign in to Desktop Login' }).waitFor();
    assert.equal(await page.locator('#demo-banner').isVisible(), true);
    assert.match((await page.locator('#demo-banner').textContent()) ?? '', /Demo sign-in, not your Auth0 tenant/);
    assert.equal(await page.evaluate('document.activeElement?.textContent'), 'Login', 'Login has focus');
    await shot(page, '1-signed-out');
    await shot(page, '1-signed-out', 'dark');

    // Keyboard only: Enter on the focused button.
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Continue in your browser' }).waitFor();
    await page.getByText('Waiting for you to sign in').waitFor();
    await page.getByText('Your browser may ask you to confirm returning').waitFor();
    await page.getByRole('button', { name: 'Copy the sign-in link' }).click();
    await page.getByText('Sign-in link copied').waitFor();
    assert.equal(new URL(app.window.clipboard[0]).origin, idp.origin, 'main copied the sign-in link');
    await shot(page, '2-waiting');
    await shot(page, '2-waiting', 'dark');

    // "Open the browser again" opens the same sign-in page a second time.
    await page.getByRole('button', { name: 'Open the browser again' }).click();
    await waitUntil(() => app.opener.urls.length === 2);
    assert.equal(app.opener.urls[1].href, app.opener.urls[0].href);

    // Cancel returns to signed out, with a note.
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('heading', { name: 'Sign in to Desktop Login' }).waitFor();
    await page.locator('main').getByText('Sign-in was cancelled').waitFor();
    assert.ok(signInPage, 'the browser was opened');
    await app.service.dispose();
    await app.window.close();
  });

  test('a declined sign-in shows the error banner, and Try again signs in', { skip }, async () => {
    let attempt = 0;
    const app = await launch('renderer-retry', async (page) => {
      attempt += 1;
      if (attempt === 1) {
        await signIn(page, idp.users[0].email, 'demo');
        await declineConsent(page);
      } else {
        // The provider still has the session from the first try, so only consent is asked again.
        await acceptConsent(page);
      }
    });
    const { page } = app;
    await page.getByRole('button', { name: 'Login' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? '', /declined/);
    await page.getByRole('button', { name: 'Check my setup' }).click();
    const checks = page.getByRole('list', { name: 'Setup checks' });
    await checks.waitFor();
    assert.match((await checks.textContent()) ?? '', /Callback URL registered/);
    await page.getByRole('heading', { name: 'Setup looks right' }).waitFor();
    await shot(page, '4-error');
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.getByRole('heading', { name: idp.users[0].name }).waitFor();
    await app.service.dispose();
    await app.window.close();
  });

  test('signs in, calls the API, restarts signed in, and logs out', { skip }, async () => {
    const app = await launch('renderer-story');
    const { page } = app;
    await page.getByRole('button', { name: 'Login' }).click();
    const user = idp.users[0];
    await page.getByRole('heading', { name: user.name }).waitFor();
    await page.getByText(user.email).waitFor();
    await page.getByText('Verified', { exact: true }).waitFor();
    // No picture host is reachable here, so the initials stand in without a broken image.
    await shot(page, '3-signed-in');
    await shot(page, '3-signed-in', 'dark');

    await page.getByRole('button', { name: 'Call API' }).click();
    const response = page.getByLabel('API response', { exact: true }).last();
    await response.waitFor();
    const body = JSON.parse((await response.textContent()) ?? '{}') as { message?: string; sub?: string };
    assert.equal(body.message, 'Hello from the demo API');
    assert.equal(body.sub, user.sub);
    await shot(page, '5-api-result');

    // Nothing the page received carries a token.
    const keychainText = JSON.stringify(await keytar.findCredentials(app.config.keychainService));
    const stored = await import('../../src/main/auth/token-store.js').then(({ createKeychainTokenStore }) =>
      createKeychainTokenStore(keytar, app.config.keychainService).load(),
    );
    assert.ok(stored.kind === 'found' && keychainText.length > 0);
    const secrets = [
      stored.session.tokens.accessToken,
      stored.session.tokens.refreshToken!,
      stored.session.tokens.idToken!,
    ];
    const seen = JSON.stringify(app.window.payloads) + (await page.content());
    for (const secret of secrets) assert.equal(seen.includes(secret), false, 'a token reached the renderer');
    await app.service.dispose();
    await app.window.close();

    // "Restart": a new core on the same keychain; the profile shows at once.
    const restarted = await launch('renderer-story');
    await restarted.page.getByRole('heading', { name: user.name }).waitFor();
    await restarted.page.getByRole('button', { name: 'Logout' }).click();
    await restarted.page.getByRole('heading', { name: 'Sign in to Desktop Login' }).waitFor();
    await shot(restarted.page, '6-signed-out-after-logout');
    assert.deepEqual(await keytar.findCredentials(restarted.config.keychainService), []);
    await restarted.service.dispose();
    await restarted.window.close();
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
