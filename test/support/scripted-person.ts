import type { BrowserContext, Page } from 'playwright-core';
import type { RunningIdp } from '../../tools/idp/start-idp.js';
import { acceptConsent, declineConsent, signIn } from './sign-in.js';
import type { SystemBrowser } from './system-browser.js';

/** What the person does with the next sign-in page the app opens. */
export type SignInIntent =
  | { readonly kind: 'signs-in'; readonly user: number }
  | { readonly kind: 'declines'; readonly user: number }
  /** The tab is just left open: the login ends only by timeout, cancel, logout or quit. */
  | { readonly kind: 'leaves' };

/** What the person does with the provider's logout page. */
export type LogoutIntent = 'confirms' | 'leaves';

/** A person at the system browser who follows a script the test changes as it goes. */
export interface ScriptedPerson {
  /** The app's `openBrowser`: opens the URL in a real tab, then acts on it as scripted at that moment. */
  openBrowser(url: string): Promise<void>;
  nextSignIn: SignInIntent;
  nextLogout: LogoutIntent;
  /** Closes every tab this person opened; the profiles stay for the next app run. */
  close(): Promise<void>;
}

/** How long the person takes at most on one page before giving up on it, so no tab waits for long. */
const PAGE_TIMEOUT_MS = 4_000;

/** One browser profile per test user, kept across app runs like a person's real browser. */
export interface PersonProfiles {
  profile(user: number): Promise<BrowserContext>;
  close(): Promise<void>;
}

/** Opens each user's profile on first use. */
export function personProfiles(browser: SystemBrowser): PersonProfiles {
  const profiles = new Map<number, Promise<BrowserContext>>();
  return {
    profile(user) {
      let context = profiles.get(user);
      if (!context) {
        context = browser.newProfile();
        profiles.set(user, context);
      }
      return context;
    },
    async close() {
      const contexts = await Promise.allSettled(profiles.values());
      profiles.clear();
      const opened = contexts.flatMap((context) => (context.status === 'fulfilled' ? [context.value] : []));
      await Promise.allSettled(opened.map((context) => context.close()));
    },
  };
}

/**
 * One person with one browser profile per test user, so signing in as another user is not
 * silently answered by the provider's session for the first one. `signedInSub` says who the app
 * shows, so the logout page opens in that person's profile, as it would in real life.
 */
export function scriptedPerson(
  profiles: PersonProfiles,
  idp: RunningIdp,
  signedInSub: () => string | undefined,
): ScriptedPerson {
  const pages: Page[] = [];
  let closed = false;
  const userOf = (sub: string | undefined): number =>
    Math.max(
      0,
      idp.users.findIndex((user) => user.sub === sub),
    );

  const actOnSignIn = async (page: Page, intent: SignInIntent): Promise<void> => {
    if (intent.kind === 'leaves') return;
    const user = idp.users[intent.user];
    if (!user) throw new Error(`the provider has no test user ${intent.user}`);
    const email = page.locator('input[name="email"]');
    // The sign-in form appears only without a provider session; consent appears every time.
    await email
      .or(page.getByRole('button', { name: 'Accept' }))
      .first()
      .waitFor();
    if (await email.isVisible()) await signIn(page, user.email, user.password);
    await (intent.kind === 'declines' ? declineConsent(page) : acceptConsent(page));
  };

  const actOnLogout = async (page: Page, intent: LogoutIntent): Promise<void> => {
    if (intent === 'leaves') return;
    // The provider asks to confirm only when it has a session to end.
    await Promise.race([
      page.getByRole('button', { name: 'Sign out' }).click(),
      page.waitForURL((current) => current.pathname === '/signed-out'),
    ]);
  };

  const person: ScriptedPerson = {
    nextSignIn: { kind: 'signs-in', user: 0 },
    nextLogout: 'confirms',
    async openBrowser(url) {
      if (closed) throw new Error('the browser is closed');
      const target = new URL(url);
      const isLogout = target.pathname === '/oidc/logout' || target.pathname === '/v2/logout';
      // The script is read when the tab opens, as a person decides when they see the page.
      const signInIntent = person.nextSignIn;
      const logoutIntent = person.nextLogout;
      const user = isLogout ? userOf(signedInSub()) : signInIntent.kind === 'leaves' ? 0 : signInIntent.user;
      const page = await (await profiles.profile(user)).newPage();
      pages.push(page);
      page.setDefaultTimeout(PAGE_TIMEOUT_MS);
      await page.goto(url);
      // The person acts after the app has moved on to waiting, as in real life; a tab closed
      // under them (cancel, quit, the end of the run) is not the app's failure.
      const act = isLogout ? actOnLogout(page, logoutIntent) : actOnSignIn(page, signInIntent);
      act.catch(() => undefined);
    },
    async close() {
      closed = true;
      await Promise.allSettled(pages.map((page) => page.close()));
    },
  };
  return person;
}
