import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { AuthError } from '../../src/main/auth/auth-error.js';
import type { AuthEnv } from '../../src/main/auth/config/config.js';
import type { SecretStore } from '../../src/main/auth/session/secret-store.js';
import {
  createKeychainTokenStore,
  type StoredSession,
  type TokenStore,
} from '../../src/main/auth/session/token-store.js';
import { startIdp, type RunningIdp } from '../../tools/idp/start-idp.js';
import { demoConfig, startApp, testClock, waitForState, type TestClock } from '../support/app-harness.js';
import { keychainUnavailableReason, startKeychain, type TestKeychain } from '../support/keychain.js';
import { browserUnavailableReason, launchSystemBrowser, type SystemBrowser } from '../support/system-browser.js';

const skip = (await keychainUnavailableReason()) ?? browserUnavailableReason();
if (skip) process.stdout.write(`# skipping short-lived token tests: ${skip}\n`);

/** Shorter than the default refresh margin (60 s), so a fixed margin would call every token stale at once. */
const TEN_SECONDS = 10;
const THIRTY_SECONDS = 30;

let withRefresh: RunningIdp;
let withoutRefresh: RunningIdp;
let browser: SystemBrowser;
let keychain: TestKeychain;
let keytar: SecretStore;
let services = 0;

/** The keychain store the app uses, counting every session it writes and when. */
function countingStore(store: TokenStore): TokenStore & { readonly savedAt: number[] } {
  const savedAt: number[] = [];
  return {
    savedAt,
    load: () => store.load(),
    clear: () => store.clear(),
    async save(session) {
      await store.save(session);
      savedAt.push(Date.now());
    },
  };
}

/** One app start on `provider` with the real keychain, its saves counted. */
function appOn(provider: RunningIdp, env: AuthEnv, clock: TestClock) {
  const store = countingStore(createKeychainTokenStore(keytar, demoConfig(provider, env).keychainService));
  const app = startApp({ idp: provider, browser, keytar, env, clock, deps: { tokenStore: store } });
  return { ...app, store };
}

function freshEnv(): AuthEnv {
  services += 1;
  return { KEYCHAIN_SERVICE: keychain.serviceName(`short-lived-${services}`) };
}

async function signedIn(app: ReturnType<typeof appOn>): Promise<void> {
  assert.equal((await app.service.restore()).status, 'signed-out');
  const state = await app.service.login();
  assert.equal(state.status, 'signed-in', JSON.stringify(state));
  await app.opener.settled();
}

async function saved(app: ReturnType<typeof appOn>): Promise<StoredSession> {
  const result = await createKeychainTokenStore(keytar, app.config.keychainService).load();
  assert.equal(result.kind, 'found', `keychain: ${result.kind}`);
  return (result as { session: StoredSession }).session;
}

describe('access tokens that live no longer than the refresh margin', () => {
  before(async () => {
    if (skip) return;
    keychain = await startKeychain();
    keytar = keychain.keytar;
    [withRefresh, withoutRefresh, browser] = await Promise.all([
      startIdp({ accessTokenTtlSeconds: TEN_SECONDS }),
      // Like an Auth0 application with the Refresh Token grant switched off: no refresh token, ever.
      startIdp({ accessTokenTtlSeconds: THIRTY_SECONDS, grantTypes: ['authorization_code'] }),
      launchSystemBrowser(),
    ]);
  });
  after(async () => {
    await Promise.all([withRefresh?.close(), withoutRefresh?.close(), browser?.close()]);
    await keychain?.close();
  });

  test(
    '10 s tokens with a refresh token: an idle app renews about every 5 s, no more, and the API works throughout',
    { skip },
    async () => {
      const app = appOn(withRefresh, freshEnv(), testClock());
      await signedIn(app);
      assert.ok((await saved(app)).tokens.refreshToken, 'the provider issued a refresh token');
      const tokenRequests = withRefresh.countRequests('/oauth/token');
      const saves = app.store.savedAt.length;

      // About 12 s of real time: with half the lifetime as the margin, refreshes land near 5 s and 10 s.
      for (let call = 0; call < 6; call += 1) {
        await sleep(2_000);
        const api = await app.service.callApi('private');
        assert.equal(api.status, 200, `API call ${call + 1}`);
        assert.equal(app.service.getState().status, 'signed-in');
      }

      const refreshes = withRefresh.countRequests('/oauth/token') - tokenRequests;
      const rewrites = app.store.savedAt.slice(saves);
      assert.ok(refreshes >= 1, 'the token was renewed before it expired');
      assert.ok(refreshes <= 3, `at most 3 token requests in 12 s, not a loop (saw ${refreshes})`);
      assert.ok(rewrites.length <= refreshes, `the keychain was rewritten only for a renewal (${rewrites.length})`);
      // A lower bound only: a slow machine makes the gaps longer, never shorter.
      const sinceSignIn = [app.store.savedAt[saves - 1] ?? 0, ...rewrites];
      for (let index = 1; index < sinceSignIn.length; index += 1) {
        const gap = (sinceSignIn[index] ?? 0) - (sinceSignIn[index - 1] ?? 0);
        assert.ok(gap >= 4_000, `keychain writes ${gap} ms apart; half the 10 s lifetime is 5 s`);
      }
      assert.ok((await saved(app)).tokens.expiresAt > Date.now(), 'the keychain holds a live token');
      await app.service.dispose();
    },
  );

  test(
    'a keychain entry saved before token lifetimes were kept: renewed once, then on the lifetime’s schedule',
    { skip },
    async () => {
      const env = freshEnv();
      const clock = testClock();
      const first = appOn(withRefresh, env, clock);
      await signedIn(first);
      await first.service.dispose();
      // Write the session back the way an older version stored it: expiry only, no lifetime.
      const { tokens, profile, dpopKey } = await saved(first);
      const { lifetimeMs: _lifetime, ...older } = tokens as typeof tokens & { lifetimeMs?: number };
      // The DPoP key stays: without it the entry is refused as a lost key (dpop.test.ts), not read as an old one.
      await createKeychainTokenStore(keytar, first.config.keychainService).save({
        tokens: older,
        profile,
        ...(dpopKey ? { dpopKey } : {}),
      });

      const second = appOn(withRefresh, env, clock);
      const tokenRequests = withRefresh.countRequests('/oauth/token');
      assert.equal((await second.service.restore()).status, 'signed-in');
      // Without a lifetime the configured 60 s margin applies: the 10 s token is renewed at once.
      await waitForState(second.service, () => withRefresh.countRequests('/oauth/token') > tokenRequests);
      await sleep(2_500);
      assert.equal(withRefresh.countRequests('/oauth/token') - tokenRequests, 1, 'one renewal, then no loop');
      assert.equal(second.store.savedAt.length, 1, 'one keychain write');
      assert.equal((await second.service.callApi('private')).status, 200);
      assert.equal(withRefresh.countRequests('/oauth/token') - tokenRequests, 1, 'the renewed token is used as is');
      await second.service.dispose();
    },
  );

  test(
    '30 s tokens without a refresh token: used until they really expire, then the session ends with a clear message',
    { skip },
    async () => {
      const env = freshEnv();
      const clock = testClock();
      const app = appOn(withoutRefresh, env, clock);
      await signedIn(app);
      const session = await saved(app);
      assert.equal(session.tokens.refreshToken, undefined, 'the provider issued no refresh token');
      const tokenRequests = withoutRefresh.countRequests('/oauth/token');

      await sleep(1_000);
      assert.equal((await app.service.callApi('private')).status, 200, 'an API call 1 s after sign-in');
      assert.equal(app.service.getState().status, 'signed-in');

      // 21 s in: inside any margin, still valid for 9 s. Nothing can renew it, so it is used as is.
      clock.advance(20_000);
      assert.equal(await app.service.getAccessToken(), session.tokens.accessToken);
      assert.equal((await app.service.callApi('private')).status, 200);
      assert.equal(app.service.getState().status, 'signed-in');
      await app.service.dispose();

      // A restart at that moment keeps the session too.
      const second = appOn(withoutRefresh, env, clock);
      assert.equal((await second.service.restore()).status, 'signed-in');
      assert.equal(await second.service.getAccessToken(), session.tokens.accessToken);
      assert.equal((await second.service.callApi('private')).status, 200);
      assert.equal(second.service.getState().status, 'signed-in');
      assert.equal(withoutRefresh.countRequests('/oauth/token'), tokenRequests, 'no token request');

      // 31 s in: the token has really expired, and the session ends with the clear message.
      clock.advance(10_000);
      await assert.rejects(second.service.callApi('private'), (error: unknown) => {
        assert.ok(error instanceof AuthError);
        assert.equal(error.code, 'session_expired');
        assert.equal(error.message, 'Your session has ended. Please sign in again.');
        return true;
      });
      const state = second.service.getState();
      assert.equal(state.status, 'signed-out');
      assert.equal(state.status === 'signed-out' && state.reason?.code, 'session_expired');
      assert.deepEqual(await keytar.findCredentials(second.config.keychainService), [], 'keychain emptied');
      assert.equal(withoutRefresh.countRequests('/oauth/token'), tokenRequests, 'no token request');
      await second.service.dispose();
    },
  );
});
