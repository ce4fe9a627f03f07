import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import {
  createDpopKey,
  importDpopKey,
  isDpopPrivateJwk,
  type DpopPrivateJwk,
} from '../../src/main/auth/session/dpop-key.js';
import { encodeSession, parseSession, type StoredSession } from '../../src/main/auth/session/stored-session.js';

const BEARER: StoredSession = {
  tokens: { accessToken: 'access', expiresAt: 1_700_000_000_000, lifetimeMs: 600_000, refreshToken: 'refresh' },
  profile: { sub: 'auth0|1', email: 'person@example.com' },
};

/** A stored entry as JSON, changed by `edit`, encoded as the keychain holds it. */
function entry(edit: (record: Record<string, unknown>) => void, base: StoredSession = BEARER): string {
  const record = JSON.parse(Buffer.from(encodeSession(base), 'base64url').toString('utf8')) as Record<string, unknown>;
  edit(record);
  return Buffer.from(JSON.stringify(record), 'utf8').toString('base64url');
}

async function dpopSession(): Promise<StoredSession & { dpopKey: DpopPrivateJwk }> {
  const dpopKey = await createDpopKey();
  return { ...BEARER, tokens: { ...BEARER.tokens, tokenType: 'DPoP' }, dpopKey };
}

describe('the DPoP key kept with a session', () => {
  test('a new key is a P-256 private JWK with exactly kty, crv, x, y and d, and it signs', async () => {
    const key = await createDpopKey();
    assert.deepEqual(Object.keys(key).sort(), ['crv', 'd', 'kty', 'x', 'y']);
    assert.equal(key.kty, 'EC');
    assert.equal(key.crv, 'P-256');
    assert.ok(isDpopPrivateJwk(key));
    const { privateKey, publicKey } = await importDpopKey(key);
    assert.equal(privateKey.extractable, false, 'the signing key cannot be exported again');
    const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, Buffer.from('proof'));
    assert.ok(
      await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, publicKey, signature, Buffer.from('proof')),
    );
    assert.notEqual((await createDpopKey()).d, key.d, 'every sign-in gets its own');
  });

  test('a DPoP session round-trips through the keychain format with its key and token type', async () => {
    const session = await dpopSession();
    assert.deepEqual(parseSession(encodeSession(session)), session);
  });

  test('a Bearer session needs no key, and sessions saved before DPoP still load', () => {
    assert.deepEqual(parseSession(encodeSession(BEARER)), BEARER);
  });

  test('DPoP-bound tokens without their key are refused as a lost key, not loaded as Bearer tokens', async () => {
    const session = await dpopSession();
    assert.deepEqual(
      parseSession(
        entry((record) => {
          delete record['dpopKey'];
        }, session),
      ),
      { rejected: 'dpop-key' },
    );
  });

  test('a damaged key is refused as a lost key: wrong curve, missing or extra members, a d that does not give x and y', async () => {
    const session = await dpopSession();
    const other = await createDpopKey();
    const rsa = await exportJWK((await generateKeyPair('RS256', { extractable: true })).privateKey);
    const p384 = await exportJWK((await generateKeyPair('ES384', { extractable: true })).privateKey);
    const damaged: Record<string, unknown> = {
      'another key’s d': { ...session.dpopKey, d: other.d },
      'another key’s x': { ...session.dpopKey, x: other.x },
      'a P-384 key': p384,
      'an RSA key': rsa,
      'no d (a public key)': { ...session.dpopKey, d: undefined },
      'an extra member': { ...session.dpopKey, alg: 'ES256' },
      'a short d': { ...session.dpopKey, d: session.dpopKey.d.slice(1) },
      'd of zero': { ...session.dpopKey, d: Buffer.alloc(32).toString('base64url') },
      'a string': 'not a key',
      'an array': [session.dpopKey],
      null: null,
    };
    for (const [what, key] of Object.entries(damaged)) {
      assert.equal(isDpopPrivateJwk(JSON.parse(JSON.stringify(key)) as unknown), false, what);
      assert.deepEqual(
        parseSession(entry((record) => void (record['dpopKey'] = key), session)),
        { rejected: 'dpop-key' },
        what,
      );
    }
  });

  test('an unknown token type is not a session this app wrote', async () => {
    const session = await dpopSession();
    for (const tokenType of ['Bearer', 'dpop', 'MAC', 1]) {
      const payload = entry(
        (record) => void ((record['tokens'] as Record<string, unknown>)['tokenType'] = tokenType),
        session,
      );
      assert.deepEqual(parseSession(payload), { rejected: 'invalid' }, String(tokenType));
    }
  });
});
