import assert from 'node:assert/strict';
import type { AuthConfig } from '../../src/main/auth/config/config.js';
import type { SecretStore } from '../../src/main/auth/session/secret-store.js';
import { createKeychainTokenStore, type StoredSession } from '../../src/main/auth/session/token-store.js';
import type { RunningIdp } from '../../tools/idp/start-idp.js';
import { personSignsInAndOut, requestsBeyondDiscovery, startApp, testClock } from './app-harness.js';
import type { SystemBrowser } from './system-browser.js';

/** What one tenant shape does differently, as far as the person's story is concerned. */
export interface StoryExpectations {
  /** False for a tenant that issues no refresh token: the session ends when the access token does. */
  readonly refreshes: boolean;
  /** False when the refresh token stays the same across refreshes (rotation off). */
  readonly rotates?: boolean;
  /** Checks on the session as it sits in the keychain after sign-in. */
  readonly checkStored?: (session: StoredSession) => void;
}

/** What the story saw, for checks specific to a shape. */
export interface StoryRecord {
  readonly stored: StoredSession;
  /** The URL handed to the browser to end the provider session; absent when the session ended by itself. */
  readonly logoutUrl?: URL;
}

/**
 * The person's whole story against one provider: signs in, restarts (the profile shows from the
 * keychain with no request), the access token expires and is renewed (or the session ends where
 * the tenant gives no refresh token), calls the API, and signs out everywhere — the refresh token
 * revoked, the keychain emptied, and the provider's browser session really ended.
 */
export async function runTenantStory(options: {
  readonly idp: RunningIdp;
  readonly browser: SystemBrowser;
  readonly keytar: SecretStore;
  readonly config: AuthConfig;
  readonly expect: StoryExpectations;
}): Promise<StoryRecord> {
  const { idp, browser, keytar, config } = options;
  const clock = testClock();
  const profile = browser.newProfile();
  const store = createKeychainTokenStore(keytar, config.keychainService);
  const run = () => startApp({ idp, browser, keytar, config, clock, profile, act: personSignsInAndOut(idp) });

  const first = run();
  assert.equal((await first.service.restore()).status, 'signed-out');
  const signedIn = await first.service.login();
  assert.equal(signedIn.status, 'signed-in', JSON.stringify(signedIn));
  assert.equal(signedIn.status === 'signed-in' && signedIn.persistence, 'keychain');
  await first.opener.settled();
  await first.service.dispose();
  const saved = await store.load();
  assert.equal(saved.kind, 'found');
  if (saved.kind !== 'found') throw new Error('unreachable');
  options.expect.checkStored?.(saved.session);

  // Restart: the profile shows at once, without a request.
  const second = run();
  const requestsBefore = idp.requestLog.length;
  const restored = await second.service.restore();
  assert.equal(restored.status, 'signed-in');
  assert.equal(restored.status === 'signed-in' && restored.profile.email, idp.users[0]?.email);
  assert.deepEqual(requestsBeyondDiscovery(idp, requestsBefore), [], 'restore made no request');

  // The access token runs out.
  const firstToken = await second.service.getAccessToken();
  const tokenRequests = idp.countRequests('/oauth/token');
  clock.advance(saved.session.tokens.expiresAt - clock.now() + 1_000);
  if (!options.expect.refreshes) {
    await assert.rejects(second.service.getAccessToken(), { code: 'session_expired' });
    assert.equal(second.service.getState().status, 'signed-out');
    assert.equal((await store.load()).kind, 'empty', 'an ended session leaves nothing in the keychain');
    await second.service.dispose();
    return { stored: saved.session };
  }
  const renewed = await second.service.getAccessToken();
  assert.notEqual(renewed, firstToken);
  assert.equal(idp.countRequests('/oauth/token') - tokenRequests, 1, 'one refresh');
  const afterRefresh = await store.load();
  assert.ok(afterRefresh.kind === 'found');
  assert.equal(afterRefresh.session.tokens.accessToken, renewed, 'the renewed session is in the keychain');
  const rotated = afterRefresh.session.tokens.refreshToken !== saved.session.tokens.refreshToken;
  assert.equal(rotated, options.expect.rotates ?? true, 'refresh token rotation as the tenant does it');

  if (config.apiBaseUrl !== undefined) {
    const api = await second.service.callApi('private');
    assert.equal(api.status, 200, JSON.stringify(api));
  }

  // Logout everywhere.
  const revocations = idp.countRequests('/oauth/revoke');
  const loggedOut = await second.service.logout();
  await second.opener.settled();
  assert.deepEqual(loggedOut, { status: 'signed-out', afterLogout: true });
  assert.equal(idp.countRequests('/oauth/revoke') - revocations, 1, 'the refresh token was revoked');
  assert.equal((await store.load()).kind, 'empty');
  const logoutUrl = second.opener.urls.at(-1);
  assert.ok(logoutUrl);
  const landed = new URL(second.opener.pages.at(-1)!.url());
  assert.equal(`${landed.hostname}${landed.pathname}`, '127.0.0.1/signed-out', 'the provider sent the browser back');

  // The provider session really ended: the same browser is asked to sign in again.
  const check = await (await profile).newPage();
  await check.goto(first.opener.urls[0].href);
  await check.locator('input[name="email"]').waitFor();
  await (await profile).close();
  await second.service.dispose();
  return { stored: saved.session, logoutUrl };
}
