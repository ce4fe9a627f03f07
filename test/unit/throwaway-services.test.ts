import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { SecretStore } from '../../src/main/auth/session/secret-store.js';
import { daemonControlUnavailableReason } from '../support/keychain.js';
import { TEST_SERVICE_PREFIX, throwawayServices } from '../support/throwaway-services.js';

/** An in-memory keychain: service -> account -> password. */
function memoryKeychain(): SecretStore & { readonly entries: Map<string, Map<string, string>> } {
  const entries = new Map<string, Map<string, string>>();
  return {
    entries,
    getPassword: (service, account) => Promise.resolve(entries.get(service)?.get(account) ?? null),
    setPassword: (service, account, password) => {
      if (!entries.has(service)) entries.set(service, new Map());
      entries.get(service)?.set(account, password);
      return Promise.resolve();
    },
    deletePassword: (service, account) => Promise.resolve(entries.get(service)?.delete(account) ?? false),
    findCredentials: (service) =>
      Promise.resolve([...(entries.get(service) ?? [])].map(([account, password]) => ({ account, password }))),
  };
}

describe('throwaway keychain services', () => {
  test('names are random per run, start with the test prefix, and stay the same for one label', () => {
    const first = throwawayServices(memoryKeychain());
    const second = throwawayServices(memoryKeychain());
    assert.match(first.serviceName('story'), /^desktop-login-test-[0-9a-f]{12}-story$/);
    assert.ok(first.serviceName('story').startsWith(TEST_SERVICE_PREFIX));
    assert.equal(first.serviceName('story'), first.serviceName('story'));
    assert.notEqual(first.serviceName('story'), second.serviceName('story'));
  });

  test('finish deletes every entry of every service used, the app-derived names included', async () => {
    const keychain = memoryKeychain();
    const services = throwawayServices(keychain);
    // The app stores under "<KEYCHAIN_SERVICE> (<issuer host>)".
    const derived = `${services.serviceName('story')} (127.0.0.1:4000)`;
    await services.store.setPassword(derived, 'session.v1', 'meta');
    await services.store.setPassword(derived, 'session.v1.0', 'chunk');
    await services.store.setPassword(services.serviceName('raw'), 'a', 'b');
    const elsewhere = `${services.serviceName('child')} (127.0.0.1:4000)`;
    await keychain.setPassword(elsewhere, 'doctor-probe', 'left by another process');
    services.track(elsewhere);
    await keychain.setPassword('Desktop Login (tenant.us.auth0.com)', 'session.v1', 'the person’s own');

    await services.finish();
    assert.deepEqual(await keychain.findCredentials(derived), []);
    assert.deepEqual(await keychain.findCredentials(services.serviceName('raw')), []);
    assert.deepEqual(await keychain.findCredentials(elsewhere), []);
    assert.equal((await keychain.findCredentials('Desktop Login (tenant.us.auth0.com)')).length, 1, 'left alone');
  });

  test('a service outside the run is refused, untouched, and fails finish', async () => {
    const keychain = memoryKeychain();
    await keychain.setPassword('Desktop Login (127.0.0.1:4000)', 'session.v1', 'the person’s own');
    const services = throwawayServices(keychain);
    await assert.rejects(services.store.findCredentials('Desktop Login (127.0.0.1:4000)'), /refused/);
    await assert.rejects(services.store.deletePassword('Desktop Login (127.0.0.1:4000)', 'session.v1'), /refused/);
    assert.throws(() => services.track('story (127.0.0.1:4000)'), /refused/);
    // Another run's services are not this run's either.
    const other = throwawayServices(keychain).serviceName('story');
    await assert.rejects(services.store.setPassword(other, 'a', 'b'), /refused/);

    await assert.rejects(services.finish(), /outside its run: Desktop Login \(127\.0\.0\.1:4000\)/);
    assert.equal((await keychain.findCredentials('Desktop Login (127.0.0.1:4000)')).length, 1);
  });

  test('finish without deleting entries still reports refused services', async () => {
    const keychain = memoryKeychain();
    const services = throwawayServices(keychain);
    await services.store.setPassword(services.serviceName('kept'), 'a', 'b');
    await services.finish({ deleteEntries: false });
    assert.equal((await keychain.findCredentials(services.serviceName('kept'))).length, 1);
    await services.store.getPassword('someone else', 'a').catch(() => null);
    await assert.rejects(services.finish({ deleteEntries: false }), /outside its run/);
  });
});

describe('stopping the keychain', () => {
  test('is possible only with the Linux test keyring', () => {
    assert.equal(daemonControlUnavailableReason('linux'), undefined);
    assert.match(daemonControlUnavailableReason('darwin') ?? '', /only possible with the Linux test keyring/);
    assert.match(daemonControlUnavailableReason('win32') ?? '', /real OS keychain/);
  });
});
