import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { JWK, JSONWebKeySet } from 'jose';
import type { KoaMiddleware } from 'oidc-provider';

/**
 * What the local provider can sign ID tokens with: Auth0's choices (Advanced Settings > OAuth >
 * JsonWebToken Signature Algorithm: RS256, PS256, HS256) and other providers' (RS384/512,
 * PS384/512, ES256/384/512, EdDSA).
 */
export const IDP_ID_TOKEN_ALGS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'HS256',
] as const;

/** One algorithm the local provider can sign ID tokens with. */
export type IdpIdTokenAlg = (typeof IDP_ID_TOKEN_ALGS)[number];

/** An algorithm a private JWK here signs with. */
export type SigningKeyAlg = Exclude<IdpIdTokenAlg, 'HS256'>;

const EC_CURVES: Readonly<Record<string, string>> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };

/** True for an algorithm generateSigningKey makes keys for. */
export function isSigningKeyAlg(value: unknown): value is SigningKeyAlg {
  return value !== 'HS256' && (IDP_ID_TOKEN_ALGS as readonly unknown[]).includes(value);
}

/** Generates a private signing key for `alg` (default RS256) with a unique kid; it lives in memory only. */
export async function generateSigningKey(alg: SigningKeyAlg = 'RS256'): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg === 'EdDSA' ? 'Ed25519' : alg, {
    modulusLength: 2048,
    extractable: true,
  });
  const jwk = await exportJWK(privateKey);
  // The thumbprint is unique per key, so a restarted provider never reuses a kid.
  const kid = await calculateJwkThumbprint(jwk);
  return { ...jwk, kid, alg, use: 'sig' };
}

/**
 * The keys a provider starts with when ID tokens are signed with `idTokenAlg`. RS256: one RSA
 * key labelled RS256. The other RSA algorithms and HS256 (whose ID tokens are keyed with the
 * client secret): one unlabelled RSA key, as an Auth0 tenant has one key for RS256 and PS256
 * alike (its JWKS still says RS256, see labelRsaKeysAsAuth0). EC and EdDSA: that key first, then
 * an RSA key for the demo API's RS256 access tokens.
 */
export async function generateProviderKeys(idTokenAlg: IdpIdTokenAlg): Promise<JWK[]> {
  if (idTokenAlg === 'RS256') return [await generateSigningKey()];
  if (idTokenAlg === 'HS256' || /^(?:RS|PS)/.test(idTokenAlg)) {
    const { alg: _label, ...unlabelled } = await generateSigningKey();
    return [unlabelled];
  }
  return [await generateSigningKey(idTokenAlg), await generateSigningKey()];
}

const PUBLIC_MEMBERS = ['kty', 'kid', 'alg', 'use', 'n', 'e', 'crv', 'x', 'y'] as const;

/** The public half of private JWKs (RSA, EC, OKP), as a JWKS would publish them. */
export function toPublicJwks(keys: readonly JWK[]): JSONWebKeySet {
  return {
    keys: keys.map((key) => {
      const copy: JWK = {};
      for (const member of PUBLIC_MEMBERS) {
        const value = key[member];
        if (value !== undefined) copy[member] = value;
      }
      return copy;
    }),
  };
}

/** True when `key` can sign `alg`: the right key type and curve, and no label naming another algorithm. */
export function canSign(key: JWK, alg: string): boolean {
  if (key.alg !== undefined && key.alg !== alg) return false;
  if (/^(?:RS|PS)(?:256|384|512)$/.test(alg)) return key.kty === 'RSA';
  if (alg in EC_CURVES) return key.kty === 'EC' && key.crv === EC_CURVES[alg];
  if (alg === 'EdDSA' || alg === 'Ed25519') return key.kty === 'OKP' && key.crv === 'Ed25519';
  return false;
}

/**
 * Throws unless every key is a private key with a kid (the fault injector re-signs with them),
 * some key signs the demo API's RS256 access tokens, and some key signs `idTokenAlg` ID tokens
 * (HS256 needs none: it is keyed with the client secret).
 */
export function assertUsableKeys(keys: readonly JWK[], idTokenAlg: IdpIdTokenAlg = 'RS256'): void {
  if (keys.length === 0) throw new TypeError('keys must contain at least one private JWK');
  const kids = new Set<string>();
  for (const key of keys) {
    if (!['RSA', 'EC', 'OKP'].includes(key.kty ?? '') || typeof key.d !== 'string') {
      throw new TypeError('keys must be private RSA, EC or OKP JWKs');
    }
    if (typeof key.kid !== 'string' || key.kid === '') throw new TypeError('every key needs a kid');
    if (key.alg !== undefined && !canSign(key, key.alg)) throw new TypeError(`key ${key.kid} cannot sign ${key.alg}`);
    if (kids.has(key.kid)) throw new TypeError(`duplicate kid ${key.kid}`);
    kids.add(key.kid);
  }
  if (!keys.some((key) => canSign(key, 'RS256'))) {
    throw new TypeError('keys need an RSA key that can sign RS256, for the demo API access tokens');
  }
  if (idTokenAlg !== 'HS256' && !keys.some((key) => canSign(key, idTokenAlg))) {
    throw new TypeError(`keys have none that can sign ${idTokenAlg} ID tokens`);
  }
}

/**
 * Publishes an unlabelled RSA key as "RS256", as an Auth0 tenant's JWKS does although the same
 * key signs PS256 ID tokens for an application set to PS256. Labelled keys stay as they are.
 */
export function labelRsaKeysAsAuth0(jwksPath: string): KoaMiddleware {
  return async (ctx, next) => {
    await next();
    if (ctx.path !== jwksPath || ctx.status !== 200) return;
    const body = ctx.body as { keys?: unknown } | null | undefined;
    if (typeof body !== 'object' || body === null || !Array.isArray(body.keys)) return;
    const type = ctx.type;
    ctx.body = {
      keys: body.keys.map((key: JWK) => (key.kty === 'RSA' && key.alg === undefined ? { ...key, alg: 'RS256' } : key)),
    };
    ctx.type = type;
  };
}
