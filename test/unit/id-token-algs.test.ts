import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, decodeProtectedHeader, exportJWK, generateKeyPair, type JWK } from 'jose';
import * as client from 'openid-client';
import { AuthError } from '../../src/main/auth/auth-error.js';
import { DEMO_ISSUER_VARIABLE, loadConfig, type AuthEnv } from '../../src/main/auth/config/config.js';
import { ID_TOKEN_ALGS, acceptedIdTokenAlgs, shownAlg } from '../../src/main/auth/oidc/id-token-algs.js';
import { createDiscoveryCache } from '../../src/main/auth/oidc/oidc-discovery.js';
import { mapProviderError } from '../../src/main/auth/oidc/provider-errors.js';

const ISSUER = 'http://127.0.0.1:4999/';
const TENANT: AuthEnv = { [DEMO_ISSUER_VARIABLE]: ISSUER };
const ACCEPTED_NAMES = ID_TOKEN_ALGS.join(', ');

function configError(env: AuthEnv): string {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof AuthError, 'expected an AuthError');
    assert.equal(error.code, 'config_invalid');
    return error.message;
  }
  assert.fail('loadConfig accepted an invalid configuration');
}

describe('AUTH0_ID_TOKEN_ALG', () => {
  test('unset, nothing is pinned', () => {
    assert.equal(loadConfig(TENANT).idTokenAlg, undefined);
    assert.equal('idTokenAlg' in loadConfig(TENANT), false);
  });

  test('pins each asymmetric algorithm, written in any case', () => {
    for (const alg of ID_TOKEN_ALGS) {
      assert.equal(loadConfig({ ...TENANT, AUTH0_ID_TOKEN_ALG: alg }).idTokenAlg, alg);
    }
    assert.equal(loadConfig({ ...TENANT, AUTH0_ID_TOKEN_ALG: ' es256 ' }).idTokenAlg, 'ES256');
    assert.equal(loadConfig({ ...TENANT, AUTH0_ID_TOKEN_ALG: 'eddsa' }).idTokenAlg, 'EdDSA');
  });

  test('HS256 is refused: no client secret to verify it with; the message names the dashboard setting and every accepted name', () => {
    for (const value of ['HS256', 'hs512']) {
      const message = configError({ ...TENANT, AUTH0_ID_TOKEN_ALG: value });
      assert.match(message, /AUTH0_ID_TOKEN_ALG is HS(256|512), a shared-secret algorithm a desktop app cannot verify/);
      assert.ok(message.includes(`Use one of ${ACCEPTED_NAMES}`), message);
      assert.match(message, /Advanced Settings > OAuth > JsonWebToken Signature Algorithm/);
    }
  });

  test('none and unknown names are refused, listing the accepted names', () => {
    assert.match(configError({ ...TENANT, AUTH0_ID_TOKEN_ALG: 'none' }), /cannot be none: the app accepts only signed/);
    const unknown = configError({ ...TENANT, AUTH0_ID_TOKEN_ALG: 'RSA256' });
    assert.match(unknown, /AUTH0_ID_TOKEN_ALG "RSA256" is not an algorithm the app verifies ID tokens with/);
    assert.ok(unknown.includes(`Use one of ${ACCEPTED_NAMES}, or leave it unset`), unknown);
    // Registered, but not one openid-client verifies.
    assert.match(configError({ ...TENANT, AUTH0_ID_TOKEN_ALG: 'ES256K' }), /"ES256K" is not an algorithm/);
  });
});

describe('acceptedIdTokenAlgs', () => {
  test("an Auth0 tenant's list loses HS256", () => {
    assert.deepEqual(acceptedIdTokenAlgs(['HS256', 'RS256', 'PS256']), ['RS256', 'PS256']);
  });

  test('other providers keep their asymmetric algorithms; none, HS*, repeats and junk are dropped', () => {
    assert.deepEqual(acceptedIdTokenAlgs(['ES256']), ['ES256']);
    assert.deepEqual(acceptedIdTokenAlgs(['none', 'RS256', 'RS256', 42, 'HS512', 'EdDSA']), ['RS256', 'EdDSA']);
  });

  test('with no asymmetric algorithm listed, RS256 (the OIDC default)', () => {
    for (const advertised of [undefined, [], ['HS256'], ['none'], 'RS512', null]) {
      assert.deepEqual(acceptedIdTokenAlgs(advertised), ['RS256'], JSON.stringify(advertised));
    }
  });

  test('a pinned algorithm is the only one, whatever discovery says', () => {
    assert.deepEqual(acceptedIdTokenAlgs(['HS256', 'RS256', 'PS256'], 'ES256'), ['ES256']);
  });
});

describe('shownAlg: only registered names cross IPC', () => {
  test('registered names as they are, anything else as a phrase', () => {
    for (const name of ['RS256', 'HS256', 'none', 'ES256K', 'EdDSA']) assert.equal(shownAlg(name), name);
    for (const value of ['rs256', 'RS256 ', 'eyJhbGciOiJIUzI1NiJ9abcdefghijk', '', 7, undefined]) {
      assert.equal(shownAlg(value), 'an unrecognised algorithm', String(value));
    }
  });
});

// The ID token checks themselves, by openid-client against a tenant answered from memory: the
// same configuration the app builds from discovery, the same error mapping.

const NONCE = 'nonce-for-this-sign-in';
const CLIENT_ID = 'desktop-login-demo';

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

interface Key {
  readonly privateKey: PrivateKey;
  readonly publicJwk: JWK;
}

async function key(alg: 'PS256' | 'ES256' | 'ES384', kid: string, label?: string): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, use: 'sig', alg: label ?? alg } };
}

function sign(alg: string, kid: string | undefined, secret: PrivateKey | Uint8Array): Promise<string> {
  return new SignJWT({ nonce: NONCE })
    .setProtectedHeader({ alg, ...(kid !== undefined ? { kid } : {}) })
    .setIssuer(ISSUER)
    .setAudience(CLIENT_ID)
    .setSubject('auth0|someone')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(secret);
}

/** A token with this header `alg` and a made-up signature (refused before any signature check). */
function headedWith(alg: string, signature = ''): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${part({ alg })}.${part({ iss: ISSUER, aud: CLIENT_ID, sub: 'auth0|someone', nonce: NONCE, iat: now, exp: now + 300 })}.${signature}`;
}

/** A tenant's discovery, JWKS and token endpoint, answered from memory. */
function tenant(advertised: unknown, keys: readonly JWK[], idToken: string): typeof fetch {
  const json = (body: unknown, type = 'application/json'): Response =>
    new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': type } });
  return (input) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    switch (url.pathname) {
      case '/.well-known/openid-configuration':
        return Promise.resolve(
          json({
            issuer: ISSUER,
            authorization_endpoint: `${ISSUER}authorize`,
            token_endpoint: `${ISSUER}oauth/token`,
            jwks_uri: `${ISSUER}.well-known/jwks.json`,
            ...(advertised !== undefined ? { id_token_signing_alg_values_supported: advertised } : {}),
          }),
        );
      case '/.well-known/jwks.json':
        return Promise.resolve(json({ keys }, 'application/jwk-set+json'));
      case '/oauth/token':
        return Promise.resolve(
          json({ access_token: 'opaque', token_type: 'Bearer', expires_in: 600, id_token: idToken }),
        );
      default:
        return Promise.resolve(new Response(null, { status: 404 }));
    }
  };
}

/** The app's code exchange against `fetch`: the ID token's alg when accepted, else the mapped error. */
async function exchange(fetchImpl: typeof fetch, env: AuthEnv = {}): Promise<{ alg?: string; error?: AuthError }> {
  const configuration = await createDiscoveryCache(loadConfig({ ...TENANT, ...env }), { fetch: fetchImpl }).get();
  try {
    const tokens = await client.authorizationCodeGrant(
      configuration,
      new URL('http://127.0.0.1:28460/callback?code=the-code&state=the-state'),
      { pkceCodeVerifier: client.randomPKCECodeVerifier(), expectedState: 'the-state', expectedNonce: NONCE },
    );
    assert.ok(tokens.id_token);
    return { alg: decodeProtectedHeader(tokens.id_token).alg ?? 'missing' };
  } catch (error) {
    return { error: mapProviderError(error, 'token') };
  }
}

const AUTH0_ALGS = ['HS256', 'RS256', 'PS256'];

describe('which ID tokens the app accepts (openid-client, as the app configures it)', () => {
  test('a PS256 token from Auth0, whose JWKS labels the same RSA key RS256, is accepted', async () => {
    const rsa = await key('PS256', 'tenant-key', 'RS256');
    assert.deepEqual(
      await exchange(tenant(AUTH0_ALGS, [rsa.publicJwk], await sign('PS256', 'tenant-key', rsa.privateKey))),
      {
        alg: 'PS256',
      },
    );
  });

  test('the unlabelled RSA key still has to verify the signature: a stranger key with its kid is refused', async () => {
    const rsa = await key('PS256', 'tenant-key', 'RS256');
    const stranger = await key('PS256', 'tenant-key');
    const { error } = await exchange(
      tenant(AUTH0_ALGS, [rsa.publicJwk], await sign('PS256', 'tenant-key', stranger.privateKey)),
    );
    assert.equal(error?.code, 'id_token_invalid');
    assert.match(error?.message ?? '', /could not be verified/);
  });

  test('ES256, advertised by the provider, is accepted', async () => {
    const ec = await key('ES256', 'ec-key');
    assert.deepEqual(await exchange(tenant(['ES256'], [ec.publicJwk], await sign('ES256', 'ec-key', ec.privateKey))), {
      alg: 'ES256',
    });
  });

  test('HS256 is refused though Auth0 advertises it, and the message names the dashboard setting', async () => {
    const rsa = await key('PS256', 'tenant-key', 'RS256');
    const { error } = await exchange(
      tenant(AUTH0_ALGS, [rsa.publicJwk], await sign('HS256', undefined, new Uint8Array(32))),
    );
    assert.equal(error?.code, 'id_token_invalid');
    assert.equal(
      error?.message,
      'The sign-in response was signed with HS256, a shared-secret algorithm that a desktop app cannot verify (it has no client secret), so the app did not trust it and saved nothing. ' +
        'In Auth0 dashboard > Applications > Applications > (your app) > Settings > Advanced Settings > OAuth > JsonWebToken Signature Algorithm, choose RS256 (or PS256), save, and sign in again.',
    );
  });

  test('an unsigned token (alg none) is refused even where discovery lists none', async () => {
    const rsa = await key('PS256', 'tenant-key', 'RS256');
    const { error } = await exchange(tenant(['none', 'RS256'], [rsa.publicJwk], headedWith('none')));
    assert.equal(error?.code, 'id_token_invalid');
    assert.match(error?.message ?? '', /was not signed at all \(alg none\)/);
  });

  test('an algorithm the app does not verify is named only when registered; other text never reaches the message', async () => {
    const rsa = await key('PS256', 'tenant-key', 'RS256');
    const ed448 = await exchange(tenant(['Ed448', 'RS256'], [rsa.publicJwk], headedWith('Ed448', 'c2lnbmF0dXJl')));
    assert.equal(ed448.error?.code, 'id_token_invalid');
    assert.match(
      ed448.error?.message ?? '',
      /^The sign-in response was signed with Ed448, which the app does not support \(it accepts RS256\)/,
    );
    const planted = 'eyJyZWZyZXNoX3Rva2VuIjoic2VjcmV0In0';
    const odd = await exchange(tenant(AUTH0_ALGS, [rsa.publicJwk], headedWith(planted, 'c2lnbmF0dXJl')));
    assert.match(odd.error?.message ?? '', /was signed with an unrecognised algorithm, which the app does not support/);
    assert.ok(!odd.error?.message.includes(planted));
  });

  test('AUTH0_ID_TOKEN_ALG=RS256 refuses an ES256 token the provider advertises, saying which came and which is allowed', async () => {
    const ec = await key('ES256', 'ec-key');
    const { error } = await exchange(
      tenant(['ES256', 'RS256'], [ec.publicJwk], await sign('ES256', 'ec-key', ec.privateKey)),
      {
        AUTH0_ID_TOKEN_ALG: 'RS256',
      },
    );
    assert.equal(error?.code, 'id_token_invalid');
    assert.match(
      error?.message ?? '',
      /^The sign-in response was signed with ES256, but AUTH0_ID_TOKEN_ALG allows only RS256,/,
    );
  });

  test('an algorithm the provider does not advertise is refused, with the pin that would accept it', async () => {
    const ec = await key('ES384', 'ec-key');
    const { error } = await exchange(tenant(AUTH0_ALGS, [ec.publicJwk], await sign('ES384', 'ec-key', ec.privateKey)));
    assert.equal(error?.code, 'id_token_invalid');
    assert.match(
      error?.message ?? '',
      /signed with ES384, which the identity provider does not list .* \(the app accepts RS256, PS256\)/,
    );
    assert.match(error?.message ?? '', /set AUTH0_ID_TOKEN_ALG=ES384/);
    // ...which then works.
    assert.deepEqual(
      await exchange(tenant(AUTH0_ALGS, [ec.publicJwk], await sign('ES384', 'ec-key', ec.privateKey)), {
        AUTH0_ID_TOKEN_ALG: 'ES384',
      }),
      { alg: 'ES384' },
    );
  });
});
