import type { BrowserContext, Page } from 'playwright-core';
import { createAuthService, type AuthService, type AuthServiceDeps } from '../../src/main/auth/flows/auth-service.js';
import { DEMO_ISSUER_VARIABLE, loadConfig, type AuthConfig, type AuthEnv } from '../../src/main/auth/config/config.js';
import type { SecretStore } from '../../src/main/auth/session/secret-store.js';
import { createKeychainPendingRevocations } from '../../src/main/auth/session/pending-revocations.js';
import { createKeychainTokenStore } from '../../src/main/auth/session/token-store.js';
import type { AuthState } from '../../src/shared/auth-state.js';
import type { RunningIdp } from '../../tools/idp/start-idp.js';
import { captureLogs } from './log-capture.js';
import { acceptConsent, signIn } from './sign-in.js';
import { browserOpener, type SystemBrowser } from './system-browser.js';

/** A clock tests can move forward, so "an hour later" takes no time. */
export interface TestClock {
  readonly now: () => number;
  readonly advance: (ms: number) => void;
}

/** Real time plus an offset. */
export function testClock(): TestClock {
  let offset = 0;
  return { now: () => Date.now() + offset, advance: (ms) => void (offset += ms) };
}

/** Config for the local provider, as `npm start` builds it in demo mode. */
export function demoConfig(idp: RunningIdp, extra: AuthEnv = {}): AuthConfig {
  return loadConfig({
    [DEMO_ISSUER_VARIABLE]: idp.issuer,
    AUTH0_AUDIENCE: idp.audience,
    LOGIN_TIMEOUT_SECONDS: '20',
    ...extra,
  });
}

/** One "app start": an auth service on the real provider, browser and (optionally) keychain. */
export function startApp(options: {
  idp: RunningIdp;
  browser: SystemBrowser;
  keytar?: SecretStore;
  act?: (page: Page, url: URL) => Promise<void>;
  env?: AuthEnv;
  clock?: TestClock;
  /** The person's browser profile, shared across app runs like a real system browser. */
  profile?: Promise<BrowserContext>;
  deps?: Partial<AuthServiceDeps>;
  /** Settings as a real tenant's `.env` gives them; by default the demo settings for `idp`. */
  config?: AuthConfig;
}) {
  const config = options.config ?? demoConfig(options.idp, options.env);
  const logs = captureLogs();
  const opener = browserOpener(options.browser, options.act ?? personSignsIn(options.idp), options.profile);
  const states: AuthState[] = [];
  const service: AuthService = createAuthService({
    config,
    openBrowser: opener.openBrowser,
    logger: logs,
    ...(options.keytar
      ? {
          tokenStore: createKeychainTokenStore(options.keytar, config.keychainService),
          pendingRevocations: createKeychainPendingRevocations(options.keytar, config.keychainService),
        }
      : {}),
    ...(options.clock ? { now: options.clock.now } : {}),
    retryDelaysMs: [50, 100, 200],
    ...options.deps,
  });
  service.subscribe((state) => states.push(state));
  return { service, config, logs, opener, states };
}

/** The person signs in as the first test user and accepts the consent screen. */
export function personSignsIn(idp: RunningIdp): (page: Page) => Promise<void> {
  return async (page) => {
    const user = idp.users[0];
    if (!user) throw new Error('the provider has no test users');
    await signIn(page, user.email, 'demo');
    await acceptConsent(page);
  };
}

/** The person signs in on the sign-in page, and confirms on the provider's logout page when it asks. */
export function personSignsInAndOut(idp: RunningIdp): (page: Page, url: URL) => Promise<void> {
  const signInAct = personSignsIn(idp);
  return async (page, url) => {
    if (url.pathname === '/oidc/logout' || url.pathname === '/v2/logout') {
      // The provider asks to confirm only when it has a session to end.
      await Promise.race([
        page
          .getByRole('button', { name: 'Sign out' })
          .click()
          .catch(() => undefined),
        page.waitForURL((current) => current.pathname === '/signed-out'),
      ]);
      await page.getByText('You are signed out').waitFor();
      return;
    }
    await signInAct(page);
  };
}

/** Resolves with the first state that satisfies `predicate` (the current one included). */
export function waitForState(service: AuthService, predicate: (state: AuthState) => boolean): Promise<AuthState> {
  if (predicate(service.getState())) return Promise.resolve(service.getState());
  return new Promise((resolve) => {
    const unsubscribe = service.subscribe((state) => {
      if (predicate(state)) {
        unsubscribe();
        resolve(state);
      }
    });
  });
}

/**
 * What reached the provider since `mark` (an index into its request log), leaving out the public
 * discovery document and keys that start-up loads in the background: restore itself never waits
 * on the network, and must send nothing else.
 */
export function requestsBeyondDiscovery(idp: RunningIdp, mark: number): Array<{ method: string; path: string }> {
  return idp.requestLog.slice(mark).filter((entry) => !entry.path.startsWith('/.well-known/'));
}
