import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { profileFromClaims, profileNeedsUserinfo } from '../../src/main/auth/oidc/profile.js';

describe('profileFromClaims', () => {
  test('maps Auth0 ID token claims', () => {
    const profile = profileFromClaims({
      sub: 'auth0|123',
      name: 'Ada Lovelace',
      nickname: 'ada',
      email: 'ada@example.com',
      email_verified: true,
      picture: 'https://s.gravatar.com/avatar/x.png',
      updated_at: '2024-05-01T10:00:00.000Z',
      aud: 'client',
      nonce: 'secret-nonce',
    });
    assert.deepEqual(profile, {
      sub: 'auth0|123',
      name: 'Ada Lovelace',
      nickname: 'ada',
      email: 'ada@example.com',
      emailVerified: true,
      picture: 'https://s.gravatar.com/avatar/x.png',
      updatedAt: '2024-05-01T10:00:00.000Z',
    });
  });

  test('a numeric updated_at (seconds) becomes an ISO date', () => {
    assert.equal(profileFromClaims({ sub: 's', updated_at: 1714557600 }).updatedAt, '2024-05-01T10:00:00.000Z');
    assert.equal(profileFromClaims({ sub: 's', updated_at: Number.NaN }).updatedAt, undefined);
  });

  test('claims without a usable subject are refused', () => {
    for (const claims of [{}, { sub: '' }, { sub: 42 }, { sub: 'x'.repeat(256) }]) {
      assert.throws(() => profileFromClaims(claims), TypeError);
    }
  });

  test('malformed claims are dropped, not trusted', () => {
    const profile = profileFromClaims({
      sub: 's',
      name: 42,
      nickname: '',
      email: `${'a'.repeat(320)}@x`,
      email_verified: 'true',
      picture: 'http://insecure.example/p.png',
    });
    assert.deepEqual(profile, { sub: 's' });
  });

  test('only https pictures are kept', () => {
    for (const picture of ['javascript:alert(1)', 'file:///etc/passwd', 'data:image/png;base64,AA', 'not a url']) {
      assert.equal(profileFromClaims({ sub: 's', picture }).picture, undefined, picture);
    }
    assert.equal(profileFromClaims({ sub: 's', picture: `https://x.example/${'p'.repeat(3000)}` }).picture, undefined);
  });

  test('over-long names are dropped', () => {
    assert.equal(profileFromClaims({ sub: 's', name: 'n'.repeat(513) }).name, undefined);
    assert.equal(profileFromClaims({ sub: 's', name: 'n'.repeat(512) }).name, 'n'.repeat(512));
  });
});

describe('profileNeedsUserinfo', () => {
  test('true only without both name and email', () => {
    assert.equal(profileNeedsUserinfo({ sub: 's' }), true);
    assert.equal(profileNeedsUserinfo({ sub: 's', nickname: 'n' }), true);
    assert.equal(profileNeedsUserinfo({ sub: 's', name: 'n' }), false);
    assert.equal(profileNeedsUserinfo({ sub: 's', email: 'e@x' }), false);
  });
});
