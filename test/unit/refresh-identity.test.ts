import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UnsecuredJWT, type JWTPayload } from 'jose';
import { changedIdentityClaims, type OriginalIdentity } from '../../src/main/auth/oidc/refresh-identity.js';

const ISSUER = 'https://tenant.example.com/';
const SUB = 'auth0|person-a';

/** The claims of the sign-in's ID token; the stored token is only decoded (it was verified on receipt). */
const ORIGINAL: JWTPayload = {
  iss: ISSUER,
  sub: SUB,
  aud: 'desktop-login',
  azp: 'desktop-login',
  auth_time: 1_700_000_000,
  nonce: 'n-0S6_WzA2Mj',
  iat: 1_700_000_000,
  exp: 1_700_003_600,
};

function stored(claims: JWTPayload = ORIGINAL, sub = SUB): OriginalIdentity {
  return { idToken: new UnsecuredJWT(claims).encode(), sub };
}

/** A refreshed ID token's claims: the original's, issued later, with `changes`. */
function refreshed(changes: Record<string, unknown> = {}): Record<string, unknown> {
  const claims: Record<string, unknown> = { ...ORIGINAL, iat: 1_700_007_200, exp: 1_700_010_800, ...changes };
  for (const [name, value] of Object.entries(changes)) if (value === undefined) delete claims[name];
  return claims;
}

describe('a refresh keeps who is signed in (OIDC Core §12.2)', () => {
  test('the same person, issuer, audience, authentication time and nonce: nothing changed', () => {
    assert.deepEqual(changedIdentityClaims(stored(), refreshed()), []);
  });

  test('no ID token in the refresh response is allowed', () => {
    assert.deepEqual(changedIdentityClaims(stored(), undefined), []);
  });

  test('another subject is a change, against the stored ID token and against the profile', () => {
    assert.deepEqual(changedIdentityClaims(stored(), refreshed({ sub: 'auth0|person-b' })), ['sub']);
    // The stored ID token and the profile must agree with the answer; the profile comes from the sign-in.
    assert.deepEqual(changedIdentityClaims(stored(ORIGINAL, 'auth0|person-b'), refreshed()), ['sub']);
  });

  test('another issuer or audience is a change; the same audience as a string or a one-element array is not', () => {
    assert.deepEqual(changedIdentityClaims(stored(), refreshed({ iss: 'https://impostor.example.com/' })), ['iss']);
    assert.deepEqual(changedIdentityClaims(stored(), refreshed({ aud: 'another-app' })), ['aud']);
    assert.deepEqual(changedIdentityClaims(stored(), refreshed({ aud: ['desktop-login', 'another-app'] })), ['aud']);
    assert.deepEqual(changedIdentityClaims(stored(), refreshed({ aud: ['desktop-login'] })), []);
    assert.deepEqual(changedIdentityClaims(stored(), refreshed({ azp: 'another-app' })), ['azp']);
  });

  test('auth_time must stay the original authentication time when the refreshed token has one', () => {
    assert.deepEqual(changedIdentityClaims(stored(), refreshed({ auth_time: 1_700_007_200 })), ['auth_time']);
    assert.deepEqual(changedIdentityClaims(stored(), refreshed({ auth_time: undefined })), []);
  });

  test('a nonce, if present, must be the original one', () => {
    assert.deepEqual(changedIdentityClaims(stored(), refreshed({ nonce: 'another-nonce' })), ['nonce']);
    assert.deepEqual(changedIdentityClaims(stored(), refreshed({ nonce: undefined })), []);
    const withoutNonce = { ...ORIGINAL };
    delete withoutNonce.nonce;
    assert.deepEqual(changedIdentityClaims(stored(withoutNonce), refreshed({ nonce: 'a-new-nonce' })), ['nonce']);
  });

  test('several changes are all named', () => {
    assert.deepEqual(changedIdentityClaims(stored(), refreshed({ sub: 'auth0|person-b', auth_time: 1, nonce: 'x' })), [
      'sub',
      'auth_time',
      'nonce',
    ]);
  });

  test('without a readable stored ID token the profile subject still decides', () => {
    for (const idToken of [undefined, 'not-a-jwt']) {
      assert.deepEqual(changedIdentityClaims({ idToken, sub: SUB }, refreshed()), []);
      assert.deepEqual(changedIdentityClaims({ idToken, sub: SUB }, refreshed({ sub: 'auth0|person-b' })), ['sub']);
    }
  });
});
