import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createKeychainPendingRevocations } from '../../src/main/auth/session/pending-revocations.js';
import type { AuthEnv } from '../../src/main/auth/config/config.js';
import { createKeychainTokenStore } from '../../src/main/auth/session/token-store.js';
import type { AuthState } from '../../src/shared/auth-state.js';
import type { RunningIdp } from '../../tools/idp/start-idp.js';
import { personSignsInAndOut, startApp, waitForState } from '../support/app-harness.js';
import { keychainUnavailableReason, type TestKeychain } from '../support/keychain.js';
import { startStoryServices, stopStoryServices } from '../support/story-services.js';
import { browserUnavailableReason, type SystemBrowser } from '../support/system-browser.js';

// A logout whose revocation failed leaves a live refresh token at the provider. It must not
// look like a clean sign-out: the token waits in the keychain and is revoked later (RFC 7009).

const skip = (await keychainUnavailableReason()) ?? browserUnavailableReason();
if (skip) process.stdout.write(`# skipping pending revocation tests: ${skip}\n`);
const REVOKE = '/oauth/revoke';

let idp: RunningIdp;
let browser: SystemBrowser;
let keychain: TestKeychain;
let services = 0;

function freshEnv(): AuthEnv {
  services += 1;
  return { KEYCHAIN_SERVICE: keychain.serviceName(`revocation-${services}`) };
}

/** Signs in, then logs out while the revocation endpoint fails with `status`. */
async function logoutWhileRevocationFails(status: number, env: AuthEnv, retryDelaysMs = [60_000]) {
  const app = startApp({
    idp,
    browser,
    keytar: keychain.keytar,
    act: personSignsInAndOut(idp),
    env,
    deps: { revocationRetryDelaysMs: retryDelaysMs },
  });
  await app.service.restore();
  await app.service.login();
  const stored = await createKeychainTokenStore(keychain.keytar, app.config.keychainService).load();
  assert.equal(stored.kind, 'found');
  idp.faults.set(REVOKE, { status, body: { error: 'temporarily_unavailable' } });
  const state = await app.service.logout();
  await app.opener.settled();
  const pending = createKeychainPendingRevocations(keychain.keytar, app.config.keychainService);
  return { app, state, pending };
}

describe('a refresh token logout could not revoke', () => {
  before(async () => {
    if (skip) return;
    ({ idp, browser, keychain } = await startStoryServices());
  });
  after(() => stopStoryServices({ idp, browser, keychain }));

  test(
    'revocation answering 503: signed out here, told plainly, kept in the keychain, revoked at the next start',
    { skip },
    async () => {
      const env = freshEnv();
      const { app, state, pending } = await logoutWhileRevocationFails(503, env);
      assert.equal(state.status, 'signed-out');
      assert.equal(state.status === 'signed-out' ? state.reason?.code : undefined, 'revocation_pending');
      assert.equal((await pending.list()).length, 1, 'the token waits in the keychain');
      assert.deepEqual(
        (await keychain.keytar.findCredentials(app.config.keychainService)).length,
        0,
        'the session itself is gone',
      );
      await app.service.dispose();

      idp.faults.set(REVOKE, null);
      const revocations = idp.countRequests(REVOKE);
      const next = startApp({ idp, browser, keytar: keychain.keytar, env });
      await next.service.restore();
      await waitFor(async () => (await pending.list()).length === 0);
      assert.equal(idp.countRequests(REVOKE) - revocations, 1, 'revoked once at the next start');
      await next.service.dispose();
    },
  );

  test('revocation answering 400: still pending, and a retry that succeeds clears the message', { skip }, async () => {
    const { app, state, pending } = await logoutWhileRevocationFails(400, freshEnv(), [300]);
    assert.equal(state.status === 'signed-out' ? state.reason?.code : undefined, 'revocation_pending');
    assert.equal((await pending.list()).length, 1);
    const revocations = idp.countRequests(REVOKE);
    idp.faults.set(REVOKE, null);
    const cleared: AuthState = await waitForState(
      app.service,
      (next) => next.status === 'signed-out' && next.reason === undefined,
    );
    assert.deepEqual(cleared, { status: 'signed-out', afterLogout: true });
    assert.deepEqual(await pending.list(), []);
    assert.equal(idp.countRequests(REVOKE) - revocations, 1, 'the timer retried once');
    await app.service.dispose();
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
