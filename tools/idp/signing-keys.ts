import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { JWK, JSONWebKeySet } from 'jose';

/** Generates a private RS256 signing key with a unique kid; it lives in memory only. */
export async function generateSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const jwk = await exportJWK(privateKey);
  // The thumbprint is unique per key, so a restarted provider never reuses a kid.
  const kid = await calculateJwkThumbprint(jwk);
  return { ...jwk, kid, alg: 'RS256', use: 'sig' };
}

const PUBLIC_RSA_MEMBERS = ['kty', 'kid', 'alg', 'use', 'n', 'e'] as const;

/** The public half of private RSA JWKs, as a JWKS would publish them. */
export function toPublicJwks(keys: readonly JWK[]): JSONWebKeySet {
  return {
    keys: keys.map((key) => {
      const copy: JWK = {};
      for (const member of PUBLIC_RSA_MEMBERS) {
        const value = key[member];
        if (value !== undefined) copy[member] = value;
      }
      return copy;
    }),
  };
}

/** Throws unless every key is a private RSA key with a kid, which the fault injector needs to re-sign. */
export function assertUsableKeys(keys: readonly JWK[]): void {
  if (keys.length === 0) throw new TypeError('keys must contain at least one private RS256 JWK');
  const kids = new Set<string>();
  for (const key of keys) {
    if (key.kty !== 'RSA' || typeof key.d !== 'string') throw new TypeError('keys must be private RSA JWKs');
    if (typeof key.kid !== 'string' || key.kid === '') throw new TypeError('every key needs a kid');
    if (key.alg !== undefined && key.alg !== 'RS256') throw new TypeError(`key ${key.kid} is not for RS256`);
    if (kids.has(key.kid)) throw new TypeError(`duplicate kid ${key.kid}`);
    kids.add(key.kid);
  }
}
