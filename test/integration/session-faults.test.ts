import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, afterEach, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { AuthError } from '../../src/main/auth/auth-error.js';
import type { AuthEnv } from '../../src/main/auth/config/config.js';
import type { SecretStore } from '../../src/main/auth/session/secret-store.js';
import {
  createKeychainTokenStore,
  type StoredSession,
  type TokenStore,
} from '../../src/main/auth/session/token-store.js';
import type { AuthErrorCode, AuthState } from '../../src/shared/auth-state.js';
import { MemoryStore, generateSigningKey, startIdp, type RunningIdp } from '../../tools/idp/start-idp.js';
import {
  demoConfig,
  personSignsInAndOut,
  requestsBeyondDiscovery,
  startApp,
  testClock,
  type TestClock,
} from '../support/app-harness.js';
import { daemonControlUnavailableReason, keychainUnavailableReason, type TestKeychain } from '../support/keychain.js';
import { startStoryServices, stopStoryServices } from '../support/story-services.js';
import { browserUnavailableReason, type SystemBrowser } from '../support/system-browser.js';

const run = promisify(execFile);
const skip = (await keychainUnavailableReason()) ?? browserUnavailableReason();
if (skip) process.stdout.write(`# skipping session fault tests: ${skip}\n`);
const noStop = skip ?? daemonControlUnavailableReason();

/** Far past the provider's 600 s access token lifetime, so the next use must refresh. */
const LATER = 3_600_000;

let idp: RunningIdp;
let browser: SystemBrowser;
let keychain: TestKeychain;
let keytar: SecretStore;
let services = 0;

/** Each test gets its own keychain service, so no test sees another's entries. */
function freshEnv(): AuthEnv {
  services += 1;
  return { KEYCHAIN_SERVICE: keychain.serviceName(`faults-${services}`) };
}

type App = ReturnType<typeof startApp> & { clock: TestClock; env: AuthEnv; store: TokenStore };

/** One app start on `provider` with the real keychain (not restored yet). */
function appOn(
  provider: RunningIdp,
  options: { env?: AuthEnv; clock?: TestClock; deps?: Parameters<typeof startApp>[0]['deps'] } = {},
): App {
  const clock = options.clock ?? testClock();
  const env = options.env ?? freshEnv();
  const app = startApp({
    idp: provider,
    browser,
    keytar,
    act: personSignsInAndOut(provider),
    env,
    clock,
    ...(options.deps ? { deps: options.deps } : {}),
  });
  return { ...app, clock, env, store: createKeychainTokenStore(keytar, app.config.keychainService) };
}

/** An app whose person has just signed in, with the session in the keychain. */
async function signedInApp(provider: RunningIdp, options: Parameters<typeof appOn>[1] = {}): Promise<App> {
  const app = appOn(provider, options);
  assert.equal((await app.service.restore()).status, 'signed-out');
  const state = await app.service.login();
  assert.equal(state.status, 'signed-in', JSON.stringify(state));
  await app.opener.settled();
  return app;
}

async function saved(store: TokenStore): Promise<StoredSession> {
  const result = await store.load();
  assert.equal(result.kind, 'found', `keychain: ${result.kind}`);
  return (result as { session: StoredSession }).session;
}

/** Asserts `promise` rejects with an AuthError of `code` whose message matches `message`. */
async function rejectsWith(promise: Promise<unknown>, code: AuthErrorCode, message: RegExp): Promise<AuthError> {
  let caught: unknown;
  await assert.rejects(promise, (error) => {
    caught = error;
    return true;
  });
  assert.ok(caught instanceof AuthError, `not an AuthError: ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.match(caught.message, message);
  return caught;
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function assertNeverSignedOut(states: readonly AuthState[], from = 0): void {
  const after = states.slice(from);
  assert.ok(
    after.every((state) => state.status === 'signed-in'),
    `expected only signed-in states, got ${JSON.stringify(after)}`,
  );
}

/** A fetch that counts requests to the provider (not the API), including ones that never reach it. */
function countingFetch(): { fetch: typeof fetch; readonly providerRequests: () => number } {
  let count = 0;
  return {
    fetch: (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (!new URL(url).pathname.startsWith('/api/')) count += 1;
      return fetch(input, init);
    },
    providerRequests: () => count,
  };
}

describe('session faults (real provider, browser and keychain)', () => {
  before(async () => {
    if (skip) return;
    ({ idp, browser, keychain, keytar } = await startStoryServices());
  });
  after(() => stopStoryServices({ idp, browser, keychain }));
  // Open tabs from earlier tests only slow the browser down.
  afterEach(() => Promise.all(browser.browser.contexts().map((context) => context.close())));

  test(
    'provider down during a refresh: session and refresh token kept, quick retries, background retries, back',
    { skip },
    async () => {
      // One grant store across the restart: the provider comes back with the same refresh tokens.
      const store = new MemoryStore();
      const keys = [await generateSigningKey()];
      let provider = await startIdp({ store, keys });
      const counter = countingFetch();
      const app = await signedInApp(provider, { deps: { network: { fetch: counter.fetch } } });
      try {
        const before = await saved(app.store);
        const statesBefore = app.states.length;
        app.clock.advance(LATER);
        await provider.close();

        const started = Date.now();
        const attempts = counter.providerRequests();
        const error = await rejectsWith(app.service.getAccessToken(), 'provider_unreachable', /could not be reached/);
        assert.match(error.message, /internet connection/);
        assert.ok(counter.providerRequests() - attempts >= 3, 'the caller retried quickly before giving up');
        assert.ok(Date.now() - started >= 1_200, 'with short pauses between attempts');
        assert.ok(Date.now() - started < 5_000, 'and gave up quickly');
        assert.equal(app.service.getState().status, 'signed-in');
        assertNeverSignedOut(app.states, statesBefore);
        assert.deepEqual(await saved(app.store), before, 'the refresh token in the keychain is unchanged');

        // Nobody asks for a token now; the background keeps trying on its own.
        const afterForeground = counter.providerRequests();
        await until('background retries', () => counter.providerRequests() >= afterForeground + 3, 4_000);
        assert.match(app.logs.text(), /background refresh failed \(provider_unreachable\)/);
        assert.equal(app.service.getState().status, 'signed-in');

        provider = await startIdp({ port: provider.port, store, keys });
        const token = await app.service.getAccessToken();
        assert.notEqual(token, before.tokens.accessToken);
        const renewed = await saved(app.store);
        assert.equal(renewed.tokens.accessToken, token);
        assert.notEqual(renewed.tokens.refreshToken, before.tokens.refreshToken, 'the rotated token was saved');
        assert.deepEqual(app.service.getState(), {
          status: 'signed-in',
          profile: renewed.profile,
          persistence: 'keychain',
        });
        assert.equal((await app.service.callApi('private')).status, 200);
      } finally {
        await app.service.dispose();
        await provider.close();
      }
    },
  );

  test('token endpoint answers 500: provider_unreachable, session kept, works once it recovers', { skip }, async () => {
    const app = await signedInApp(idp);
    try {
      const before = await saved(app.store);
      const statesBefore = app.states.length;
      idp.faults.set('/oauth/token', { status: 500 });
      app.clock.advance(LATER);
      const requests = idp.countRequests('/oauth/token');
      await rejectsWith(app.service.getAccessToken(), 'provider_unreachable', /had a problem \(HTTP 500\)/);
      assert.ok(idp.countRequests('/oauth/token') - requests >= 3);
      assertNeverSignedOut(app.states, statesBefore);
      assert.deepEqual(await saved(app.store), before);

      idp.faults.set('/oauth/token', null);
      const token = await app.service.getAccessToken();
      assert.notEqual(token, before.tokens.accessToken);
      assert.equal((await saved(app.store)).tokens.accessToken, token);
    } finally {
      idp.faults.clear();
      await app.service.dispose();
    }
  });

  test(
    'provider answers 503 to discovery after a restart: provider_unreachable, not a configuration error',
    { skip },
    async () => {
      const first = await signedInApp(idp);
      await first.service.dispose();
      // The next start has no discovery document cached yet, and the provider is having an outage.
      const second = appOn(idp, { env: first.env, clock: first.clock });
      try {
        assert.equal((await second.service.restore()).status, 'signed-in');
        idp.faults.set('/.well-known/openid-configuration', { status: 503 });
        second.clock.advance(LATER);
        await rejectsWith(second.service.getAccessToken(), 'provider_unreachable', /had a problem \(HTTP 503\)/);
        assert.equal(second.service.getState().status, 'signed-in');
        idp.faults.clear();
        assert.ok((await second.service.getAccessToken()).length > 0);
      } finally {
        idp.faults.clear();
        await second.service.dispose();
      }
    },
  );

  test('token endpoint too slow (1 s timeout): provider_unreachable, session kept', { skip }, async () => {
    const app = await signedInApp(idp, { deps: { network: { timeoutSeconds: 1 } } });
    try {
      const before = await saved(app.store);
      const statesBefore = app.states.length;
      idp.faults.set('/oauth/token', { delayMs: 3_000 });
      app.clock.advance(LATER);
      const started = Date.now();
      await rejectsWith(app.service.getAccessToken(), 'provider_unreachable', /could not be reached/);
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 3_000 && elapsed < 9_000, `three 1 s attempts, not 3 s each (${elapsed} ms)`);
      assertNeverSignedOut(app.states, statesBefore);
      assert.deepEqual(await saved(app.store), before);

      idp.faults.set('/oauth/token', null);
      const token = await app.service.getAccessToken();
      assert.equal((await saved(app.store)).tokens.accessToken, token);
      assert.equal(app.service.getState().status, 'signed-in');
    } finally {
      idp.faults.clear();
      await app.service.dispose();
    }
  });

  test('signing keys rotated: refresh and sign-in keep working in the running app', { skip }, async () => {
    // One grant store across provider restarts, so only the keys change.
    const store = new MemoryStore();
    const oldKey = await generateSigningKey();
    let provider = await startIdp({ store, keys: [oldKey] });
    const app = await signedInApp(provider);
    let undoClockShift: (() => void) | undefined;
    try {
      const kidOf = (jwt: string | undefined): unknown => decodeProtectedHeader(jwt ?? '').kid;
      assert.equal(kidOf((await saved(app.store)).tokens.idToken), oldKey.kid);

      // Seconds after sign-in (the app's JWKS copy is fresh) a new key starts signing; the old one stays published.
      const newKey = await generateSigningKey();
      await provider.close();
      provider = await startIdp({ port: provider.port, store, keys: [newKey, oldKey] });
      app.clock.advance(LATER);
      const token = await app.service.getAccessToken();
      const renewed = await saved(app.store);
      assert.equal(renewed.tokens.accessToken, token);
      assert.equal(kidOf(renewed.tokens.idToken), newKey.kid, 'the refreshed ID token is signed with the new key');
      assert.deepEqual(app.service.getState(), {
        status: 'signed-in',
        profile: renewed.profile,
        persistence: 'keychain',
      });
      assert.equal((await app.service.callApi('private')).status, 200);

      // More than a minute later (the whole process's clock moves: openid-client refetches the
      // JWKS on an unknown kid only once its copy is 60 s old), the keys rotate again.
      undoClockShift = shiftProcessClock(61_000);
      const newestKey = await generateSigningKey();
      await provider.close();
      provider = await startIdp({ port: provider.port, store, keys: [newestKey, newKey] });
      app.clock.advance(LATER);
      await app.service.getAccessToken();
      assert.equal(kidOf((await saved(app.store)).tokens.idToken), newestKey.kid);

      // A new sign-in in the same running app verifies an ID token signed with the newest key.
      const again = await app.service.login();
      assert.equal(again.status, 'signed-in', JSON.stringify(again));
      assert.equal(kidOf((await saved(app.store)).tokens.idToken), newestKey.kid);
      assert.equal((await app.service.callApi('private')).status, 200);
    } finally {
      undoClockShift?.();
      await app.service.dispose();
      await provider.close();
    }
  });

  for (const skew of [180, -180]) {
    test(
      `provider clock ${skew > 0 ? 'ahead' : 'behind'} by 3 minutes: sign-in and refresh still work`,
      { skip },
      async () => {
        idp.faults.clockSkewSeconds(skew);
        let app: App | undefined;
        try {
          const issuedAt = (session: StoredSession): number => decodeJwt(session.tokens.idToken ?? '').iat ?? 0;
          app = await signedInApp(idp);
          const first = await saved(app.store);
          assert.ok(
            Math.abs(issuedAt(first) - (Date.now() / 1000 + skew)) < 30,
            'the ID token carries the skewed clock',
          );
          // RS256 signatures are deterministic: wait for the next second, so the refreshed ID token differs.
          await until('the next second', () => Math.floor(Date.now() / 1000) + skew > issuedAt(first));
          app.clock.advance(LATER);
          const token = await app.service.getAccessToken();
          const renewed = await saved(app.store);
          assert.equal(renewed.tokens.accessToken, token);
          assert.notEqual(renewed.tokens.idToken, first.tokens.idToken);
          assert.ok(Math.abs(issuedAt(renewed) - (Date.now() / 1000 + skew)) < 30);
          assert.equal(app.service.getState().status, 'signed-in');
        } finally {
          idp.faults.clear();
          await app?.service.dispose();
        }
      },
    );
  }

  test(
    'refresh token revoked at the provider: signed out with session_expired, keychain emptied',
    { skip },
    async () => {
      const app = await signedInApp(idp);
      try {
        await idp.revokeAllGrants();
        app.clock.advance(LATER);
        await rejectsWith(app.service.getAccessToken(), 'session_expired', /sign in again/i);
        const state = app.service.getState();
        assert.equal(state.status, 'signed-out');
        assert.equal(state.status === 'signed-out' && state.reason?.code, 'session_expired');
        assert.match(
          (state.status === 'signed-out' && state.reason?.message) || '',
          /session has ended.*sign in again/i,
        );
        assert.deepEqual(await keytar.findCredentials(app.config.keychainService), []);

        // It does not keep knocking with a dead token.
        const requests = idp.countRequests('/oauth/token');
        await new Promise((resolve) => setTimeout(resolve, 400));
        assert.equal(idp.countRequests('/oauth/token'), requests);
        await rejectsWith(app.service.getAccessToken(), 'not_signed_in', /sign in/i);
        const next = appOn(idp, { env: app.env });
        assert.equal((await next.service.restore()).status, 'signed-out');
      } finally {
        await app.service.dispose();
      }
    },
  );

  test(
    'corrupt keychain entry at start-up: signed out with a reason, entries deleted, no crash',
    { skip },
    async () => {
      const corruptions: ReadonlyArray<readonly [string, (service: string) => Promise<void>]> = [
        ['not JSON', (service) => keytar.setPassword(service, 'session.v1', '{"v":1,')],
        [
          'a changed chunk',
          async (service) => {
            // Saved in chunks, as where the session does not fit in one keychain entry.
            await createKeychainTokenStore(keytar, service, { entryLimitBytes: 0 }).save({
              tokens: { accessToken: 'at-planted', refreshToken: 'rt-planted', expiresAt: Date.now() + 600_000 },
              profile: { sub: 'auth0|planted' },
            });
            const chunk = (await keytar.findCredentials(service)).find((entry) => entry.account !== 'session.v1');
            assert.ok(chunk);
            await keytar.setPassword(service, chunk.account, `${chunk.password.slice(0, -4)}AAAA`);
          },
        ],
        [
          'a changed inline session',
          async (service) => {
            await createKeychainTokenStore(keytar, service).save({
              tokens: { accessToken: 'at-planted', refreshToken: 'rt-planted', expiresAt: Date.now() + 600_000 },
              profile: { sub: 'auth0|planted' },
            });
            const index = JSON.parse((await keytar.getPassword(service, 'session.v1')) ?? '{}') as { inline?: string };
            assert.ok(index.inline);
            await keytar.setPassword(
              service,
              'session.v1',
              JSON.stringify({ ...index, inline: `${index.inline.slice(0, -4)}AAAA` }),
            );
          },
        ],
      ];
      for (const [name, corrupt] of corruptions) {
        const app = appOn(idp);
        await corrupt(app.config.keychainService);
        const requests = idp.requestLog.length;
        const state = await app.service.restore();
        assert.equal(state.status, 'signed-out', name);
        assert.equal(state.status === 'signed-out' && state.reason?.code, 'keychain_unavailable', name);
        assert.match((state.status === 'signed-out' && state.reason?.message) || '', /removed.*sign in again/i);
        assert.deepEqual(await keytar.findCredentials(app.config.keychainService), [], `${name}: entries deleted`);
        const sent = requestsBeyondDiscovery(idp, requests);
        assert.deepEqual(sent, [], 'nothing sent to the provider');
        await rejectsWith(app.service.getAccessToken(), 'not_signed_in', /sign in/i);
        assert.match(app.logs.text(), /discarded/);
        await app.service.dispose();
      }
    },
  );

  test('50 callers during one refresh: exactly one token request, all get the same new token', { skip }, async () => {
    const app = await signedInApp(idp);
    try {
      const before = await saved(app.store);
      app.clock.advance(LATER);
      idp.faults.set('/oauth/token', { delayMs: 300, times: 1 });
      const requests = idp.countRequests('/oauth/token');
      const early = Array.from({ length: 25 }, () => app.service.getAccessToken());
      await until('the refresh to reach the provider', () => idp.countRequests('/oauth/token') > requests);
      const late = Array.from({ length: 25 }, () => app.service.getAccessToken());
      const tokens = await Promise.all([...early, ...late]);
      assert.equal(idp.countRequests('/oauth/token') - requests, 1);
      assert.equal(new Set(tokens).size, 1);
      assert.notEqual(tokens[0], before.tokens.accessToken);
      assert.equal((await saved(app.store)).tokens.accessToken, tokens[0]);
    } finally {
      idp.faults.clear();
      await app.service.dispose();
    }
  });

  test(
    'quit during a refresh: dispose waits for the rotated token to reach the keychain; the next start renews',
    { skip },
    async () => {
      const first = await signedInApp(idp);
      const before = await saved(first.store);
      first.clock.advance(LATER);
      idp.faults.set('/oauth/token', { delayMs: 1_500, times: 1 });
      const requests = idp.countRequests('/oauth/token');
      const pending = first.service.getAccessToken();
      await until('the refresh to reach the provider', () => idp.countRequests('/oauth/token') > requests);
      const quitAt = Date.now();
      await first.service.dispose();
      assert.ok(Date.now() - quitAt >= 1_000, 'dispose waited for the refresh');
      const landed = await saved(first.store);
      assert.notEqual(landed.tokens.refreshToken, before.tokens.refreshToken, 'the rotated refresh token was saved');
      assert.equal(landed.tokens.accessToken, await pending);

      // Replaying the old refresh token would revoke the whole grant (session_expired).
      const second = appOn(idp, { env: first.env, clock: first.clock });
      try {
        assert.equal((await second.service.restore()).status, 'signed-in');
        second.clock.advance(LATER);
        const token = await second.service.getAccessToken();
        assert.notEqual(token, landed.tokens.accessToken);
        assert.equal(second.service.getState().status, 'signed-in');
        assert.equal((await second.service.callApi('private')).status, 200);
      } finally {
        idp.faults.clear();
        await second.service.dispose();
      }
    },
  );

  test(
    'logout while the provider is down: signed out here, keychain emptied, no browser, and it says so',
    { skip },
    async () => {
      const provider = await startIdp();
      const first = await signedInApp(provider);
      // A second start that restored from the keychain, without ever loading discovery.
      const second = appOn(provider, { env: first.env, clock: first.clock });
      try {
        assert.equal((await second.service.restore()).status, 'signed-in');
        await provider.close();
        for (const app of [first, second]) {
          const opened = app.opener.urls.length;
          const state = await app.service.logout();
          assert.equal(state.status, 'signed-out');
          // The refresh token could not be revoked either: it waits for a retry, and the person is told.
          assert.equal(state.status === 'signed-out' && state.reason?.code, 'revocation_pending');
          const message = (state.status === 'signed-out' && state.reason?.message) || '';
          assert.match(message, /signed out of this app/);
          assert.match(message, /could not be reached.*browser may still be signed in/);
          assert.equal(app.opener.urls.length, opened, 'no browser was opened');
          assert.deepEqual(await keytar.findCredentials(app.config.keychainService), []);
          await rejectsWith(app.service.getAccessToken(), 'not_signed_in', /sign in/i);
        }
      } finally {
        await Promise.all([first.service.dispose(), second.service.dispose()]);
        await provider.close();
      }
    },
  );

  test(
    'logout without end_session_endpoint in discovery: Auth0 /v2/logout, back to the signed-out page',
    { skip },
    async () => {
      const provider = await startIdp({ endSessionInDiscovery: false });
      const app = await signedInApp(provider);
      try {
        const revocations = provider.countRequests('/oauth/revoke');
        const state = await app.service.logout();
        await app.opener.settled();
        assert.deepEqual(state, { status: 'signed-out', afterLogout: true });
        const url = app.opener.urls.at(-1);
        assert.ok(url);
        assert.equal(`${url.origin}${url.pathname}`, `${provider.origin}/v2/logout`);
        assert.equal(url.searchParams.get('client_id'), provider.clientId);
        const returnTo = url.searchParams.get('returnTo') ?? '';
        assert.match(returnTo, /^http:\/\/127\.0\.0\.1:\d+\/signed-out$/);
        assert.equal(url.searchParams.has('id_token_hint'), false, 'no ID token in a browser URL');
        const page = app.opener.pages.at(-1);
        assert.ok(page);
        assert.equal(new URL(page.url()).href, returnTo, "the browser landed on the app's page");
        assert.match(await page.title(), /^You are signed out – Desktop Login$/);
        assert.equal(provider.countRequests('/v2/logout'), 1);
        assert.equal(provider.countRequests('/oauth/revoke') - revocations, 1);
        assert.deepEqual(await keytar.findCredentials(app.config.keychainService), []);
      } finally {
        await app.service.dispose();
        await provider.close();
      }
    },
  );

  test('API answers 401: one refresh and one retry; other errors are api_error with the status', { skip }, async () => {
    const app = await signedInApp(idp);
    try {
      const counts = () => [idp.countRequests('/oauth/token'), idp.countRequests('/api/private')] as const;
      const before = await saved(app.store);
      let [tokens, calls] = counts();
      idp.faults.set('/api/private', { status: 401, times: 1 });
      assert.equal((await app.service.callApi('private')).status, 200);
      assert.deepEqual(counts(), [tokens + 1, calls + 2], 'one refresh, one retry');
      assert.notEqual((await saved(app.store)).tokens.accessToken, before.tokens.accessToken);

      // Still refused after renewing: reported, not retried in a loop.
      [tokens, calls] = counts();
      idp.faults.set('/api/private', { status: 401 });
      await rejectsWith(app.service.callApi('private'), 'api_error', /^The API answered 401/);
      assert.deepEqual(counts(), [tokens + 1, calls + 2]);

      for (const status of [403, 500, 503]) {
        [tokens, calls] = counts();
        idp.faults.set('/api/private', { status, body: { error: 'nope', error_description: 'Down for maintenance' } });
        // The status and an allow-listed error code, never the API's free text (DESIGN checklist 13).
        const error = await rejectsWith(
          app.service.callApi('private'),
          'api_error',
          new RegExp(`^The API answered ${status} \\(error code: nope\\)\\.$`),
        );
        assert.doesNotMatch(error.message, /maintenance/);
        assert.deepEqual(counts(), [tokens, calls + 1], `${status}: no refresh, no retry`);
      }
      // An API that echoes the request puts the bearer token in its error body: none of it is shown.
      const token = await app.service.getAccessToken();
      idp.faults.set('/api/private', { status: 400, body: { error: token, message: `Bearer ${token}` } });
      const echoed = await rejectsWith(app.service.callApi('private'), 'api_error', /^The API answered 400\.$/);
      assert.ok(!echoed.message.includes(token.slice(-20)));
      assert.equal(app.service.getState().status, 'signed-in');
    } finally {
      idp.faults.clear();
      await app.service.dispose();
    }
  });

  test(
    'keychain refuses writes during a refresh, then comes back: the newer token is kept, not the stale copy',
    { skip },
    async () => {
      const env = freshEnv();
      const real = createKeychainTokenStore(keytar, demoConfig(idp, env).keychainService);
      let locked = false;
      const refused = new AuthError('keychain_unavailable', 'The keychain is locked.');
      // A keychain that gets locked (or a prompt denied) reads and writes nothing until unlocked.
      const lockable: TokenStore = {
        load: () => (locked ? Promise.resolve({ kind: 'unavailable', error: refused }) : real.load()),
        save: (session) => (locked ? Promise.reject(refused) : real.save(session)),
        clear: () => (locked ? Promise.reject(refused) : real.clear()),
      };
      const app = await signedInApp(idp, { env, deps: { tokenStore: lockable } });
      try {
        const first = await saved(real);
        locked = true;
        app.clock.advance(LATER);
        await app.service.getAccessToken();
        assert.equal(persistenceOf(app.service.getState()), 'unavailable', 'the person is told it is not remembered');
        assert.deepEqual(await saved(real), first, 'the keychain still holds the old, now redeemed, refresh token');

        locked = false;
        app.clock.advance(LATER);
        const token = await app.service.getAccessToken();
        const renewed = await saved(real);
        assert.equal(renewed.tokens.accessToken, token);
        assert.equal(persistenceOf(app.service.getState()), 'keychain');
        const next = appOn(idp, { env, clock: app.clock });
        assert.equal((await next.service.restore()).status, 'signed-in');
        next.clock.advance(LATER);
        assert.ok((await next.service.getAccessToken()).length > 0);
        await next.service.dispose();
      } finally {
        await app.service.dispose();
      }
    },
  );

  // Last: libsecret remembers the stopped daemon for the rest of this process.
  test(
    'keychain not running at start-up: signed out for this run, entries left alone, sign-in works in memory',
    { skip: noStop },
    async () => {
      const first = await signedInApp(idp);
      await first.service.dispose();
      const service = first.config.keychainService;
      const entriesBefore = sortedEntries(await keytar.findCredentials(service));
      assert.ok(entriesBefore.length >= 1);
      await keychain.stopDaemon();
      const second = appOn(idp, { env: first.env, clock: first.clock });
      try {
        const requests = idp.requestLog.length;
        const restored = await second.service.restore();
        assert.equal(restored.status, 'signed-out');
        assert.equal(restored.status === 'signed-out' && restored.reason?.code, 'keychain_unavailable');
        assert.match(
          (restored.status === 'signed-out' && restored.reason?.message) || '',
          /keychain is locked or unavailable.*sign in for this run only/,
        );
        const sent = requestsBeyondDiscovery(idp, requests);
        assert.deepEqual(sent, [], 'nothing sent to the provider');

        const signedIn = await second.service.login();
        assert.equal(signedIn.status, 'signed-in', JSON.stringify(signedIn));
        assert.equal(signedIn.status === 'signed-in' && signedIn.persistence, 'unavailable');
        assert.equal((await second.service.callApi('private')).status, 200);
        const token = await second.service.getAccessToken();
        second.clock.advance(LATER);
        assert.notEqual(await second.service.getAccessToken(), token, 'refreshes work in memory');
        assert.equal(second.service.getState().status, 'signed-in');
      } finally {
        await second.service.dispose();
        await keychain.startDaemon();
      }
      // What the next app start would see, from a new process.
      const { stdout } = await run(process.execPath, [
        '-e',
        `require('keytar').findCredentials(${JSON.stringify(service)}).then((entries) => console.log(JSON.stringify(entries)))`,
      ]);
      assert.deepEqual(
        sortedEntries(JSON.parse(stdout) as Entry[]),
        entriesBefore,
        'the saved session survived untouched',
      );
    },
  );
});

type Entry = { account: string; password: string };

/** The persistence of a signed-in state, or the status when not signed in. */
function persistenceOf(state: AuthState): string {
  return state.status === 'signed-in' ? state.persistence : state.status;
}

function sortedEntries(entries: readonly Entry[]): Entry[] {
  return [...entries].sort((left, right) => left.account.localeCompare(right.account));
}

/** Moves the whole process's clock (provider, openid-client and app alike); returns the undo. */
function shiftProcessClock(ms: number): () => void {
  const realNow = Date.now.bind(Date);
  Date.now = () => realNow() + ms;
  return () => {
    Date.now = realNow;
  };
}
