import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkKeychain } from '../../src/main/auth/doctor/keychain-check.js';
import { serialiseSecretStore } from '../../src/main/auth/session/serial-secret-store.js';
import type { SecretStore } from '../../src/main/auth/session/secret-store.js';
import { memoryKeychain } from '../support/memory-secret-store.js';

const SERVICE = 'desktop-login-unit (tenant.example.com)';

describe("the setup check's keychain probe", () => {
  test('a probe whose write answers after the timeout is still deleted once the keychain answers', async () => {
    const keychain = memoryKeychain();
    let answerWrite!: () => void;
    const writeHeld = new Promise<void>((resolve) => (answerWrite = resolve));
    // A keychain busy with an unlock prompt: the probe's write lands, but only after the check gave up.
    const slow: SecretStore = {
      ...keychain,
      setPassword: async (service, account, password) => {
        await writeHeld;
        return keychain.setPassword(service, account, password);
      },
    };
    const shared = serialiseSecretStore(slow);

    // The check's timer does not keep a process alive (the CLI exits with its verdict); here
    // nothing else would, so the test holds the event loop open until the check answers.
    const keepAlive = setInterval(() => undefined, 1_000);
    const check = await checkKeychain({
      secretStore: () => shared,
      service: SERVICE,
      platform: 'linux',
      timeoutMs: 20,
    }).finally(() => clearInterval(keepAlive));
    assert.equal(check.verdict, 'warn');
    assert.match(check.detail, /did not answer within/);

    answerWrite();
    // Queued after the probe's write and its clean-up, so it answers once both have run.
    await shared.getPassword(SERVICE, 'after the probe');
    assert.deepEqual(keychain.snapshot(SERVICE), [], 'no probe entry left behind');
  });

  test("a probe never touches the session's entries", async () => {
    const keychain = memoryKeychain([[SERVICE, [{ account: 'session.v1', password: '{"v":1}' }]]]);
    const check = await checkKeychain({
      secretStore: () => serialiseSecretStore(keychain),
      service: SERVICE,
      platform: 'linux',
      timeoutMs: 5_000,
    });
    assert.equal(check.verdict, 'pass');
    assert.deepEqual(keychain.snapshot(SERVICE), [{ account: 'session.v1', password: '{"v":1}' }]);
  });
});
