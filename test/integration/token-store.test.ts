import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { SecretStore } from '../../src/main/auth/session/secret-store.js';
import {
  CHUNK_SIZE,
  createKeychainTokenStore,
  entryLimitFor,
  type StoredSession,
  type TokenStoreOptions,
} from '../../src/main/auth/session/token-store.js';
import { controllableSecretStore } from '../support/controllable-secret-store.js';
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

/** The store as it writes on Windows, where Credential Manager caps an entry at 2,560 bytes. */
const WINDOWS: TokenStoreOptions = { entryLimitBytes: entryLimitFor('win32') };
/** A store that splits every session into chunks, whatever its size. */
const ALWAYS_CHUNKED: TokenStoreOptions = { entryLimitBytes: 0 };
const INDEX = 'session.v1';

/** The accounts of `service`, sorted; listing is for the tests only (the store never lists). */
async function accountsOf(service: string): Promise<string[]> {
  return (await keytar.findCredentials(service)).map((entry) => entry.account).sort();
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

  test('a session that fits is one keychain entry: a save is one read and one write', { skip }, async () => {
    const service = freshService();
    const counted = controllableSecretStore(keytar);
    const store = createKeychainTokenStore(counted, service);
    const calls = (): Record<string, number> => ({
      reads: counted.calls('getPassword'),
      writes: counted.calls('setPassword'),
      deletes: counted.calls('deletePassword'),
      listings: counted.calls('findCredentials'),
    });
    await store.save(session());
    assert.deepEqual(calls(), { reads: 1, writes: 1, deletes: 0, listings: 0 }, 'the first save');
    const second = session();
    await store.save(second);
    assert.deepEqual(calls(), { reads: 2, writes: 2, deletes: 0, listings: 0 }, 'a save replacing it');
    assert.deepEqual(await accountsOf(service), [INDEX]);
    assert.deepEqual(await createKeychainTokenStore(keytar, service).load(), { kind: 'found', session: second });
  });

  test('a 10 KB token set is split into entries below the Windows Credential Manager limit', { skip }, async () => {
    const service = freshService();
    const store = createKeychainTokenStore(keytar, service, WINDOWS);
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

  test('with the Windows limit a small session is still one entry below it', { skip }, async () => {
    const service = freshService();
    const small: StoredSession = {
      tokens: { accessToken: `at-${randomBytes(32).toString('base64url')}`, expiresAt: Date.now() + 600_000 },
      profile: { sub: 'auth0|123' },
    };
    await createKeychainTokenStore(keytar, service, WINDOWS).save(small);
    const entries = await keytar.findCredentials(service);
    assert.deepEqual(
      entries.map((entry) => entry.account),
      [INDEX],
    );
    assert.ok(entries.every((entry) => Buffer.byteLength(entry.password) <= 2560));
    assert.deepEqual(await createKeychainTokenStore(keytar, service).load(), { kind: 'found', session: small });
  });

  test('chunked: saving again replaces the old chunks; clear removes every entry', { skip }, async () => {
    const service = freshService();
    const store = createKeychainTokenStore(keytar, service, ALWAYS_CHUNKED);
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

  test(
    'a session saved in chunks by an earlier version loads; the next save is inline and deletes the chunks',
    { skip },
    async () => {
      const service = freshService();
      const earlier = session(3000);
      // The earlier format, written entry by entry: base64url chunks and a `{ v, gen, chunks, sha256 }` index.
      const payload = Buffer.from(JSON.stringify({ v: 1, ...earlier }), 'utf8').toString('base64url');
      const gen = randomBytes(6).toString('hex');
      const chunks = Math.ceil(payload.length / CHUNK_SIZE);
      for (let chunk = 0; chunk < chunks; chunk += 1)
        await keytar.setPassword(
          service,
          `${INDEX}.${gen}.${chunk}`,
          payload.slice(chunk * CHUNK_SIZE, (chunk + 1) * CHUNK_SIZE),
        );
      const sha256 = createHash('sha256').update(payload, 'utf8').digest('hex');
      await keytar.setPassword(service, INDEX, JSON.stringify({ v: 1, gen, chunks, sha256 }));

      const store = createKeychainTokenStore(keytar, service);
      assert.deepEqual(await store.load(), { kind: 'found', session: earlier });
      const later = session();
      await store.save(later);
      assert.deepEqual(await store.load(), { kind: 'found', session: later });
      assert.deepEqual(await accountsOf(service), [INDEX], 'the earlier chunks were deleted');
      const index = JSON.parse((await keytar.getPassword(service, INDEX)) ?? '{}') as Record<string, unknown>;
      assert.equal(typeof index['inline'], 'string');
    },
  );

  test('switching inline → chunked → inline leaves nothing behind', { skip }, async () => {
    const service = freshService();
    // Room for a small session, not for a 10 KB one.
    const store = createKeychainTokenStore(keytar, service, { entryLimitBytes: 4096 });
    const steps: Array<readonly [string, StoredSession]> = [
      ['inline', session(100)],
      ['chunked', session(7600)],
      ['inline', session(100)],
    ];
    for (const [layout, next] of steps) {
      await store.save(next);
      // Replaced chunks are deleted after save returns; a load waits for that.
      assert.deepEqual(await store.load(), { kind: 'found', session: next }, layout);
      const accounts = await accountsOf(service);
      if (layout === 'inline') assert.deepEqual(accounts, [INDEX], layout);
      else assert.ok(accounts.length >= 6 && accounts.every((account) => account.startsWith(INDEX)), layout);
    }
    await store.clear();
    assert.deepEqual(await accountsOf(service), []);
  });

  for (const [name, options, corrupt] of [
    ['a foreign entry', {}, async (service: string) => keytar.setPassword(service, INDEX, 'hunter2')],
    [
      'a changed inline session',
      {},
      async (service: string) => {
        const index = JSON.parse((await keytar.getPassword(service, INDEX))!) as { inline: string };
        // Still base64url and still JSON: only the digest tells.
        index.inline = `${index.inline.slice(0, 40)}${index.inline[40] === 'A' ? 'B' : 'A'}${index.inline.slice(41)}`;
        await keytar.setPassword(service, INDEX, JSON.stringify(index));
      },
    ],
    [
      'a truncated chunk',
      ALWAYS_CHUNKED,
      async (service: string) => {
        const chunk = (await keytar.findCredentials(service)).find((entry) => entry.account !== INDEX)!;
        await keytar.setPassword(service, chunk.account, chunk.password.slice(0, 10));
      },
    ],
    [
      'a missing chunk',
      ALWAYS_CHUNKED,
      async (service: string) => {
        const chunk = (await keytar.findCredentials(service)).find((entry) => entry.account !== INDEX)!;
        await keytar.deletePassword(service, chunk.account);
      },
    ],
  ] as const) {
    test(`${name} is discarded and reported, never trusted`, { skip }, async () => {
      const service = freshService();
      const store = createKeychainTokenStore(keytar, service, options);
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
