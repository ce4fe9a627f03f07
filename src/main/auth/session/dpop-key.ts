import { createECDH, webcrypto } from 'node:crypto';
import * as client from 'openid-client';
import { AuthError } from '../auth-error.js';

/**
 * A DPoP private key as the keychain keeps it with the session: an EC P-256 JWK (RFC 7518 §6.2.2),
 * private part included. It lives in the main process and the keychain only: never logged, never on
 * disk, never sent to the renderer.
 */
export interface DpopPrivateJwk {
  readonly kty: 'EC';
  readonly crv: 'P-256';
  readonly x: string;
  readonly y: string;
  readonly d: string;
}

/** What the person is told when DPoP-bound tokens have lost their key: the tokens alone are useless. */
export const DPOP_KEY_LOST_MESSAGE =
  'Your session’s security key is missing from the keychain or damaged, so the session cannot be used. Please sign in again.';

/** The error that ends a DPoP-bound session without a usable key; it never falls back to Bearer. */
export function dpopKeyLost(cause?: unknown): AuthError {
  return new AuthError('session_expired', DPOP_KEY_LOST_MESSAGE, cause === undefined ? undefined : { cause });
}

const JWK_MEMBERS = ['crv', 'd', 'kty', 'x', 'y'];
/** 32 bytes in base64url without padding. */
const FIELD_ELEMENT = /^[A-Za-z0-9_-]{43}$/;
const P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/**
 * True for a P-256 private JWK with exactly the members the app writes, whose `x` and `y` are the
 * public point `d` gives: a damaged key is refused when the session is loaded, not at its first use.
 */
export function isDpopPrivateJwk(value: unknown): value is DpopPrivateJwk {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const jwk = value as Record<string, unknown>;
  if (Object.keys(jwk).sort().join() !== JWK_MEMBERS.join()) return false;
  if (jwk['kty'] !== 'EC' || jwk['crv'] !== 'P-256') return false;
  const [x, y, d] = [jwk['x'], jwk['y'], jwk['d']];
  if (![x, y, d].every((part) => typeof part === 'string' && FIELD_ELEMENT.test(part))) return false;
  try {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(Buffer.from(d as string, 'base64url'));
    // Uncompressed point: 0x04 || x || y (SEC 1 §2.3.3).
    const point = ecdh.getPublicKey();
    return (
      point.subarray(1, 33).equals(Buffer.from(x as string, 'base64url')) &&
      point.subarray(33).equals(Buffer.from(y as string, 'base64url'))
    );
  } catch {
    // setPrivateKey refuses a scalar outside the curve's order.
    return false;
  }
}

/** A new ES256 key for one sign-in, as the keychain will keep it. */
export async function createDpopKey(): Promise<DpopPrivateJwk> {
  // Extractable so that it can be kept with the session; the key that signs is imported from the JWK.
  const { privateKey } = await client.randomDPoPKeyPair('ES256', { extractable: true });
  const { x, y, d } = await webcrypto.subtle.exportKey('jwk', privateKey);
  const jwk = { kty: 'EC', crv: 'P-256', x, y, d };
  if (!isDpopPrivateJwk(jwk)) throw new AuthError('unexpected', 'A key for this session could not be made.');
  return jwk;
}

/** The key pair a DPoP handle signs with: the private key not extractable, the public one for the proof's `jwk`. */
export async function importDpopKey(jwk: DpopPrivateJwk): Promise<client.CryptoKeyPair> {
  const { kty, crv, x, y, d } = jwk;
  const [privateKey, publicKey] = await Promise.all([
    webcrypto.subtle.importKey('jwk', { kty, crv, x, y, d }, P256, false, ['sign']),
    webcrypto.subtle.importKey('jwk', { kty, crv, x, y }, P256, true, ['verify']),
  ]);
  return { privateKey, publicKey };
}
