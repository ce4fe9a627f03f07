import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SecretStore } from '../../src/main/auth/session/secret-store.js';
import { createKeychainTokenStore } from '../../src/main/auth/session/token-store.js';
import type { RunningIdp } from '../../tools/idp/start-idp.js';
import {
  personSignsInAndOut,
  requestsBeyondDiscovery,
  startApp,
  testClock,
  waitForState,
} from '../support/app-harness.js';
import { keychainUnavailableReason, type TestKeychain } from '../support/keychain.js';
import { startStoryServices, stopStoryServices } from '../support/story-services.js';
import { browserUnavailableReason, type SystemBrowser } from '../support/system-browser.js';

const skip = (await keychainUnavailableReason()) ?? browserUnavailableReason();
if (skip) process.stdout.write(`# skipping session tests: ${skip}\n`);

let idp: RunningIdp;
let browser: SystemBrowser;
let keychain: TestKeychain;
let keytar: SecretStore;

describe('keeping the session', () => {
  before(async () => {
    if (skip) return;
    ({ idp, browser, keychain, keytar } = await startStoryServices());
  });
  after(() => stopStoryServices({ idp, browser, keychain }));

  test(
    'signs in, restarts, is still signed in, renews, calls the API, and signs out everywhere',
    { skip },
    async () => {
      const clock = testClock();
      const env = { KEYCHAIN_SERVICE: keychain.serviceName('story') };
      const profile = browser.newProfile();

      // First run: nothing saved yet, then a login.
      const first = startApp({ idp, browser, keytar, act: personSignsInAndOut(idp), env, clock, profile });
      assert.equal((await first.service.restore()).status, 'signed-out');
      const signedIn = await first.service.login();
      assert.equal(signedIn.status, 'signed-in', JSON.stringify(signedIn));
      assert.equal(signedIn.status === 'signed-in' && signedIn.persistence, 'keychain');
      await first.opener.settled();
      await first.service.dispose();

      // Second run: the profile shows at once, from the keychain, without a single request.
      const second = startApp({ idp, browser, keytar, act: personSignsInAndOut(idp), env, clock, profile });
      const requestsBefore = idp.requestLog.length;
      const restored = await second.service.restore();
      assert.equal(restored.status, 'signed-in');
      assert.equal(restored.status === 'signed-in' && restored.profile.email, idp.users[0].email);
      assert.deepEqual(requestsBeyondDiscovery(idp, requestsBefore), [], 'restore made no network request');

      // A fresh token is served from memory.
      const tokenRequestsBeforeUse = idp.countRequests('/oauth/token');
      const token = await second.service.getAccessToken();
      assert.equal(await second.service.getAccessToken(), token);
      assert.equal(idp.countRequests('/oauth/token'), tokenRequestsBeforeUse, 'a fresh token needs no request');

      // An hour later the token is renewed, and the rotated refresh token is in the keychain.
      const store = createKeychainTokenStore(keytar, second.config.keychainService);
      const before = await store.load();
      const tokenRequests = idp.countRequests('/oauth/token');
      clock.advance(3_600_000);
      const renewed = await second.service.getAccessToken();
      assert.notEqual(renewed, token);
      assert.equal(idp.countRequests('/oauth/token') - tokenRequests, 1);
      const afterRefresh = await store.load();
      assert.ok(before.kind === 'found' && afterRefresh.kind === 'found');
      assert.notEqual(
        afterRefresh.session.tokens.refreshToken,
        before.session.tokens.refreshToken,
        'rotated token saved',
      );
      assert.equal(afterRefresh.session.tokens.accessToken, renewed);

      // The API accepts the token; the caller sees JSON, not the token.
      const api = await second.service.callApi('private');
      assert.equal(api.status, 200);
      assert.equal((api.body as { sub?: string }).sub, restored.status === 'signed-in' ? restored.profile.sub : '');
      assert.equal(JSON.stringify(api).includes(renewed), false);

      // Logout: refresh token revoked, keychain emptied, provider session ended in the browser.
      const revocations = idp.countRequests('/oauth/revoke');
      const loggedOut = await second.service.logout();
      await second.opener.settled();
      assert.deepEqual(loggedOut, { status: 'signed-out', afterLogout: true });
      assert.equal(idp.countRequests('/oauth/revoke') - revocations, 1);
      assert.deepEqual(await keytar.findCredentials(second.config.keychainService), []);
      const logoutPage = second.opener.pages.at(-1)!;
      assert.equal(new URL(logoutPage.url()).pathname, '/signed-out');
      assert.equal(new URL(logoutPage.url()).hostname, '127.0.0.1');

      // The provider session really ended: the same browser is asked to sign in again.
      const check = await (await profile).newPage();
      await check.goto(first.opener.urls[0].href);
      await check.locator('input[name="email"]').waitFor();

      // And the next start is signed out.
      const third = startApp({ idp, browser, keytar, env, clock });
      assert.equal((await third.service.restore()).status, 'signed-out');
      await second.service.dispose();
    },
  );

  test('a stale session restores at once and renews in the background', { skip }, async () => {
    const clock = testClock();
    const env = { KEYCHAIN_SERVICE: keychain.serviceName('background') };
    const first = startApp({ idp, browser, keytar, act: personSignsInAndOut(idp), env, clock });
    await first.service.login();
    await first.service.dispose();

    clock.advance(7_200_000);
    const second = startApp({ idp, browser, keytar, env, clock });
    const tokenRequests = idp.countRequests('/oauth/token');
    const restored = await second.service.restore();
    assert.equal(restored.status, 'signed-in', 'shown before any network call');
    await waitForState(second.service, () => idp.countRequests('/oauth/token') > tokenRequests);
    const token = await second.service.getAccessToken();
    assert.equal(idp.countRequests('/oauth/token') - tokenRequests, 1, 'one background refresh, reused by the caller');
    assert.ok(token.length > 0);
    await second.service.dispose();
  });
});
