import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { after, afterEach, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeJwt } from 'jose';
import type { Page } from 'playwright-core';
import type { AuthServiceDeps } from '../../src/main/auth/flows/auth-service.js';
import type { AuthEnv } from '../../src/main/auth/config/config.js';
import type { SecretStore } from '../../src/main/auth/session/secret-store.js';
import {
  createKeychainTokenStore,
  type StoredSession,
  type TokenStore,
} from '../../src/main/auth/session/token-store.js';
import type { AuthState } from '../../src/shared/auth-state.js';
import { startIdp, type RunningIdp, type TestUser } from '../../tools/idp/start-idp.js';
import { demoConfig, startApp, testClock, type TestClock } from '../support/app-harness.js';
import {
  controllableFetch,
  isRevocation,
  isTokenRequest,
  rotatedFrom,
  type ControllableFetch,
} from '../support/controllable-fetch.js';
import { controllableSecretStore, type ControllableSecretStore } from '../support/controllable-secret-store.js';
import { keychainUnavailableReason, type TestKeychain } from '../support/keychain.js';
import { startStoryServices, stopStoryServices } from '../support/story-services.js';
import { acceptConsent, signIn } from '../support/sign-in.js';
import { browserOpener, browserUnavailableReason, type SystemBrowser } from '../support/system-browser.js';

const skip = (await keychainUnavailableReason()) ?? browserUnavailableReason();
if (skip) process.stdout.write(`# skipping interleaving tests: ${skip}\n`);

/** Far past the provider's 600 s access token lifetime, so the next use must refresh. */
const LATER = 3_600_000;
/**
 * How long an operation may sit without any visible progress (no state change, no provider
 * request, no keychain call, no browser tab) before a test concludes it is waiting on the work
 * the test holds back, and releases it. Only a correctly serialised core waits like that; a live
 * sign-in in the browser never pauses this long.
 */
const QUIET_MS = 2_500;

let idp: RunningIdp;
let browser: SystemBrowser;
let keychain: TestKeychain;
let keytar: SecretStore;
let alice: TestUser;
let bob: TestUser;
let services = 0;

/** The person at the computer: signs in as whoever the test names, each time in a fresh browser profile. */
interface Person {
  signsInAs: TestUser;
  /** The tab never loads the app's /done page after the callback (closed at once, or blocked). */
  skipsDonePage: boolean;
  readonly urls: URL[];
  readonly openBrowser: (url: string) => Promise<void>;
}

function isLogoutUrl(url: URL): boolean {
  return url.pathname === '/oidc/logout' || url.pathname === '/v2/logout';
}

function personAtBrowser(): Person {
  const person: Person = {
    signsInAs: alice,
    skipsDonePage: false,
    urls: [],
    async openBrowser(url) {
      person.urls.push(new URL(url));
      // Decided when the tab opens, as a person decides what to do with the tab in front of them.
      const who = person.signsInAs;
      const skipsDone = person.skipsDonePage;
      const act = async (page: Page, target: URL): Promise<void> => {
        if (isLogoutUrl(target)) {
          await page.getByRole('button', { name: 'Sign out' }).click({ timeout: 10_000 });
          return;
        }
        if (skipsDone) {
          // Stopped in the browser itself: the tab reaches /done only by following the callback's
          // redirect, which neither page.route nor Network.setBlockedURLs intercepts.
          const devtools = await page.context().newCDPSession(page);
          devtools.on('Fetch.requestPaused', (event) => {
            void devtools
              .send('Fetch.failRequest', { requestId: event.requestId, errorReason: 'Aborted' })
              .catch(() => undefined);
          });
          await devtools.send('Fetch.enable', {
            patterns: [{ urlPattern: 'http://127.0.0.1:*/done', requestStage: 'Request' }],
          });
        }
        await signIn(page, who.email, who.password);
        await acceptConsent(page);
      };
      // A fresh profile per tab: no provider session carries over, so anyone can sign in.
      await browserOpener(browser, act).openBrowser(url);
    },
  };
  return person;
}

type App = ReturnType<typeof startApp> & {
  readonly clock: TestClock;
  readonly secrets: ControllableSecretStore;
  /** The app's own token store (reading through it waits for the app's keychain work). */
  readonly store: TokenStore;
  readonly keychainService: string;
  readonly network: ControllableFetch;
  readonly person: Person;
  readonly provider: RunningIdp;
};

/** One app start on the real provider, browser and keychain, with a hand on the keychain's and the network's timing. */
function appFor(options: { provider?: RunningIdp; callbackPort?: number; deps?: Partial<AuthServiceDeps> } = {}): App {
  const provider = options.provider ?? idp;
  services += 1;
  const env: AuthEnv = {
    KEYCHAIN_SERVICE: keychain.serviceName(`interleavings-${services}`),
    ...(options.callbackPort === undefined
      ? {}
      : { AUTH0_CALLBACK_URL: `http://127.0.0.1:${options.callbackPort}/callback` }),
  };
  const keychainService = demoConfig(provider, env).keychainService;
  const secrets = controllableSecretStore(keytar);
  const store = createKeychainTokenStore(secrets, keychainService);
  const network = controllableFetch();
  const person = personAtBrowser();
  const clock = testClock();
  const app = startApp({
    idp: provider,
    browser,
    env,
    clock,
    deps: { tokenStore: store, network: { fetch: network.fetch }, openBrowser: person.openBrowser, ...options.deps },
  });
  return { ...app, clock, secrets, store, keychainService, network, person, provider };
}

/** A session as a sign-in would have saved it, written straight to the app's keychain entry. */
async function plant(app: App, user: TestUser, options: { stale?: boolean } = {}): Promise<StoredSession> {
  const session: StoredSession = {
    tokens: {
      accessToken: `at-planted-${user.nickname}-${randomBytes(700).toString('base64url')}`,
      refreshToken: `rt-planted-${user.nickname}-${randomBytes(24).toString('base64url')}`,
      idToken: `id-planted-${user.nickname}-${randomBytes(700).toString('base64url')}`,
      expiresAt: app.clock.now() + (options.stale ? -60_000 : 600_000),
      scope: 'openid profile email offline_access',
    },
    profile: { sub: user.sub, name: user.name, nickname: user.nickname, email: user.email },
  };
  await createKeychainTokenStore(keytar, app.keychainService).save(session);
  return session;
}

async function signedInAs(app: App, user: TestUser): Promise<AuthState> {
  app.person.signsInAs = user;
  const state = await app.service.login();
  assert.equal(subOf(state), user.sub, `signed in as ${user.nickname}: ${JSON.stringify(state)}`);
  return state;
}

/** Who a state shows as signed in, or what else it is (an error shows its code). */
function subOf(state: AuthState): string {
  if (state.status === 'signed-in') return state.profile.sub;
  if (state.status === 'error') return `error ${state.error.code}`;
  if (state.status === 'signed-out' && state.reason) return `signed-out (${state.reason.code})`;
  return state.status;
}

/** Whose session the app's keychain entry holds (read through the app's own store). */
async function keychainHolds(app: App): Promise<string> {
  const result = await app.store.load();
  return result.kind === 'found' ? result.session.profile.sub : result.kind;
}

/** Whose access token this is: a planted one names its user, a real one is a JWT with `sub`. */
function ownerOf(token: string, planted: ReadonlyArray<readonly [StoredSession, TestUser]> = []): string {
  for (const [session, user] of planted) if (session.tokens.accessToken === token) return user.sub;
  try {
    return decodeJwt(token).sub ?? 'a token without sub';
  } catch {
    return 'not a token the provider issued';
  }
}

/** True when any state from index `from` on shows `user` signed in. */
function showsUserFrom(states: readonly AuthState[], from: number, user: TestUser): boolean {
  return from >= 0 && states.slice(from).some((state) => subOf(state) === user.sub);
}

/** What the app has visibly done so far; unchanged for QUIET_MS means it is waiting. */
function progressOf(app: App): string {
  const keychainCalls = (['getPassword', 'setPassword', 'deletePassword', 'findCredentials'] as const)
    .map((method) => app.secrets.calls(method))
    .join(',');
  return [app.states.length, app.provider.requestLog.length, app.person.urls.length, keychainCalls].join('|');
}

/**
 * Waits until one of `events` happens or the app makes no progress for QUIET_MS. Today's core
 * runs straight into the held work, so an event comes first; a serialised core instead parks
 * the later operation behind the held one, and then only the quiet period ends the wait.
 */
async function untilEventOrQuiet(app: App, ...events: Promise<unknown>[]): Promise<'event' | 'quiet'> {
  const stop = new AbortController();
  const quiet = async (): Promise<'quiet'> => {
    let last = progressOf(app);
    let since = Date.now();
    while (!stop.signal.aborted) {
      await sleep(50);
      const now = progressOf(app);
      if (now !== last) {
        last = now;
        since = Date.now();
      } else if (Date.now() - since >= QUIET_MS) {
        return 'quiet';
      }
    }
    return 'quiet';
  };
  try {
    return await Promise.race([
      ...events.map((event) =>
        event.then(
          () => 'event' as const,
          () => 'event' as const,
        ),
      ),
      quiet(),
    ]);
  } finally {
    stop.abort();
  }
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

describe('interleavings (real provider, browser and keychain)', () => {
  before(async () => {
    if (skip) return;
    ({ idp, browser, keychain, keytar } = await startStoryServices());
    const [first, second] = idp.users;
    assert.ok(first && second, 'the provider has two test users');
    [alice, bob] = [first, second];
  });
  after(() => stopStoryServices({ idp, browser, keychain }));
  // Open tabs from earlier tests only slow the browser down.
  afterEach(() => Promise.all(browser?.browser.contexts().map((context) => context.close()) ?? []));

  // Fault 7 comes first: where the fault is present, the callback server lingers for its 15 s
  // grace after the test, and it should overlap the other tests rather than keep the file open.

  test(
    'fault 7: a sign-in whose tab never loads /done leaves the fixed callback port free for the next login',
    { skip },
    async () => {
      const port = await freePort();
      const app = appFor({ callbackPort: port });
      try {
        app.person.skipsDonePage = true;
        const first = await app.service.login();
        app.person.skipsDonePage = false;
        app.person.signsInAs = bob;
        const second = await app.service.login();
        assert.deepEqual(
          { first: subOf(first), second: subOf(second) },
          { first: alice.sub, second: bob.sub },
          'both logins use the one registered port',
        );
      } finally {
        await app.service.dispose();
      }
    },
  );

  test(
    'fault 7: a logout right after a sign-in whose tab never loaded /done still gets its signed-out page on the fixed port',
    { skip },
    async () => {
      const port = await freePort();
      const app = appFor({ callbackPort: port });
      try {
        app.person.skipsDonePage = true;
        await signedInAs(app, alice);
        await app.service.logout();
        const url = app.person.urls.find(isLogoutUrl);
        assert.ok(url, 'the logout opened the provider’s logout page');
        const returnTo = url.searchParams.get('post_logout_redirect_uri') ?? url.searchParams.get('returnTo');
        assert.deepEqual(
          { returnTo, signedOutPageFoundNoPort: /no loopback port/.test(app.logs.text()) },
          { returnTo: `http://127.0.0.1:${port}/signed-out`, signedOutPageFoundNoPort: false },
          'the provider sends the tab back to the app’s own signed-out page',
        );
      } finally {
        await app.service.dispose();
      }
    },
  );

  test(
    'fault 1: Login pressed while the start-up read waits on a locked keychain: the one who signs in is the one whose tokens are used',
    { skip },
    async (t) => {
      const app = appFor();
      try {
        const planted = await plant(app, alice);
        // A locked keychain holds reads and writes alike until the person unlocks it.
        app.secrets.hold('getPassword');
        app.secrets.hold('setPassword');
        const restored = app.service.restore();
        const pressedAt = app.states.length;
        app.person.signsInAs = bob;
        const login = app.service.login();
        // Bob signs in; his session waits for the keychain too (or, serialised, waits for the restore).
        t.diagnostic(`released on ${await untilEventOrQuiet(app, app.secrets.whenHeld('setPassword'), login)}`);
        // Unlocked: the keychain answers the start-up read first (it was asked first), then the save.
        app.secrets.release('getPassword');
        await restored;
        app.secrets.release('setPassword');
        const result = await login;

        const bobShownAt = app.states.findIndex((state) => subOf(state) === bob.sub);
        const token = await app.service.getAccessToken();
        assert.deepEqual(
          {
            login: subOf(result),
            state: subOf(app.service.getState()),
            keychain: await keychainHolds(app),
            accessTokenOf: ownerOf(token, [[planted, alice]]),
            aliceShownWhileSigningIn: app.states.slice(pressedAt, bobShownAt).some((s) => subOf(s) === alice.sub),
            aliceShownAfterBobSignedIn: showsUserFrom(app.states, bobShownAt, alice),
          },
          {
            login: bob.sub,
            state: bob.sub,
            keychain: bob.sub,
            accessTokenOf: bob.sub,
            aliceShownWhileSigningIn: false,
            aliceShownAfterBobSignedIn: false,
          },
        );
      } finally {
        app.secrets.release('getPassword');
        app.secrets.release('setPassword');
        await app.service.dispose();
      }
    },
  );

  test(
    'fault 1: a start-up read answered after the new sign-in was saved neither replaces nor deletes that session',
    { skip },
    async (t) => {
      const app = appFor();
      try {
        const planted = await plant(app, alice);
        const aliceEntries = new Set((await keytar.findCredentials(app.keychainService)).map((e) => e.account));
        aliceEntries.delete('session.v1');
        // The start-up read reaches the keychain at once, but its answer is slow to come back.
        app.secrets.hold('getPassword', 'answer');
        const restored = app.service.restore();
        app.person.signsInAs = bob;
        const login = app.service.login();
        const bobSaved = (async () => {
          await login;
          // getPassword, not findCredentials: keytar's findCredentials can crash the process when
          // an entry disappears while it reads (libsecret hands it a null secret).
          await until('Bob’s session to replace Alice’s entries', async () => {
            const left = await Promise.all(
              [...aliceEntries].map((account) => keytar.getPassword(app.keychainService, account)),
            );
            return left.every((password) => password === null);
          });
        })();
        t.diagnostic(`released on ${await untilEventOrQuiet(app, bobSaved)}`);
        app.secrets.release('getPassword');
        await restored;
        const result = await login;

        const bobShownAt = app.states.findIndex((state) => subOf(state) === bob.sub);
        assert.deepEqual(
          {
            login: subOf(result),
            state: subOf(app.service.getState()),
            keychain: await keychainHolds(app),
            accessTokenOf: ownerOf(await app.service.getAccessToken(), [[planted, alice]]),
            aliceShownAfterBobSignedIn: showsUserFrom(app.states, bobShownAt, alice),
          },
          {
            login: bob.sub,
            state: bob.sub,
            keychain: bob.sub,
            accessTokenOf: bob.sub,
            aliceShownAfterBobSignedIn: false,
          },
        );
      } finally {
        app.secrets.release('getPassword');
        await app.service.dispose();
      }
    },
  );

  test(
    'fault 2: a refresh of the old session still in flight when someone else signs in does not overwrite the new session',
    { skip },
    async (t) => {
      const app = appFor();
      try {
        await signedInAs(app, alice);
        const aliceSaved = await app.store.load();
        assert.ok(aliceSaved.kind === 'found' && aliceSaved.session.tokens.refreshToken);
        const aliceRefreshToken = aliceSaved.session.tokens.refreshToken;
        app.clock.advance(LATER);
        const refresh = app.network.hold(isTokenRequest('refresh_token'));
        const pending = app.service.getAccessToken().catch(() => undefined);
        await refresh.whenHeld();
        app.person.signsInAs = bob;
        const login = app.service.login();
        t.diagnostic(`released on ${await untilEventOrQuiet(app, login)}`);
        // The provider answers the old refresh at last: Alice's refresh token is rotated.
        refresh.release();
        const result = await login;
        await pending;

        const saved = await app.store.load();
        const savedRefreshToken = saved.kind === 'found' ? saved.session.tokens.refreshToken : undefined;
        const aliceRotated = rotatedFrom(app.network.issuedRefreshTokens, aliceRefreshToken);
        t.diagnostic(`refreshes answered: ${app.network.issuedRefreshTokens.filter((i) => i.replaces).length}`);
        const bobShownAt = app.states.findIndex((state) => subOf(state) === bob.sub);
        assert.deepEqual(
          {
            login: subOf(result),
            state: subOf(app.service.getState()),
            keychain: saved.kind === 'found' ? saved.session.profile.sub : saved.kind,
            keychainHoldsAlicesRotatedToken:
              savedRefreshToken !== undefined && aliceRotated.includes(savedRefreshToken),
            accessTokenOf: ownerOf(await app.service.getAccessToken()),
            aliceShownAfterBobSignedIn: showsUserFrom(app.states, bobShownAt, alice),
          },
          {
            login: bob.sub,
            state: bob.sub,
            keychain: bob.sub,
            keychainHoldsAlicesRotatedToken: false,
            accessTokenOf: bob.sub,
            aliceShownAfterBobSignedIn: false,
          },
        );
      } finally {
        await app.service.dispose();
      }
    },
  );

  test(
    'fault 4: two logout() calls at once make one revocation and one logout tab, and the state passes through signing-out',
    { skip },
    async (t) => {
      const app = appFor();
      try {
        await signedInAs(app, alice);
        const revocations = idp.countRequests('/oauth/revoke');
        const from = app.states.length;
        const revoke = app.network.hold(isRevocation);
        const settledOrder: string[] = [];
        const first = app.service.logout();
        void first.then(() => settledOrder.push('first'));
        const second = app.service.logout();
        void second.then(() => settledOrder.push('second'));
        t.diagnostic(`released on ${await untilEventOrQuiet(app, revoke.whenHeld(), Promise.all([first, second]))}`);
        revoke.release();
        const results = await Promise.all([first, second]);
        assert.deepEqual(
          {
            results: results.map((state) => state.status),
            revocations: idp.countRequests('/oauth/revoke') - revocations,
            logoutTabs: app.person.urls.filter(isLogoutUrl).length,
            passedThroughSigningOut: app.states.slice(from).some((state) => state.status === 'signing-out'),
            secondReturnedBeforeTheLogoutFinished: settledOrder[0] === 'second',
          },
          {
            results: ['signed-out', 'signed-out'],
            revocations: 1,
            logoutTabs: 1,
            passedThroughSigningOut: true,
            secondReturnedBeforeTheLogoutFinished: false,
          },
        );
      } finally {
        await app.service.dispose();
      }
    },
  );

  test(
    'fault 4: Login pressed while a logout is revoking ends signed in, not overwritten by the logout’s signed-out',
    { skip },
    async (t) => {
      const app = appFor();
      try {
        await signedInAs(app, alice);
        const revoke = app.network.hold(isRevocation);
        const logout = app.service.logout();
        await untilEventOrQuiet(app, revoke.whenHeld(), logout);
        app.person.signsInAs = bob;
        const login = app.service.login();
        t.diagnostic(`released on ${await untilEventOrQuiet(app, login)}`);
        revoke.release();
        const [, result] = await Promise.all([logout, login]);
        const bobShownAt = app.states.findIndex((state) => subOf(state) === bob.sub);
        assert.deepEqual(
          {
            login: subOf(result),
            state: subOf(app.service.getState()),
            keychain: await keychainHolds(app),
            signedOutAfterBobSignedIn:
              bobShownAt >= 0 && app.states.slice(bobShownAt).some((state) => state.status === 'signed-out'),
          },
          { login: bob.sub, state: bob.sub, keychain: bob.sub, signedOutAfterBobSignedIn: false },
        );
      } finally {
        await app.service.dispose();
      }
    },
  );

  test(
    'fault 4: Login pressed while the logout’s signed-out page holds the fixed callback port signs in, no port_in_use',
    { skip },
    async () => {
      const port = await freePort();
      const app = appFor({ callbackPort: port });
      try {
        await signedInAs(app, alice);
        await until('the sign-in’s callback server to let go of the port', () => portIsFree(port));
        // The provider’s logout page is slow, so the logout is still opening the browser.
        idp.faults.set('/oidc/logout', { delayMs: 2_000, times: 1 });
        const logout = app.service.logout();
        await until('the logout to open the browser', () => app.person.urls.some(isLogoutUrl));
        app.person.signsInAs = bob;
        const result = await app.service.login();
        await logout;
        assert.deepEqual(
          { login: subOf(result), state: subOf(app.service.getState()) },
          { login: bob.sub, state: bob.sub },
        );
      } finally {
        idp.faults.clear();
        await app.service.dispose();
      }
    },
  );

  test(
    'fault 5: quit while the provider holds a refresh for 30 s: dispose() returns within 6 s',
    { skip },
    async () => {
      // A provider of its own: closing it is what finally ends the held request.
      const provider = await startIdp();
      const app = appFor({ provider });
      let disposing: Promise<void> | undefined;
      try {
        await plant(app, alice, { stale: true });
        provider.faults.set('/oauth/token', { delayMs: 30_000 });
        const requests = provider.countRequests('/oauth/token');
        await app.service.restore();
        void app.service.getAccessToken().catch(() => undefined);
        await until('the refresh to reach the provider', () => provider.countRequests('/oauth/token') > requests);
        const quitAt = Date.now();
        disposing = app.service.dispose();
        const outcome = await Promise.race([
          disposing.then(() => 'returned' as const),
          sleep(6_000).then(() => 'still waiting' as const),
        ]);
        assert.equal(outcome, 'returned', `dispose() after ${Date.now() - quitAt} ms`);
      } finally {
        await provider.close();
        await (disposing ?? app.service.dispose());
      }
    },
  );

  test(
    'fault 5: quit while a rotated refresh token is being saved (slow keychain): dispose() still lands it',
    { skip },
    async () => {
      const app = appFor();
      try {
        await signedInAs(app, alice);
        const next = createKeychainTokenStore(keytar, app.keychainService);
        const before = await next.load();
        assert.equal(before.kind, 'found');
        app.clock.advance(LATER);
        // The provider answers at once; writing to the keychain takes about a second.
        app.secrets.delay('setPassword', 300);
        const writes = app.secrets.calls('setPassword');
        const pending = app.service.getAccessToken();
        await until(
          'the rotated token to be on its way into the keychain',
          () => app.secrets.calls('setPassword') > writes,
        );
        await app.service.dispose();

        // What the next start reads.
        const landed = await next.load();
        const rotated = app.network.issuedRefreshTokens.filter((issued) => issued.grantType === 'refresh_token');
        assert.deepEqual(
          {
            keychain: landed.kind,
            refreshToken: landed.kind === 'found' ? landed.session.tokens.refreshToken : undefined,
          },
          { keychain: 'found', refreshToken: rotated.at(-1)?.refreshToken },
          'the rotated refresh token is in the keychain',
        );
        assert.equal(await pending, landed.kind === 'found' ? landed.session.tokens.accessToken : undefined);
      } finally {
        await app.service.dispose();
      }
    },
  );

  test(
    'fault 8: a background refresh failing with an unexpected error backs off per retryDelaysMs and logs every failure',
    { skip },
    async () => {
      const attempts: number[] = [];
      let failures = 0;
      const retryDelaysMs = [1_000, 2_000, 4_000];
      const app = appFor({ deps: { retryDelaysMs } });
      // A keychain backend that fails in a way nobody foresaw (a plain Error, not an AuthError) once
      // the start-up read is done: the refresh re-reads the keychain before it asks the provider.
      const load = app.store.load.bind(app.store);
      let loads = 0;
      app.store.load = () => {
        loads += 1;
        if (loads === 1) return load();
        attempts.push(Date.now());
        failures += 1;
        return Promise.reject(new Error('keychain backend failed'));
      };
      try {
        await plant(app, alice, { stale: true });
        const requests = idp.countRequests('/oauth/token');
        await app.service.restore();
        await sleep(4_300);
        const gaps = attempts.slice(1).map((at, index) => at - (attempts[index] ?? at));
        const failureLines = app.logs.lines.filter((line) => /^(warn|error) /.test(line) && /refresh/i.test(line));
        const detail = `attempt gaps ${JSON.stringify(gaps)} ms, ${failures} failures, log: ${JSON.stringify(app.logs.lines)}`;
        assert.deepEqual(
          {
            keepsTrying: attempts.length >= 2,
            atMostThreeAttemptsIn4s: attempts.length <= 3,
            backsOff: gaps.every((gap, index) => gap >= 0.9 * (retryDelaysMs[index] ?? 0)),
            everyFailureLogged: failureLines.length >= failures,
          },
          { keepsTrying: true, atMostThreeAttemptsIn4s: true, backsOff: true, everyFailureLogged: true },
          detail,
        );
        assert.equal(idp.countRequests('/oauth/token'), requests, 'no refresh got as far as the provider');
        assert.equal(app.service.getState().status, 'signed-in', 'the session is kept meanwhile');
      } finally {
        await app.service.dispose();
      }
    },
  );
});
