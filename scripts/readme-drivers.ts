import type { Page } from 'playwright-core';
import type { AuthEnv } from '../src/main/auth/config/config.js';
import type { AuthState } from '../src/shared/auth-state.js';
import type { RunningIdp, TestUser } from '../tools/idp/start-idp.js';
import { personSignsIn } from '../test/support/app-harness.js';
import { acceptConsent, declineConsent, signIn } from '../test/support/sign-in.js';

/** The states the README shows: of the app window, and of the sign-up page the app opens. */
export type ReadmeState =
  'signed-out' | 'waiting' | 'signed-in' | 'error' | 'sign-up-page' | 'signed-in-organization' | 'switched-account';

type PersonAct = (page: Page, url: URL) => Promise<void>;

/** What a driver works with once the app has started and its window is open. */
export interface Drive {
  readonly idp: RunningIdp;
  /** The app window. */
  readonly window: Page;
  /** The pages the app has opened in the person's browser so far. */
  readonly browserPages: readonly Page[];
  /** Resolves with the first state of the app's core that satisfies `predicate`. */
  readonly until: (predicate: (state: AuthState) => boolean) => Promise<AuthState>;
}

/** How the person gets the app into one state, from a fresh start. */
export interface StateDriver {
  /** What the person does in the browser tabs the app opens. */
  readonly act?: (idp: RunningIdp) => PersonAct;
  /** Settings beyond the demo ones, as `.env` would give them. */
  readonly env?: (idp: RunningIdp) => AuthEnv;
  /** Clicks until the app is in the state; resolves with the page the picture is of. */
  readonly reach: (drive: Drive) => Promise<Page>;
}

/** The signed-out window's main action. */
const LOGIN = 'Login';

async function click(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name }).click();
  // The pointer would otherwise rest on whatever the next state draws there, in its hover colour.
  await page.mouse.move(0, 0);
}

function user(idp: RunningIdp, index: number): TestUser {
  const found = idp.users[index];
  if (!found) throw new Error(`the provider has no test user ${index + 1}`);
  return found;
}

/** Not while "Saving to your keychain…" shows: the picture is of a session that is remembered. */
const rememberedAs =
  (sub: string) =>
  (state: AuthState): boolean =>
    state.status === 'signed-in' && state.persistence === 'keychain' && state.profile.sub === sub;

/** The first organization the first test user belongs to: the one an organization app signs into. */
function firstUsersOrganization(idp: RunningIdp): string {
  const email = user(idp, 0).email;
  const organization = idp.organizations.find((each) => each.members.includes(email));
  if (!organization) throw new Error(`${email} belongs to no organization of the provider`);
  return organization.name;
}

/** Signs in as the first user; on the page a second sign-in opens, as the second. */
function signsInThenSwitches(idp: RunningIdp): PersonAct {
  let opened = 0;
  return async (page) => {
    opened += 1;
    if (opened === 1) return personSignsIn(idp)(page);
    const other = user(idp, 1);
    await page.getByRole('heading', { name: 'Welcome' }).waitFor();
    await signIn(page, other.email, other.password);
    await acceptConsent(page);
  };
}

/** How to reach each README state. */
export const DRIVERS: Record<ReadmeState, StateDriver> = {
  'signed-out': {
    reach: async ({ window, until }) => {
      await until((state) => state.status === 'signed-out');
      return window;
    },
  },
  waiting: {
    // The person has the sign-in page in front of them and has not signed in yet.
    act: () => async (page) => void (await page.locator('input[name="email"]').waitFor()),
    reach: async ({ window, until }) => {
      // The page's clock stops before the sign-in starts, so its timer shows 0:00 in every run.
      await window.clock.setFixedTime(Date.now());
      await click(window, LOGIN);
      await until((state) => state.status === 'signing-in' && state.step === 'waiting-for-user');
      return window;
    },
  },
  'signed-in': {
    act: (idp) => personSignsIn(idp),
    reach: async ({ idp, window, until }) => {
      await click(window, LOGIN);
      await until(rememberedAs(user(idp, 0).sub));
      return window;
    },
  },
  error: {
    act: (idp) => async (page) => {
      const first = user(idp, 0);
      await signIn(page, first.email, first.password);
      await declineConsent(page);
    },
    reach: async ({ window, until }) => {
      await click(window, LOGIN);
      await until((state) => state.status === 'error');
      return window;
    },
  },
  'sign-up-page': {
    // The person has the sign-up form in front of them; the picture is of that page.
    act: () => async (page) => void (await page.getByRole('heading', { name: 'Create Your Account' }).waitFor()),
    reach: async ({ window, until, browserPages }) => {
      await click(window, 'Create an account');
      await until((state) => state.status === 'signing-in' && state.step === 'waiting-for-user');
      const page = browserPages[0];
      if (!page) throw new Error('the app opened no sign-up page');
      await page.getByRole('heading', { name: 'Create Your Account' }).waitFor();
      return page;
    },
  },
  'signed-in-organization': {
    act: (idp) => personSignsIn(idp),
    env: (idp) => ({ AUTH0_ORGANIZATION: firstUsersOrganization(idp) }),
    reach: async ({ idp, window, until }) => {
      await click(window, LOGIN);
      await until(rememberedAs(user(idp, 0).sub));
      return window;
    },
  },
  'switched-account': {
    act: (idp) => signsInThenSwitches(idp),
    reach: async ({ idp, window, until }) => {
      await click(window, LOGIN);
      await until(rememberedAs(user(idp, 0).sub));
      await click(window, 'Sign in with a different account');
      await until(rememberedAs(user(idp, 1).sub));
      return window;
    },
  },
};
