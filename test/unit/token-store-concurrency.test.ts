import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { SecretStore } from '../../src/main/auth/session/secret-store.js';
import { CHUNK_SIZE, createKeychainTokenStore, type StoredSession } from '../../src/main/auth/session/token-store.js';
import { keychainUnavailableReason, startKeychain, type TestKeychain } from '../support/keychain.js';

const skip = await keychainUnavailableReason();
if (skip) process.stdout.write(`# skipping keychain concurrency tests: ${skip}\n`);

let keychain: TestKeychain;
let keytar: SecretStore;

/** A session large enough to span several keychain entries, marked with `label` so a mix-up shows. */
function session(label: string): StoredSession {
  return {
    tokens: {
      accessToken: `at-${label}-${randomBytes(CHUNK_SIZE).toString('base64url')}`,
      refreshToken: `rt-${label}-${randomBytes(24).toString('base64url')}`,
      idToken: `id-${label}-${randomBytes(400).toString('base64url')}`,
      expiresAt: Date.now() + 600_000,
      scope: 'openid profile email offline_access',
    },
    profile: { sub: `auth0|${label}`, name: `Person ${label}` },
  };
}

/** What a load found, in a form whose diff names the session (or the reason it was thrown away). */
function described(result: Awaited<ReturnType<ReturnType<typeof createKeychainTokenStore>['load']>>): string {
  switch (result.kind) {
    case 'found':
      return `found ${result.session.profile.sub}`;
    case 'discarded':
      return `discarded: ${result.reason}`;
    case 'unavailable':
      return `unavailable: ${result.error.message}`;
    case 'empty':
      return 'empty';
  }
}

describe('the keychain token store under overlapping calls (the real OS keychain)', () => {
  before(async () => {
    if (skip) return;
    keychain = await startKeychain();
    keytar = keychain.keytar;
  });
  after(async () => keychain?.close());

  test('fault 3: two overlapping saves leave one complete session, the later one', { skip }, async () => {
    const service = keychain.serviceName(`overlap-${randomBytes(4).toString('hex')}`);
    const store = createKeychainTokenStore(keytar, service);
    const first = session('first');
    const second = session('second');
    // A login's save and a refresh's save (or two refreshes) started before either finished.
    await Promise.all([store.save(first), store.save(second)]);

    const loaded = await store.load();
    assert.equal(described(loaded), 'found auth0|second', 'the same app reads its own saves back');
    assert.deepEqual(loaded, { kind: 'found', session: second });
    // What the next start reads: a new store over the same keychain entries.
    const nextStart = await createKeychainTokenStore(keytar, service).load();
    assert.equal(described(nextStart), 'found auth0|second', 'the next start finds the session');
  });

  test(
    'fault 3: three overlapping saves, then a load: the last session, never a discarded entry',
    { skip },
    async () => {
      const service = keychain.serviceName(`overlap-${randomBytes(4).toString('hex')}`);
      const store = createKeychainTokenStore(keytar, service);
      await store.save(session('before'));
      const sessions = [session('one'), session('two'), session('three')];
      const saves = sessions.map((next) => store.save(next));
      // A load asked for while the saves run must wait for them or read a whole session.
      const during = store.load();
      await Promise.all(saves);
      assert.match(described(await during), /^found auth0\|(before|one|two|three)$/);
      assert.equal(described(await store.load()), 'found auth0|three');
    },
  );
});
