import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeJwt } from 'jose';
import { AuthError } from '../../src/main/auth/auth-error.js';
import type { AuthEnv } from '../../src/main/auth/config/config.js';
import type { SecretStore } from '../../src/main/auth/session/secret-store.js';
import {
  createKeychainTokenStore,
  type StoredSession,
  type TokenStore,
} from '../../src/main/auth/session/token-store.js';
import type { AuthErrorCode, AuthState } from '../../src/shared/auth-state.js';
import type { Fault, RunningIdp } from '../../tools/idp/start-idp.js';
import { startApp, testClock, type TestClock, personSignsInAndOut } from '../support/app-harness.js';
import { keychainUnavailableReason, type TestKeychain } from '../support/keychain.js';
import { startStoryServices, stopStoryServices } from '../support/story-services.js';
import { browserUnavailableReason, type SystemBrowser } from '../support/system-browser.js';

const skip = (await keychainUnavailableReason()) ?? browserUnavailableReason();
if (skip) process.stdout.write(`# skipping refresh outcome tests: ${skip}\n`);

/** Far past the provider's 600 s access token lifetime, so the next use must refresh. */
const LATER = 3_600_000;

let idp: RunningIdp;
let browser: SystemBrowser;
let keychain: TestKeychain;
let keytar: SecretStore;
let services = 0;

type Entry = { account: string; password: string };
type App = ReturnType<typeof startApp> & {
  clock: TestClock;
  store: TokenStore;
  /** Every form field the app sent to the token endpoint, and every token it answered with. */
  wire: string[];
  /** Token requests the app tried to send, including ones `fault` stopped. */
  attempts: { token: number };
};

/** A fetch that records what crosses the wire to the token endpoint, both ways, and can throw `fault()` instead. */
function recordingFetch(wire: string[], attempts: { token: number }, fault: () => Error | undefined): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.pathname === '/oauth/token') {
      attempts.token += 1;
      const thrown = fault();
      if (thrown) throw thrown;
    }
    const sent = init?.body;
    if (typeof sent === 'string' || sent instanceof URLSearchParams) {
      for (const name of ['code', 'code_verifier', 'refresh_token']) {
        const value = new URLSearchParams(sent).get(name);
        if (value) wire.push(value);
      }
    }
    const response = await fetch(input, init);
    if (url.pathname === '/oauth/token' && response.ok) {
      const body = (await response.clone().json()) as Record<string, unknown>;
      for (const name of ['access_token', 'refresh_token', 'id_token']) {
        const value = body[name];
        if (typeof value === 'string') wire.push(value);
      }
    }
    return response;
  };
}

/** An app whose person has just signed in, with the session in the real keychain. */
async function signedInApp(fault: () => Error | undefined = () => undefined): Promise<App> {
  services += 1;
  const env: AuthEnv = { KEYCHAIN_SERVICE: keychain.serviceName(`refresh-outcomes-${services}`) };
  const clock = testClock();
  const wire: string[] = [];
  const attempts = { token: 0 };
  const app = startApp({
    idp,
    browser,
    keytar,
    act: personSignsInAndOut(idp),
    env,
    clock,
    deps: { network: { fetch: recordingFetch(wire, attempts, fault) } },
  });
  assert.equal((await app.service.restore()).status, 'signed-out');
  const state = await app.service.login();
  assert.equal(state.status, 'signed-in', JSON.stringify(state));
  await app.opener.settled();
  return { ...app, clock, wire, attempts, store: createKeychainTokenStore(keytar, app.config.keychainService) };
}

async function saved(store: TokenStore): Promise<StoredSession> {
  const result = await store.load();
  assert.equal(result.kind, 'found', `keychain: ${result.kind}`);
  return (result as { session: StoredSession }).session;
}

async function entries(app: App): Promise<Entry[]> {
  const found = await keytar.findCredentials(app.config.keychainService);
  return [...found].sort((left, right) => left.account.localeCompare(right.account));
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

function assertNeverSignedOut(states: readonly AuthState[], from: number): void {
  const later = states.slice(from);
  assert.ok(
    later.every((state) => state.status === 'signed-in'),
    `expected only signed-in states, got ${JSON.stringify(later)}`,
  );
}

/** Asserts none of `secrets` (or a 16-character piece of one) is in `text`. */
function assertNoSecret(text: string, secrets: readonly string[], where: string): void {
  for (const secret of secrets) {
    for (let start = 0; start + 16 <= secret.length; start += 8) {
      assert.ok(!text.includes(secret.slice(start, start + 16)), `${where} carries a secret`);
    }
  }
}

describe('refresh outcomes tell the truth (real provider, browser and keychain)', () => {
  before(async () => {
    if (skip) return;
    ({ idp, browser, keychain, keytar } = await startStoryServices());
  });
  after(() => stopStoryServices({ idp, browser, keychain }));
  afterEach(() => {
    idp?.faults.clear();
    return Promise.all(browser?.browser.contexts().map((context) => context.close()) ?? []);
  });

  test(
    'a token endpoint that echoes the refresh token: no secret in the error, state or log; the session is kept',
    { skip },
    async () => {
      const app = await signedInApp();
      try {
        const before = await entries(app);
        const statesBefore = app.states.length;
        const echoes: ReadonlyArray<readonly [string, Fault]> = [
          ['error', { status: 400, echo: true, body: { error: '{refresh_token}', error_description: 'bad {form}' } }],
          ['error with a prefix', { status: 400, echo: true, body: { error: 'invalid_grant {refresh_token}' } }],
          [
            'WWW-Authenticate',
            {
              status: 401,
              echo: true,
              body: null,
              headers: { 'WWW-Authenticate': 'Bearer error="{refresh_token}", error_description="{form}"' },
            },
          ],
          ['a 200 without access_token', { status: 200, echo: true, body: { token_type: 'Bearer', scope: '{form}' } }],
        ];
        for (const [name, fault] of echoes) {
          idp.faults.set('/oauth/token', fault);
          app.clock.advance(LATER);
          const error = await rejectsWith(app.service.getAccessToken(), errorCodeFor(fault), /./);
          assertNoSecret(JSON.stringify(error.toInfo()), app.wire, `${name}: the error`);
          assert.doesNotMatch(error.message, /internet connection/, `${name}: not an outage`);
        }
        assertNoSecret(JSON.stringify(app.states), app.wire, 'state events');
        assertNoSecret(app.logs.text(), app.wire, 'log lines');
        assert.match(app.logs.text(), /description="bad \[removed\]"/, 'the description is logged, scrubbed');
        assertNeverSignedOut(app.states, statesBefore);
        assert.deepEqual(await entries(app), before, 'the keychain is untouched');

        idp.faults.clear();
        assert.ok((await app.service.getAccessToken()).length > 0, 'renewal works once the endpoint behaves');
      } finally {
        await app.service.dispose();
      }
    },
  );

  test(
    'refresh refused as a client problem (401 with WWW-Authenticate, invalid_client, unauthorized_client): provider_error naming the Auth0 settings; session and keychain kept',
    { skip },
    async () => {
      const app = await signedInApp();
      try {
        const before = await entries(app);
        const statesBefore = app.states.length;
        const refusals: readonly Fault[] = [
          { status: 401, body: null, headers: { 'WWW-Authenticate': 'Bearer error="invalid_client"' } },
          { status: 400, body: { error: 'invalid_client', error_description: 'Client authentication failed' } },
          {
            status: 403,
            body: {
              error: 'unauthorized_client',
              error_description: "Grant type 'refresh_token' not allowed for the client.",
            },
          },
        ];
        for (const fault of refusals) {
          idp.faults.set('/oauth/token', fault);
          app.clock.advance(LATER);
          const requests = idp.countRequests('/oauth/token');
          const error = await rejectsWith(
            app.service.getAccessToken(),
            'provider_error',
            /Application Type to Native, Token Endpoint Authentication Method to None, .*Grant Types > .*Refresh Token\. You are still signed in/,
          );
          assert.equal(idp.countRequests('/oauth/token') - requests, 1, 'a refusal is not retried like an outage');
          assert.doesNotMatch(error.message, /Client authentication failed|not allowed for the client/);
          assert.equal(app.service.getState().status, 'signed-in');
        }
        assertNeverSignedOut(app.states, statesBefore);
        assert.deepEqual(await entries(app), before, 'every keychain entry is kept');

        idp.faults.clear();
        assert.ok((await app.service.getAccessToken()).length > 0);
        assert.equal(app.service.getState().status, 'signed-in');
      } finally {
        await app.service.dispose();
      }
    },
  );

  test(
    'a 200 without access_token is retried like an outage and said to be malformed; not signed out',
    { skip },
    async () => {
      const app = await signedInApp();
      try {
        const before = await entries(app);
        const statesBefore = app.states.length;
        idp.faults.set('/oauth/token', { status: 200, body: { token_type: 'Bearer', expires_in: 600 } });
        app.clock.advance(LATER);
        const requests = idp.countRequests('/oauth/token');
        await rejectsWith(
          app.service.getAccessToken(),
          'provider_unreachable',
          /answer to the session renewal was malformed.*You are still signed in/,
        );
        assert.ok(idp.countRequests('/oauth/token') - requests >= 3, 'the caller retried, as for an outage');
        assertNeverSignedOut(app.states, statesBefore);
        assert.deepEqual(await entries(app), before);

        idp.faults.clear();
        const token = await app.service.getAccessToken();
        assert.equal((await saved(app.store)).tokens.accessToken, token);
        assert.equal(app.service.getState().status, 'signed-in');
      } finally {
        await app.service.dispose();
      }
    },
  );

  test(
    'a TypeError that is no network failure (a fault in the app) is unexpected: not an outage, not retried on a timer, session kept',
    { skip },
    async () => {
      let fault: Error | undefined;
      const app = await signedInApp(() => fault);
      try {
        const before = await entries(app);
        const statesBefore = app.states.length;
        fault = new TypeError("Cannot read properties of undefined (reading 'headers')");
        app.clock.advance(LATER);
        const attempted = app.attempts.token;
        const error = await rejectsWith(app.service.getAccessToken(), 'unexpected', /unexpected/);
        assert.doesNotMatch(error.message, /internet|could not be reached/);
        assert.equal(app.attempts.token - attempted, 1, 'the caller did not retry it as an outage');
        // Test retry delays are 50–200 ms: an outage would have been retried many times by now.
        await new Promise((resolve) => setTimeout(resolve, 2_500));
        assert.ok(app.attempts.token - attempted <= 2, `no retry loop (${app.attempts.token - attempted} attempts)`);
        assert.match(app.logs.text(), /the session could not be renewed \(unexpected\): TypeError$/m);
        assertNeverSignedOut(app.states, statesBefore);
        assert.deepEqual(await entries(app), before);

        fault = undefined;
        assert.ok((await app.service.getAccessToken()).length > 0, 'the next use renews the session');
        assert.equal(app.service.getState().status, 'signed-in');
      } finally {
        await app.service.dispose();
      }
    },
  );

  /** The sign-in's ID token carries auth_time T (like an Auth0 tenant that sends it), and the refreshed one T − 1 h. */
  const AUTH_TIME = Math.floor(Date.now() / 1000) - 600;
  const changes: ReadonlyArray<{ claim: string; beforeSignIn?: () => void; change: () => void }> = [
    { claim: 'sub', change: () => idp.faults.idToken('other-sub') },
    { claim: 'nonce', change: () => idp.faults.idToken('wrong-nonce') },
    {
      claim: 'auth_time',
      beforeSignIn: () => idp.faults.authTime(AUTH_TIME),
      change: () => idp.faults.authTime(AUTH_TIME - 3600),
    },
  ];
  for (const { claim, beforeSignIn, change } of changes) {
    test(
      `a refreshed ID token, validly signed, with another ${claim}: signed out as another account, nothing of it stored (OIDC Core §12.2)`,
      { skip },
      async () => {
        beforeSignIn?.();
        const app = await signedInApp();
        try {
          const original = await saved(app.store);
          const claims = decodeJwt(original.tokens.idToken ?? '');
          assert.ok(claims[claim] !== undefined, `the sign-in ID token has ${claim}`);
          // The same claims again renew the session: the check is not stricter than §12.2.
          app.clock.advance(LATER);
          assert.ok((await app.service.getAccessToken()).length > 0);
          assert.equal(app.service.getState().status, 'signed-in');

          const onWire = app.wire.length;
          const live = idp.liveRefreshTokens();
          change();
          app.clock.advance(LATER);
          await rejectsWith(app.service.getAccessToken(), 'session_expired', /for a different account.*sign in again/i);
          // The answer rotated the refresh token; the one it brought is revoked, not left valid with nobody holding it.
          for (let waited = 0; idp.liveRefreshTokens() >= live && waited < 5_000; waited += 50) await sleep(50);
          assert.ok(idp.liveRefreshTokens() < live, "the refused answer's refresh token is revoked");
          const answered = app.wire.slice(onWire);
          assert.ok(answered.length >= 3, 'the provider did answer with new tokens');

          const state = app.service.getState();
          assert.equal(state.status, 'signed-out');
          assert.equal(state.status === 'signed-out' && state.reason?.code, 'session_expired');
          assert.match((state.status === 'signed-out' && state.reason?.message) || '', /different account/);
          assert.deepEqual(await entries(app), [], 'the keychain holds nothing, of the old session or the new answer');
          assert.ok(
            app.states.every((seen) => seen.status !== 'signed-in' || seen.profile.sub === original.profile.sub),
            'the other account was never shown',
          );
          assertNoSecret(JSON.stringify(app.states), answered, 'state events');
          await rejectsWith(app.service.getAccessToken(), 'not_signed_in', /sign in/i);
          assert.match(app.logs.text(), new RegExp(`changed ${claim} \\(OIDC Core §12\\.2\\)`));
        } finally {
          await app.service.dispose();
        }
      },
    );
  }
});

function errorCodeFor(fault: Fault): AuthErrorCode {
  if (fault.status === 200) return 'provider_unreachable';
  return fault.status === 401 ? 'provider_error' : 'token_exchange_failed';
}
