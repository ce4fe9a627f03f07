import type { Page } from '@playwright/test';
import { AUTH_CHANNELS } from '../../src/shared/ipc-contract.js';
import type { RunningIdp } from '../../tools/idp/start-idp.js';
import { electronSkipReason, expect, test, type RunningApp } from '../support/electron-fixtures.js';
import { acceptConsent, declineConsent, signIn } from '../support/sign-in.js';
import type { SystemBrowser } from '../support/system-browser.js';

// The built app in a real Electron, driven like a person would: the app window through
// Playwright's _electron, the sign-in in the person's own browser. Where Electron cannot run
// every test below is reported as skipped with the reason; with DESKTOP_LOGIN_REQUIRE_ELECTRON=1
// (the GitHub workflow) that becomes a failure instead.
const skipReason = await electronSkipReason();
test.skip(skipReason !== undefined, skipReason);

/** The methods the preload must expose: one per request channel, plus the state subscription. */
const CONTRACT_METHODS = [
  ...Object.keys(AUTH_CHANNELS).filter((name) => name !== 'stateChanged'),
  'onStateChange',
].sort();

/**
 * Presses Login in the app, then plays the person in their own browser: opens the URL the app
 * handed over, signs in as the first demo user and answers the consent screen with `answer`.
 */
async function logInThroughBrowser(
  running: RunningApp,
  idp: RunningIdp,
  browser: SystemBrowser,
  answer: (page: Page) => Promise<void> = acceptConsent,
): Promise<{ name: string; url: URL }> {
  const user = idp.users[0];
  if (!user) throw new Error('the provider has no test users');
  await running.window.getByRole('button', { name: 'Login' }).click();
  const url = await running.openedUrl(1);
  const page = await (await browser.newProfile()).newPage();
  await page.goto(url.href);
  await signIn(page, user.email, 'demo');
  await answer(page);
  return { name: user.name, url };
}

test('the window is locked down: no Node, only the contract, no navigation, no new windows', async ({ launchApp }) => {
  const { app, window } = await launchApp();
  // Electron has no getter for a window's webPreferences, so each is checked by what the page can do.
  expect(await window.evaluate('typeof require')).toBe('undefined');
  expect(await window.evaluate('typeof process')).toBe('undefined');
  expect(await window.evaluate('Object.keys(window.auth).sort()')).toEqual(CONTRACT_METHODS);
  expect(await window.evaluate('Function.prototype.toString.call(window.auth.login).includes("[native code]")')).toBe(
    true,
  );
  expect(await window.evaluate('document.createElement("webview") instanceof HTMLUnknownElement')).toBe(true);
  const before = window.url();
  await window.evaluate('location.href = "https://example.com/"');
  await expect.poll(() => window.url(), { timeout: 1000 }).toBe(before);
  expect(await window.evaluate('window.open("https://example.com/") === null')).toBe(true);
  expect(app.windows()).toHaveLength(1);
});

test('a person logs in through the browser, restarts signed in, calls the API and logs out', async ({
  launchApp,
  idp,
  personBrowser,
}) => {
  const first = await launchApp();
  const { name, url } = await logInThroughBrowser(first, idp, personBrowser);
  expect(url.origin, 'only the issuer is opened').toBe(idp.origin);
  await expect(first.window.getByRole('heading', { name })).toBeVisible();
  await first.close();

  const second = await launchApp();
  await expect(second.window.getByRole('heading', { name })).toBeVisible();
  await second.window.getByRole('button', { name: 'Call API' }).click();
  await expect(second.window.getByText('Hello from the demo API')).toBeVisible();
  await second.window.getByRole('button', { name: 'Logout' }).click();
  await expect(second.window.getByRole('heading', { name: 'Sign in to Desktop Login' })).toBeVisible();
  expect((await second.openedUrl(1)).origin).toBe(idp.origin);
});

test('the window comes to the front when the browser hands the login back', async ({
  launchApp,
  idp,
  personBrowser,
}) => {
  const running = await launchApp();
  const before = await running.focusCount();
  const { name } = await logInThroughBrowser(running, idp, personBrowser);
  await expect(running.window.getByRole('heading', { name })).toBeVisible();
  await expect.poll(running.focusCount).toBeGreaterThan(before);
});

test('cancelling a sign-in reaches the window', async ({ launchApp }) => {
  const { window } = await launchApp();
  await window.getByRole('button', { name: 'Login' }).click();
  await expect(window.getByRole('heading', { name: 'Continue in your browser' })).toBeVisible();
  await window.getByRole('button', { name: 'Cancel' }).click();
  await expect(window.locator('main').getByText('Sign-in was cancelled')).toBeVisible();
});

test('a declined consent reaches the window as an error the person can retry', async ({
  launchApp,
  idp,
  personBrowser,
}) => {
  const running = await launchApp();
  await logInThroughBrowser(running, idp, personBrowser, declineConsent);
  await expect(running.window.getByRole('alert')).toContainText('declined');
  await expect(running.window.getByRole('button', { name: 'Try again' })).toBeVisible();
});

// The README's example, kept here word for word (test/unit/readme-promises.test.ts checks it).
test('a person signs in and sees their name', async ({ launchApp, personBrowser }) => {
  const { window, openedUrl } = await launchApp();
  await window.getByRole('button', { name: 'Login' }).click();
  const page = await (await personBrowser.newProfile()).newPage();
  await page.goto((await openedUrl(1)).href); // the URL the app handed to the system browser
  await page.locator('input[name="email"]').fill('alice@example.com');
  await page.locator('input[name="password"]').fill('demo');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: 'Accept' }).click();
  await expect(window.getByRole('heading', { name: 'Alice Example' })).toBeVisible();
});
