import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createAuthService } from '../../src/main/auth/flows/auth-service.js';
import { createKeychainPendingRevocations } from '../../src/main/auth/session/pending-revocations.js';
import { createKeychainTokenStore } from '../../src/main/auth/session/token-store.js';
import { startIdp, type RunningIdp } from '../../tools/idp/start-idp.js';
import { demoConfig } from '../support/app-harness.js';
import { createMemorySecretStore } from '../support/memory-secret-store.js';

// The order people press buttons in is the order that counts: Logout pressed after Login wins,
// and Login pressed after Logout (or Cancel) starts a sign-in of its own. A slow keychain makes
// the earlier operation still run when the next button is pressed.

let idp: RunningIdp;

/** The auth core on the real provider with a keychain that answers each call after `ms`. */
function slowKeychainApp(ms: number) {
  const config = demoConfig(idp);
  const keytar = createMemorySecretStore();
  keytar.slow(ms);
  const opened: string[] = [];
  const service = createAuthService({
    config,
    tokenStore: createKeychainTokenStore(keytar, config.keychainService),
    pendingRevocations: createKeychainPendingRevocations(keytar, config.keychainService),
    // The person never signs in: a login that gets as far as the browser is cancelled there.
    openBrowser: (url) => {
      opened.push(url);
      setTimeout(() => service.cancelLogin(), 10);
      return Promise.resolve();
    },
  });
  return { service, opened };
}

describe('the order of Login and Logout presses', () => {
  before(async () => {
    idp = await startIdp();
  });
  after(() => idp?.close());

  test(
    'Logout pressed after a Login that waits for an earlier logout: that Login never starts',
    { timeout: 20_000 },
    async () => {
      const { service, opened } = slowKeychainApp(30);
      const requests = idp.requestLog.length;
      const firstLogout = service.logout();
      const login = service.login();
      const secondLogout = service.logout();
      assert.equal((await secondLogout).status, 'signed-out');
      await Promise.all([firstLogout, login]);
      assert.deepEqual(opened, [], 'no sign-in page was opened');
      assert.equal(idp.requestLog.length, requests, 'the provider heard nothing');
      assert.deepEqual(service.getState(), { status: 'signed-out', afterLogout: true });
      await service.dispose();
    },
  );

  test(
    'Login pressed after a Logout that cancelled a login starts a sign-in of its own',
    { timeout: 20_000 },
    async () => {
      const { service, opened } = slowKeychainApp(30);
      const first = service.login();
      const logout = service.logout();
      const second = service.login();
      await Promise.all([first, logout]);
      await second;
      assert.equal(opened.length, 1, 'the Login pressed last opened the sign-in page');
      await service.dispose();
    },
  );
});
