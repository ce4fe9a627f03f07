import type { Page } from '@playwright/test';
import { runDoctor } from '../../src/main/auth/doctor/run-doctor.js';
import { controllableSecretStore } from '../support/controllable-secret-store.js';
import { createMemorySecretStore } from '../support/memory-secret-store.js';
import { expect, test } from '../support/renderer-fixtures.js';
import { openAppWindow } from '../support/renderer-harness.js';
import { personAtTheBrowser } from '../support/renderer-person.js';
import { expectFitsTheWindow } from '../support/window-layout.js';
import { missingSettingsError } from '../support/window-probes.js';

/** The sign-in step the window marks as current. */
const currentStep = (page: Page) => page.locator('[aria-current="step"]');

test.describe('every state fits the window at its default and minimum size, light and dark', () => {
  test('signed out, signing in, signed in, calling the API, signing out and a declined sign-in', async ({
    launchApp,
    idp,
    keychain,
    person,
  }) => {
    const browser = await personAtTheBrowser(person, idp);
    const secrets = controllableSecretStore(keychain.keytar);
    const { page } = await launchApp('renderer-layout', {
      keytar: secrets,
      profile: browser.profile,
      act: browser.act,
    });
    const login = page.getByRole('button', { name: 'Login' });
    await expect(page.getByRole('heading', { name: 'Sign in to Desktop Login' })).toBeVisible();
    await expectFitsTheWindow(page, 'signed out');

    // Signing in: the browser still opening the page, then waiting with the link on offer.
    browser.plan = 'waits';
    const letPageLoad = browser.stallNextPage();
    await login.click();
    await expect(currentStep(page)).toContainText('Opening your browser');
    await expectFitsTheWindow(page, 'signing in, opening the browser');
    letPageLoad();
    await expect(currentStep(page)).toContainText('Waiting for you to sign in');
    await page.getByRole('button', { name: 'Copy the sign-in link' }).click();
    await expect(page.getByText('Sign-in link copied')).toBeVisible();
    await expectFitsTheWindow(page, 'signing in, link available and copied');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.locator('main').getByText('Sign-in was cancelled')).toBeVisible();
    await expectFitsTheWindow(page, 'signed out after a cancelled sign-in');

    // The browser does not open at all.
    browser.failNextPage();
    await login.click();
    await expect(page.locator('main').getByText('Your browser did not open.')).toBeVisible();
    await expectFitsTheWindow(page, 'signing in, the browser did not open');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect(login).toBeVisible();

    // Signed in while the keychain saves, after a code exchange slow enough to see.
    browser.plan = 'signs-in';
    secrets.hold('setPassword');
    idp.faults.set('/oauth/token', { delayMs: 2_500, times: 1 });
    try {
      await login.click();
      await expect(currentStep(page)).toContainText('Checking the sign-in', { timeout: 10_000 });
      await expectFitsTheWindow(page, 'signing in, checking the sign-in');
      await expect(page.getByText('Saving to your keychain…')).toBeVisible();
      await expectFitsTheWindow(page, 'signed in, saving to the keychain');
    } finally {
      secrets.release('setPassword');
    }
    await expect(page.getByText('Saving to your keychain…')).toBeHidden();
    await expectFitsTheWindow(page, 'signed in');

    // Call API, slow enough to see it running, then its answer.
    idp.faults.set('/api/private', { delayMs: 1_500, times: 1 });
    await page.getByRole('button', { name: 'Call API' }).click();
    await expect(page.getByRole('button', { name: 'Calling the API…' })).toBeVisible();
    await expectFitsTheWindow(page, 'signed in, calling the API');
    await expect(page.getByLabel('API response', { exact: true }).last()).toContainText('Hello from the demo API');
    await expectFitsTheWindow(page, 'signed in, API response shown');

    // Logout, with a revocation slow enough to see the signing-out screen.
    idp.faults.set('/oauth/revoke', { delayMs: 1_500, times: 1 });
    await page.getByRole('button', { name: 'Logout' }).click();
    await expect(page.getByRole('heading', { name: 'Signing out…' })).toBeVisible();
    await expectFitsTheWindow(page, 'signing out');
    await expect(page.locator('main').getByText("You're signed out.")).toBeVisible();
    await expectFitsTheWindow(page, 'signed out after Logout');

    // Signed in for this run only, then a Logout whose browser page does not open.
    secrets.failNext('setPassword', 1);
    await login.click();
    await expect(page.locator('main').getByText('Your keychain is unavailable')).toBeVisible();
    await expectFitsTheWindow(page, 'signed in, keychain unavailable');
    browser.failNextPage();
    await page.getByRole('button', { name: 'Logout' }).click();
    // The confirmation carries what the logout could not finish.
    await expect(page.locator('main').getByRole('status').filter({ hasText: "You're signed out." })).toContainText(
      'the browser could not be opened to end your session',
    );
    await expectFitsTheWindow(page, 'signed out after Logout, with a notice');

    // The person declines on the provider's page.
    browser.plan = 'declines';
    await login.click();
    await expect(page.getByRole('heading', { name: 'Sign-in declined' })).toBeVisible();
    await expectFitsTheWindow(page, 'error, sign-in declined');
  });

  test('signed in through an organization, with every action and the API response', async ({
    launchApp,
    idp,
    keychain,
    person,
  }) => {
    const browser = await personAtTheBrowser(person, idp);
    const secrets = controllableSecretStore(keychain.keytar);
    const [acme] = idp.organizations;
    if (!acme) throw new Error('the provider has no organizations');
    const { page } = await launchApp('renderer-layout-organization', {
      keytar: secrets,
      profile: browser.profile,
      act: browser.act,
      env: { AUTH0_ORGANIZATION: acme.name },
    });
    await expect(page.getByRole('button', { name: 'Create an account' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Sign in with a different account' })).toBeVisible();

    // The most a signed-in window holds: the organization, the keychain's line, and all three actions.
    secrets.failNext('setPassword', 1);
    await page.getByRole('button', { name: 'Login' }).click();
    await expect(page.locator('main').getByText(`Organization: ${acme.name}`)).toBeVisible();
    await expect(page.locator('main').getByText('Your keychain is unavailable')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Sign in with a different account' })).toBeVisible();
    await expectFitsTheWindow(page, 'signed in through an organization, keychain unavailable');
    await page.getByRole('button', { name: 'Call API' }).click();
    await expect(page.getByLabel('API response', { exact: true }).last()).toContainText('Hello from the demo API');
    await expectFitsTheWindow(page, 'signed in through an organization, API response shown');

    // Switching accounts: the window waits for the person, who has not chosen yet.
    browser.plan = 'waits';
    await page.getByRole('button', { name: 'Sign in with a different account' }).click();
    await expect(currentStep(page)).toContainText('Waiting for you to sign in');
    await expectFitsTheWindow(page, 'signing in with a different account');
  });

  test('a settings error with its setup checklist', async ({ context, renderer }) => {
    const window = await openAppWindow({
      context,
      entryUrl: renderer.url,
      service: undefined,
      configError: missingSettingsError(),
      appInfo: { demo: false, issuerHost: '' },
      checkSetup: () =>
        runDoctor(
          {},
          // With no settings the keychain check uses a service of its own; the test keychain lets
          // each test use only its own services, so this check runs on a keychain in memory.
          { secretStore: () => createMemorySecretStore() },
        ),
    });
    try {
      const { page } = window;
      await expect(page.getByRole('heading', { name: 'Sign-in is not set up correctly' })).toBeVisible();
      await expectFitsTheWindow(page, 'error, settings need fixing');
      await page.getByRole('button', { name: 'Check my setup' }).click();
      await expect(page.getByRole('list', { name: 'Setup checks' })).toContainText('Configuration');
      await expectFitsTheWindow(page, 'error, settings need fixing, with the setup checklist');
    } finally {
      await window.close();
    }
  });
});
