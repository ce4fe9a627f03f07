import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import type { SecretStore } from '../../src/main/auth/session/secret-store.js';
import {
  CHUNK_SIZE,
  createKeychainTokenStore,
  type LoadResult,
  type StoredSession,
  type TokenStoreOptions,
} from '../../src/main/auth/session/token-store.js';
import { memoryKeychain, type KeychainEntry } from '../support/memory-secret-store.js';

// keytar's findCredentials crashes the process when an entry of the listed service is deleted
// meanwhile (by this process or another), so the token store finds its entries through its index
// entry and lists the service only to clear away an index it cannot read.

const SERVICE = 'desktop-login-unit';
const INDEX = 'session.v1';

/** A session of about `chunks` keychain entries, marked with `label`. */
function session(label: string, chunks = 1): StoredSession {
  return {
    tokens: {
      accessToken: `at-${label}-${'x'.repeat(Math.max(0, Math.floor(((chunks - 0.5) * CHUNK_SIZE * 3) / 4)))}`,
      refreshToken: `rt-${label}`,
      expiresAt: 1_900_000_000_000,
    },
    profile: { sub: `auth0|${label}` },
  };
}

/** What a load found, in a form whose diff names the session. */
function described(result: LoadResult): string {
  return result.kind === 'found' ? `found ${result.session.profile.sub}` : result.kind;
}

/** The store's keychain, counting listings and refusing them, so a test sees any it makes. */
function withoutListing(inner: SecretStore): SecretStore & { readonly listings: number } {
  let listings = 0;
  return {
    get listings() {
      return listings;
    },
    getPassword: (service, account) => inner.getPassword(service, account),
    setPassword: (service, account, password) => inner.setPassword(service, account, password),
    deletePassword: (service, account) => inner.deletePassword(service, account),
    findCredentials: () => {
      listings += 1;
      return Promise.reject(new Error('the token store listed the service'));
    },
  };
}

/**
 * The keychain of a process that dies at its `writes + 1`-th write or delete: that call and
 * every later one never answer, as if the process had been killed there.
 */
function dyingAfter(inner: SecretStore, writes: number): { store: SecretStore; died: Promise<void> } {
  let count = 0;
  let dead = false;
  let die!: () => void;
  const died = new Promise<void>((resolve) => (die = resolve));
  const never = new Promise<never>(() => undefined);
  const guard = <T>(write: boolean, call: () => Promise<T>): Promise<T> => {
    if (!dead && write) {
      count += 1;
      if (count > writes) {
        dead = true;
        die();
      }
    }
    return dead ? never : call();
  };
  return {
    died,
    store: {
      getPassword: (service, account) => guard(false, () => inner.getPassword(service, account)),
      setPassword: (service, account, password) => guard(true, () => inner.setPassword(service, account, password)),
      deletePassword: (service, account) => guard(true, () => inner.deletePassword(service, account)),
      findCredentials: (service) => guard(false, () => inner.findCredentials(service)),
    },
  };
}

/** The accounts a committed index names (itself and its session's chunks, if not inline), sorted. */
function namedByIndex(entries: readonly KeychainEntry[]): string[] {
  const index = entries.find((entry) => entry.account === INDEX);
  assert.ok(index, 'an index entry');
  const { gen, chunks, inline } = JSON.parse(index.password) as { gen?: string; chunks?: number; inline?: string };
  if (inline !== undefined) return [INDEX];
  return [INDEX, ...Array.from({ length: chunks ?? 0 }, (_, chunk) => `${INDEX}.${gen}.${chunk}`)].sort();
}

/** How a store lays its session out: one entry where it fits, or always chunks (as on Windows for a large session). */
const LAYOUTS = { inline: {}, chunked: { entryLimitBytes: 0 } } as const satisfies Record<string, TokenStoreOptions>;
type Layout = keyof typeof LAYOUTS;

function accounts(entries: readonly KeychainEntry[]): string[] {
  return entries.map((entry) => entry.account).sort();
}

describe('the token store finds its entries through its index', () => {
  for (const [layout, entryCount] of [
    ['inline', 1],
    ['chunked', 2],
  ] as const) {
    test(`${layout}: saves, loads and clears without listing the service; only the named entries stay`, async () => {
      const keychain = memoryKeychain();
      const secrets = withoutListing(keychain);
      const store = createKeychainTokenStore(secrets, SERVICE, LAYOUTS[layout]);
      await store.save(session('first', 3));
      await store.save(session('second', 1));
      assert.equal(described(await store.load()), 'found auth0|second');
      const entries = keychain.snapshot(SERVICE);
      assert.deepEqual(accounts(entries), namedByIndex(entries), 'the replaced chunks are gone');
      assert.equal(entries.length, entryCount);

      await store.save(session('third', 2));
      await store.clear();
      assert.deepEqual(keychain.snapshot(SERVICE), []);
      assert.equal(described(await store.load()), 'empty');
      assert.equal(secrets.listings, 0);
    });
  }

  // Every write or delete is a cut point. Chunked over chunked: the index, 3 chunks, the commit,
  // then the 2 old chunks deleted; inline over chunked: the index, then the 2 old chunks; inline
  // over inline: the index alone; chunked over inline: the index, 3 chunks, the commit. A clear:
  // the index, 2 chunks, the index deleted; of an inline session, the index deleted.
  const cases: ReadonlyArray<readonly ['save' | 'clear', Layout, Layout, number]> = [
    ['save', 'chunked', 'chunked', 7],
    ['save', 'chunked', 'inline', 3],
    ['save', 'inline', 'inline', 1],
    ['save', 'inline', 'chunked', 5],
    ['clear', 'chunked', 'inline', 4],
    ['clear', 'inline', 'inline', 1],
  ];
  for (const [operation, beforeLayout, layout, expectedCuts] of cases) {
    const what =
      operation === 'save' ? `a save (${layout} over ${beforeLayout})` : `a clear of the ${beforeLayout} session`;
    test(`${what} cut short at any write: the next start reads a whole session and leaves nothing unnamed`, async () => {
      let cuts = 0;
      for (let writes = 0; ; writes += 1) {
        const keychain = memoryKeychain();
        const before = createKeychainTokenStore(keychain, SERVICE, LAYOUTS[beforeLayout]);
        await before.save(session('before', 2));
        await before.load();

        const dying = dyingAfter(keychain, writes);
        const victim = createKeychainTokenStore(dying.store, SERVICE, LAYOUTS[layout]);
        const work = operation === 'save' ? victim.save(session('new', 3)) : victim.clear();
        // The operation and the clean-up it leaves queued; a load waits for both.
        const outcome = await Promise.race([
          dying.died.then(() => 'died' as const),
          work.then(() => victim.load()).then(() => 'finished' as const),
        ]);

        // The next start, over whatever the dead process left.
        const secrets = withoutListing(keychain);
        const next = createKeychainTokenStore(secrets, SERVICE, LAYOUTS[beforeLayout]);
        const found = described(await next.load());
        const whole =
          operation === 'save' ? ['found auth0|before', 'found auth0|new'] : ['found auth0|before', 'empty'];
        assert.ok(whole.includes(found), `cut after ${writes} writes: the next start found ${found}`);

        await next.save(session('after', 2));
        assert.equal(described(await next.load()), 'found auth0|after');
        const entries = keychain.snapshot(SERVICE);
        assert.deepEqual(accounts(entries), namedByIndex(entries), `cut after ${writes} writes: leftovers remain`);
        await next.clear();
        assert.deepEqual(keychain.snapshot(SERVICE), [], `cut after ${writes} writes: the clear left entries`);
        assert.equal(secrets.listings, 0, `cut after ${writes} writes: the next start listed the service`);

        if (outcome === 'finished') break;
        cuts += 1;
      }
      assert.equal(cuts, expectedCuts);
    });
  }

  for (const layout of ['chunked', 'inline'] as const) {
    test(`a second app process saving (${layout}) between the reads: the load reads its session instead of discarding it`, async () => {
      const keychain = memoryKeychain();
      const other = createKeychainTokenStore(keychain, SERVICE, LAYOUTS.chunked);
      await other.save(session('old', 2));
      await other.load();
      const otherLater = createKeychainTokenStore(keychain, SERVICE, LAYOUTS[layout]);

      let interposed = false;
      const reading: SecretStore = {
        ...keychain,
        async getPassword(service, account) {
          if (account !== INDEX && !interposed) {
            interposed = true;
            // The other instance commits a refresh and deletes the chunks this load is about to read.
            await otherLater.save(session('refreshed', 1));
            await otherLater.load();
          }
          return keychain.getPassword(service, account);
        },
      };
      const loaded = await createKeychainTokenStore(reading, SERVICE).load();
      assert.equal(described(loaded), 'found auth0|refreshed');
      assert.equal(described(await createKeychainTokenStore(keychain, SERVICE).load()), 'found auth0|refreshed');
    });
  }

  test('an index written by the earlier format loads, and the next save deletes its chunks by name', async () => {
    const saved = session('earlier', 2);
    const payload = Buffer.from(JSON.stringify({ v: 1, ...saved }), 'utf8').toString('base64url');
    const gen = 'a1b2c3d4e5f6';
    const chunks: KeychainEntry[] = [];
    for (let chunk = 0; chunk * CHUNK_SIZE < payload.length; chunk += 1) {
      chunks.push({
        account: `${INDEX}.${gen}.${chunk}`,
        password: payload.slice(chunk * CHUNK_SIZE, (chunk + 1) * CHUNK_SIZE),
      });
    }
    const sha256 = createHash('sha256').update(payload, 'utf8').digest('hex');
    const index = { account: INDEX, password: JSON.stringify({ v: 1, gen, chunks: chunks.length, sha256 }) };
    const keychain = memoryKeychain([[SERVICE, [index, ...chunks]]]);
    const store = createKeychainTokenStore(withoutListing(keychain), SERVICE);

    assert.deepEqual(await store.load(), { kind: 'found', session: saved });
    await store.save(session('later', 1));
    await store.load();
    const entries = keychain.snapshot(SERVICE);
    assert.deepEqual(accounts(entries), [INDEX], 'the later session is inline and the earlier chunks are gone');
  });

  test('an index this app did not write is discarded, and only then is the service listed to clear it', async () => {
    const keychain = memoryKeychain([
      [
        SERVICE,
        [
          { account: INDEX, password: 'hunter2' },
          { account: `${INDEX}.0123456789ab.0`, password: 'left by an unknown writer' },
        ],
      ],
    ]);
    let listings = 0;
    const store = createKeychainTokenStore(
      {
        ...keychain,
        findCredentials: (service) => {
          listings += 1;
          return keychain.findCredentials(service);
        },
      },
      SERVICE,
    );
    assert.equal(described(await store.load()), 'discarded');
    assert.deepEqual(keychain.snapshot(SERVICE), []);
    assert.equal(listings, 1);
  });
});
