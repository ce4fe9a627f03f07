import type { BrowserContext, Page, Route } from 'playwright-core';
import type { RunningIdp } from '../../tools/idp/start-idp.js';
import { personSignsInAndOut } from './app-harness.js';
import { acceptConsent, declineConsent, signIn } from './sign-in.js';
import type { SystemBrowser } from './system-browser.js';

/** What the person does on the next sign-in page. */
export type SignInPlan = 'signs-in' | 'declines' | 'waits';

/**
 * The person at the system browser, for window tests that walk through every state: what they do
 * on the sign-in page, and whether their browser opens the app's next page, stalls on it until
 * released, or fails to open it at all.
 */
export interface PersonAtTheBrowser {
  /** The browser profile, for LaunchOptions.profile. */
  readonly profile: Promise<BrowserContext>;
  /** For LaunchOptions.act. */
  readonly act: (page: Page, url: URL) => Promise<void>;
  plan: SignInPlan;
  /** The next page the app opens loads only once the returned function is called. */
  stallNextPage(): () => void;
  /** The next page the app opens fails to load, so the app's `openBrowser` fails. */
  failNextPage(): void;
}

const isLogoutUrl = (url: URL): boolean => url.pathname === '/oidc/logout' || url.pathname === '/v2/logout';

/** A person with one profile; the provider remembers them between sign-ins until Logout ends that. */
export async function personAtTheBrowser(person: SystemBrowser, idp: RunningIdp): Promise<PersonAtTheBrowser> {
  const profile = person.newProfile();
  let next: ((route: Route) => Promise<void>) | undefined;
  // Only the page the app hands over (its first navigation) is stalled or failed; what the person
  // does on it afterwards loads normally.
  await (
    await profile
  ).route(
    (url) => url.origin === idp.origin && (url.pathname === '/authorize' || isLogoutUrl(url)),
    async (route) => {
      const handle = next;
      next = undefined;
      await (handle ? handle(route) : route.continue());
    },
  );
  const signsOut = personSignsInAndOut(idp);
  const user = idp.users[0];
  if (!user) throw new Error('the provider has no test users');
  const state: PersonAtTheBrowser = {
    profile,
    plan: 'signs-in',
    async act(page, url) {
      if (isLogoutUrl(url)) return signsOut(page, url);
      if (state.plan === 'waits') return;
      const email = page.locator('input[name="email"]');
      // The sign-in form appears only without a provider session; consent appears every time.
      await email
        .or(page.getByRole('button', { name: 'Accept' }))
        .first()
        .waitFor();
      if (await email.isVisible()) await signIn(page, user.email, 'demo');
      await (state.plan === 'declines' ? declineConsent(page) : acceptConsent(page));
    },
    stallNextPage() {
      let release = (): void => undefined;
      const released = new Promise<void>((resolve) => (release = resolve));
      next = async (route) => {
        await released;
        await route.continue();
      };
      return release;
    },
    failNextPage() {
      next = (route) => route.abort('failed');
    },
  };
  return state;
}
