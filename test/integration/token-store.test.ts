import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { SecretStore } from '../../src/main/auth/session/secret-store.js';
import { CHUNK_SIZE, createKeychainTokenStore, type StoredSession } from '../../src/main/auth/session/token-store.js';
import {
  daemonControlUnavailableReason,
  keychainUnavailableReason,
  startKeychain,
  type TestKeychain,
} from '../support/keychain.js';

const run = promisify(execFile);
const skip = await keychainUnavailableReason();
if (skip) process.stdout.write(`# skipping keychain tests: ${skip}\n`);
const noStop = skip ?? daemonControlUnavailableReason();

let keychain: TestKeychain;
let keytar: SecretStore;

/** A service of its own for each test, so no test sees another's entries. */
function freshService(): string {
  return keychain.serviceName(`svc-${randomBytes(4).toString('hex')}`);
}

function session(tokenBytes = 600): StoredSession {
  return {
    tokens: {
      accessToken: `at-${randomBytes(tokenBytes).toString('base64url')}`,
      refreshToken: `rt-${randomBytes(24).toString('base64url')}`,
      idToken: `id-${randomBytes(200).toString('base64url')}`,
      expiresAt: Date.now() + 600_000,
      scope: 'openid profile email offline_access',
    },
    profile: { sub: 'auth0|123', name: 'Zoë Ünïcode 名前', email: 'zoe@example.com', emailVerified: true },
  };
}

describe('the keychain token store (the real OS keychain through keytar)', () => {
  before(async () => {
    if (skip) return;
    keychain = await startKeychain();
    keytar = keychain.keytar;
  });
  after(async () => keychain?.close());

  test('saves and loads a session, unicode profile included', { skip }, async () => {
    const store = createKeychainTokenStore(keytar, freshService());
    const saved = session();
    await store.save(saved);
    const loaded = await store.load();
    assert.equal(loaded.kind, 'found');
    assert.deepEqual(loaded.kind === 'found' && loaded.session, saved);
  });

  test('a 10 KB token set is split into entries below the Windows Credential Manager limit', { skip }, async () => {
    const service = freshService();
    const store = createKeychainTokenStore(keytar, service);
    const big = session(7600);
    assert.ok(JSON.stringify(big).length > 10_000);
    await store.save(big);
    const entries = await keytar.findCredentials(service);
    assert.ok(entries.length >= 6, `${entries.length} entries`);
    for (const entry of entries)
      assert.ok(Buffer.byteLength(entry.password) <= 2560 && entry.password.length <= CHUNK_SIZE + 200);
    const loaded = await store.load();
    assert.deepEqual(loaded.kind === 'found' && loaded.session, big);
  });

  test('saving again replaces the old chunks; clear removes every entry', { skip }, async () => {
    const service = freshService();
    const store = createKeychainTokenStore(keytar, service);
    await store.save(session(7600));
    const small = session(100);
    await store.save(small);
    // Old chunks are removed after save returns; load waits for that.
    assert.deepEqual(await store.load(), { kind: 'found', session: small });
    const entries = await keytar.findCredentials(service);
    assert.equal(entries.length, 2, 'meta plus one chunk');
    assert.deepEqual((await store.load()).kind === 'found' && (await store.load()), { kind: 'found', session: small });
    await store.clear();
    assert.deepEqual(await keytar.findCredentials(service), []);
    assert.equal((await store.load()).kind, 'empty');
  });

  for (const [name, corrupt] of [
    ['a foreign entry', async (service: string) => keytar.setPassword(service, 'session.v1', 'hunter2')],
    [
      'a truncated chunk',
      async (service: string) => {
        const chunk = (await keytar.findCredentials(service)).find((entry) => entry.account !== 'session.v1')!;
        await keytar.setPassword(service, chunk.account, chunk.password.slice(0, 10));
      },
    ],
    [
      'a missing chunk',
      async (service: string) => {
        const chunk = (await keytar.findCredentials(service)).find((entry) => entry.account !== 'session.v1')!;
        await keytar.deletePassword(service, chunk.account);
      },
    ],
  ] as const) {
    test(`${name} is discarded and reported, never trusted`, { skip }, async () => {
      const service = freshService();
      const store = createKeychainTokenStore(keytar, service);
      await store.save(session(3000));
      await store.load();
      await corrupt(service);
      const loaded = await store.load();
      assert.equal(loaded.kind, 'discarded');
      assert.deepEqual(await keytar.findCredentials(service), [], 'the bad entries were deleted');
    });
  }

  test('keychain daemon not running: load reports unavailable and leaves entries alone', { skip: noStop }, async () => {
    const service = freshService();
    const store = createKeychainTokenStore(keytar, service);
    const saved = session();
    await store.save(saved);
    const entriesBefore = (await keytar.findCredentials(service)).length;
    await keychain.stopDaemon();
    try {
      const loaded = await store.load();
      assert.equal(loaded.kind, 'unavailable');
      assert.equal(loaded.kind === 'unavailable' && loaded.error.code, 'keychain_unavailable');
      await assert.rejects(store.save(session()), { code: 'keychain_unavailable' });
    } finally {
      await keychain.startDaemon();
    }
    // libsecret remembers the dead daemon's bus name for the life of the process, so the
    // entries are checked the way the next app start would see them: from a new process.
    const { stdout } = await run(process.execPath, [
      '-e',
      `require('keytar').findCredentials(${JSON.stringify(service)}).then((entries) => console.log(entries.length))`,
    ]);
    assert.equal(Number(stdout.trim()), entriesBefore, 'entries survived the outage');
  });
});
