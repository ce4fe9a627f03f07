import { randomBytes } from 'node:crypto';
import type { Page } from '@playwright/test';
import type { AuthService } from '../../src/main/auth/flows/auth-service.js';
import type { AuthState } from '../../src/shared/auth-state.js';
import type { LaunchedApp } from '../support/renderer-fixtures.js';
import { expect, test } from '../support/renderer-fixtures.js';
import { openAppWindow } from '../support/renderer-harness.js';
import { acceptConsent, signIn } from '../support/sign-in.js';
import { RECORD_BUTTONS_AFTER_CLICKS } from '../support/window-probes.js';

/** The person acts on each page the app opens from the test itself, so nothing happens there on its own. */
const personWaits = (): Promise<void> => Promise.resolve();

const signedOutHeading = (page: Page) => page.getByRole('heading', { name: 'Sign in to Desktop Login' });

/** The browser tab the app opened for its `count`-th sign-in page, once it has loaded. */
async function browserPage(app: LaunchedApp, count: number): Promise<Page> {
  await expect.poll(() => app.opener.pages.length, { message: `the app opened sign-in page ${count}` }).toBe(count);
  const page = app.opener.pages[count - 1];
  if (!page) throw new Error(`no sign-in page ${count}`);
  return page;
}

/**
 * A core that holds one state and does nothing else: for a profile the local provider never
 * issues (an organization without its name, as from a tenant that keeps names out of tokens).
 */
function coreShowing(state: AuthState): AuthService {
  const refuse = (): Promise<never> => Promise.reject(new Error('this core only shows a state'));
  return {
    getState: () => state,
    subscribe: () => () => undefined,
    restore: () => Promise.resolve(state),
    login: refuse,
    signUp: refuse,
    loginWithOtherAccount: refuse,
    cancelLogin: () => undefined,
    reopenBrowser: refuse,
    signInLink: () => undefined,
    getAccessToken: refuse,
    callApi: refuse,
    logout: refuse,
    dispose: () => Promise.resolve(),
  };
}

test.describe('accounts: sign up, sign in as someone else, organizations', () => {
  test('Create an account opens the sign-up page, and the new person is signed in', async ({ launchApp }) => {
    const app = await launchApp('renderer-sign-up', { act: personWaits });
    const { page } = app;
    await expect(signedOutHeading(page)).toBeVisible();
    await page.getByRole('button', { name: 'Create an account' }).click();
    await expect(page.getByRole('heading', { name: 'Continue in your browser' })).toBeVisible();

    const signUp = await browserPage(app, 1);
    await expect(signUp.getByRole('heading', { name: 'Create Your Account' })).toBeVisible();
    // A new address each run: the provider keeps its accounts for the whole test run.
    const email = `nora-${randomBytes(4).toString('hex')}@example.com`;
    await signUp.locator('input[name="email"]').fill(email);
    await signUp.locator('input[name="password"]').fill('a new password');
    await signUp.locator('input[name="name"]').fill('Nora Newcomer');
    await signUp.getByRole('button', { name: 'Continue' }).click();
    await acceptConsent(signUp);

    await expect(page.getByRole('heading', { name: 'Nora Newcomer' })).toBeVisible();
    await expect(page.locator('main').getByText(email)).toBeVisible();
  });

  test('signed in as one person, Sign in with a different account asks who, and shows the other', async ({
    launchApp,
    idp,
  }) => {
    const [alice, bob] = idp.users;
    if (!alice || !bob) throw new Error('the provider needs two test users');
    const app = await launchApp('renderer-switch-signed-in', { act: personWaits });
    const { page } = app;
    await page.getByRole('button', { name: 'Login' }).click();
    const first = await browserPage(app, 1);
    await signIn(first, alice.email, alice.password);
    await acceptConsent(first);
    await expect(page.getByRole('heading', { name: alice.name })).toBeVisible();

    // One press, even a double click, opens one sign-in page, and the button shows it is at work.
    await page.evaluate(RECORD_BUTTONS_AFTER_CLICKS);
    await page.getByRole('button', { name: 'Sign in with a different account' }).dblclick();
    const recorded = await page.evaluate<{ name: string; busy: string; disabled: string }[][]>(
      'globalThis.buttonsAfterClicks',
    );
    expect(recorded[0], 'right after the press, the button is busy and disabled').toContainEqual({
      name: 'Opening your browser…',
      busy: 'true',
      disabled: 'true',
    });

    // The provider still remembers alice in this browser, yet asks who is signing in.
    const second = await browserPage(app, 2);
    await expect(second.getByRole('heading', { name: 'Welcome' })).toBeVisible();
    await signIn(second, bob.email, bob.password);
    await acceptConsent(second);
    await expect(page.getByRole('heading', { name: bob.name })).toBeVisible();
    await expect(page.getByText('Not verified', { exact: true })).toBeVisible();
    await expect(page.getByRole('heading', { name: alice.name })).toHaveCount(0);
    expect(app.opener.urls, 'sign-in pages the app opened').toHaveLength(2);
  });

  test('signed out while the browser remembers someone, Sign in with a different account asks who', async ({
    launchApp,
    idp,
    person,
  }) => {
    const [alice, bob] = idp.users;
    if (!alice || !bob) throw new Error('the provider needs two test users');
    // One browser profile for both app starts, so the provider's session outlives the first.
    const profile = person.newProfile();
    const before = await launchApp('renderer-switch-remembered', { act: personWaits, profile });
    await before.page.getByRole('button', { name: 'Login' }).click();
    const first = await browserPage(before, 1);
    await signIn(first, alice.email, alice.password);
    await acceptConsent(first);
    await expect(before.page.getByRole('heading', { name: alice.name })).toBeVisible();
    await before.close();

    // Another keychain entry: this app start is signed out, while the browser still knows alice.
    const app = await launchApp('renderer-switch-signed-out', { act: personWaits, profile });
    const { page } = app;
    await expect(signedOutHeading(page)).toBeVisible();
    await page.getByRole('button', { name: 'Sign in with a different account' }).click();
    const second = await browserPage(app, 1);
    await expect(second.getByRole('heading', { name: 'Welcome' })).toBeVisible();
    await signIn(second, bob.email, bob.password);
    await acceptConsent(second);
    await expect(page.getByRole('heading', { name: bob.name })).toBeVisible();
  });

  test('an app set up for an organization shows it under the profile', async ({ launchApp, idp }) => {
    const [alice] = idp.users;
    const [acme] = idp.organizations;
    if (!alice || !acme) throw new Error('the provider needs a test user and an organization');
    expect(acme.members, 'the person belongs to the organization').toContain(alice.email);
    const { page } = await launchApp('renderer-organization', { env: { AUTH0_ORGANIZATION: acme.name } });
    await page.getByRole('button', { name: 'Login' }).click();
    await expect(page.getByRole('heading', { name: alice.name })).toBeVisible();
    await expect(page.locator('main').getByText(`Organization: ${acme.name}`)).toBeVisible();
    await expect(page.locator('#announce')).toHaveText(`Signed in as ${alice.name}, organization ${acme.name}.`);
  });

  test('an app set up without an organization shows no organization line', async ({ launchApp, idp }) => {
    const { page } = await launchApp('renderer-no-organization');
    await page.getByRole('button', { name: 'Login' }).click();
    await expect(page.getByRole('heading', { name: idp.users[0].name })).toBeVisible();
    await expect(page.locator('main').getByText('Organization:')).toHaveCount(0);
  });

  test('an organization the token names only by ID shows the ID', async ({ context, renderer }) => {
    const window = await openAppWindow({
      context,
      entryUrl: renderer.url,
      service: coreShowing({
        status: 'signed-in',
        persistence: 'keychain',
        profile: { sub: 'auth0|someone', name: 'Sam Someone', organization: { id: 'org_demo1' } },
      }),
      appInfo: { demo: true, issuerHost: '127.0.0.1' },
    });
    try {
      await expect(window.page.getByRole('heading', { name: 'Sam Someone' })).toBeVisible();
      await expect(window.page.locator('main').getByText('Organization: org_demo1')).toBeVisible();
    } finally {
      await window.close();
    }
  });
});
