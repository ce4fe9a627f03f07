import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createKeychainPendingRevocations } from '../../src/main/auth/session/pending-revocations.js';
import type { SecretStore } from '../../src/main/auth/session/secret-store.js';
import { memoryKeychain } from '../support/memory-secret-store.js';

/** keytar answers on a later turn of the event loop; the in-memory keychain is made to do so too. */
function answeringLater(inner: SecretStore): SecretStore {
  const later = <T>(call: () => Promise<T>): Promise<T> => new Promise((resolve) => setImmediate(resolve)).then(call);
  return {
    getPassword: (service, account) => later(() => inner.getPassword(service, account)),
    setPassword: (service, account, password) => later(() => inner.setPassword(service, account, password)),
    deletePassword: (service, account) => later(() => inner.deletePassword(service, account)),
    findCredentials: (service) => later(() => inner.findCredentials(service)),
  };
}

describe('pending revocations in the keychain', () => {
  test('overlapping adds and removes (a logout during a retry) keep every token not removed', async () => {
    const keychain = answeringLater(memoryKeychain());
    const pending = createKeychainPendingRevocations(keychain, 'desktop-login-unit');
    await Promise.all(['rt-1', 'rt-2', 'rt-3', 'rt-4'].map((token) => pending.add(token)));
    assert.deepEqual(await pending.list(), ['rt-1', 'rt-2', 'rt-3', 'rt-4']);

    await Promise.all([pending.remove('rt-1'), pending.add('rt-5'), pending.remove('rt-3'), pending.add('rt-6')]);
    assert.deepEqual(await pending.list(), ['rt-2', 'rt-4', 'rt-5', 'rt-6']);
    // What the next start finds.
    assert.deepEqual(await createKeychainPendingRevocations(keychain, 'desktop-login-unit').list(), [
      'rt-2',
      'rt-4',
      'rt-5',
      'rt-6',
    ]);
  });
});
