import { randomBytes, randomUUID } from 'node:crypto';
import { SignJWT, base64url, decodeJwt, decodeProtectedHeader, importJWK } from 'jose';
import type { JWK, JWTPayload, ProtectedHeaderParameters } from 'jose';
import { canSign, generateSigningKey, isSigningKeyAlg } from './signing-keys.js';

/**
 * The one defect a tampered ID token carries. `other-sub` is validly signed with the provider's
 * key: set after a sign-in, the refreshed ID token names another person (OIDC Core §12.2).
 * `wrong-org-id` and `wrong-org-name` are validly signed too and name an organization other than
 * the one the app asked for (Auth0: the app must compare org_id, or org_name, with its request).
 */
export type IdTokenDefect =
  | 'wrong-iss'
  | 'wrong-aud'
  | 'wrong-nonce'
  | 'expired'
  | 'unknown-key'
  | 'alg-none'
  | 'hs256'
  | 'other-sub'
  | 'wrong-org-id'
  | 'wrong-org-name';

type SigningKey = Awaited<ReturnType<typeof importJWK>>;
type KeyFinder = (kid: unknown, alg: string) => Promise<SigningKey>;

/** How one ID token is to be re-signed. */
export interface Resigning {
  readonly defect: IdTokenDefect | null;
  readonly skewSeconds: number;
  readonly authTime: number | null;
}

/**
 * Re-signs ID tokens from their decoded claims, adding exactly one defect (and any clock skew or
 * auth_time), with the algorithm and key the provider used: the header's `alg` and `kid`, or the
 * client secret for HS256.
 */
export function createResigner(
  signingKeys: readonly JWK[],
  hmacSecret: string | undefined,
): (idToken: string, resigning: Resigning) => Promise<string> {
  const keyFor = createKeyFinder(signingKeys, hmacSecret);
  return async (idToken, resigning) => {
    const header = decodeProtectedHeader(idToken);
    const claims = alteredClaims({ ...decodeJwt(idToken) }, resigning);
    return await sign(header, claims, resigning.defect, keyFor);
  };
}

/** The provider's key for a header's `kid` and `alg`, each imported once. */
function createKeyFinder(signingKeys: readonly JWK[], hmacSecret: string | undefined): KeyFinder {
  const imported = new Map<string, Promise<SigningKey>>();
  return (kid, alg) => {
    if (alg.startsWith('HS')) {
      return hmacSecret === undefined
        ? Promise.reject(new Error('no client secret to re-sign an HS256 ID token with'))
        : Promise.resolve(new TextEncoder().encode(hmacSecret));
    }
    const jwk =
      signingKeys.find((key) => key.kid === kid && canSign(key, alg)) ?? signingKeys.find((key) => canSign(key, alg));
    if (!jwk?.kid) return Promise.reject(new Error(`no ${alg} signing key to re-sign with`));
    const cacheKey = `${jwk.kid} ${alg}`;
    let key = imported.get(cacheKey);
    if (!key) {
      key = importJWK(jwk, alg);
      imported.set(cacheKey, key);
    }
    return key;
  };
}

/** `claims` with the clock skew, auth_time and any claim defect applied. */
function alteredClaims(claims: JWTPayload, { defect, skewSeconds, authTime }: Resigning): JWTPayload {
  if (skewSeconds !== 0) {
    if (typeof claims.iat === 'number') claims.iat += skewSeconds;
    if (typeof claims.exp === 'number') claims.exp += skewSeconds;
  }
  if (authTime !== null) claims.auth_time = authTime;

  const now = Math.floor(Date.now() / 1000);
  switch (defect) {
    case 'wrong-iss':
      claims.iss = 'https://impostor.example.com/';
      break;
    case 'wrong-aud':
      claims.aud = 'some-other-client';
      break;
    case 'wrong-nonce':
      claims.nonce = base64url.encode(randomBytes(16));
      break;
    case 'expired':
      claims.iat = now - 2 * 3600;
      claims.exp = now - 3600;
      break;
    case 'other-sub':
      claims.sub = 'auth0|someone-else';
      break;
    case 'wrong-org-id':
      claims.org_id = `org_${randomBytes(8).toString('hex')}`;
      break;
    case 'wrong-org-name':
      claims.org_name = 'some-other-organization';
      break;
    default:
      break;
  }
  return claims;
}

/** Signs `claims` as the provider did, unless the defect is in the signature itself. */
async function sign(
  header: ProtectedHeaderParameters,
  claims: JWTPayload,
  defect: IdTokenDefect | null,
  keyFor: KeyFinder,
): Promise<string> {
  const { kid } = header;
  const alg = header.alg ?? 'RS256';
  const otherHeader: Record<string, unknown> = { ...header };
  delete otherHeader.alg;
  delete otherHeader.kid;
  switch (defect) {
    case 'alg-none':
      // jose refuses to produce unsecured JWTs, so this one is assembled by hand.
      return `${base64url.encode(JSON.stringify({ ...otherHeader, alg: 'none' }))}.${base64url.encode(JSON.stringify(claims))}.`;
    case 'hs256':
      return new SignJWT(claims).setProtectedHeader({ ...otherHeader, alg: 'HS256', kid }).sign(randomBytes(32));
    case 'unknown-key': {
      // A key of the same kind as the provider's, under a kid the JWKS does not have.
      const strangerAlg = isSigningKeyAlg(alg) ? alg : 'RS256';
      const stranger = await generateSigningKey(strangerAlg);
      const strangerKid = stranger.kid ?? randomUUID();
      return new SignJWT(claims)
        .setProtectedHeader({ ...otherHeader, alg: strangerAlg, kid: strangerKid })
        .sign(await importJWK(stranger, strangerAlg));
    }
    default:
      return new SignJWT(claims)
        .setProtectedHeader({ ...otherHeader, alg, ...(kid !== undefined ? { kid } : {}) })
        .sign(await keyFor(kid, alg));
  }
}
