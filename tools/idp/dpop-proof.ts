import { createHash } from 'node:crypto';
import { EmbeddedJWK, calculateJwkThumbprint, decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import type { JWK } from 'jose';

/**
 * The proof algorithms the provider advertises and the demo API accepts: asymmetric only, as
 * RFC 9449 §4.2 requires. Ed25519 is EdDSA's fully specified name (RFC 9864), which
 * oauth4webapi's DPoP handle writes for Ed25519 keys.
 */
export const DPOP_SIGNING_ALGS: readonly string[] = ['ES256', 'Ed25519', 'EdDSA', 'PS256', 'RS256'];

/** How far a proof's `iat` may be from the server's clock, either way. */
export const DPOP_IAT_WINDOW_SECONDS = 60;

/** Why a proof is refused, as RFC 9449 §7.1 and §9 name it. */
export class DpopProofError extends Error {
  constructor(
    readonly code: 'invalid_dpop_proof' | 'use_dpop_nonce',
    message: string,
  ) {
    super(message);
    this.name = 'DpopProofError';
  }
}

/** What the proof must state about the request it came with (RFC 9449 §4.3). */
export interface ProofExpectations {
  readonly method: string;
  /** The URL the client addressed, without query and fragment. */
  readonly url: string;
  /** The access token the proof must name in `ath`. */
  readonly accessToken: string;
  readonly now: number;
}

/** A proof whose signature, header and claims passed; nonce and replay are for the caller to judge. */
export interface CheckedProof {
  /** The RFC 7638 thumbprint of the proof's key, to compare with the token's `cnf.jkt`. */
  readonly jkt: string;
  readonly jti: string;
  readonly iat: number;
  readonly nonce: string | undefined;
}

const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const MAX_JTI_LENGTH = 256;

/** Checks a DPoP proof JWT against the request; throws DpopProofError saying what is wrong, never echoing the proof. */
export async function checkDpopProof(proof: string, expected: ProofExpectations): Promise<CheckedProof> {
  const jwk = embeddedPublicJwk(proof);
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(proof, EmbeddedJWK, {
      typ: 'dpop+jwt',
      algorithms: [...DPOP_SIGNING_ALGS],
      currentDate: new Date(expected.now * 1000),
    }));
  } catch (error) {
    throw new DpopProofError('invalid_dpop_proof', describeJoseError(error));
  }
  const { iat, jti, htm, htu, ath, nonce } = payload;
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw invalid('The DPoP proof has no numeric "iat" claim.');
  if (Math.abs(expected.now - iat) > DPOP_IAT_WINDOW_SECONDS)
    throw invalid('The DPoP proof "iat" is too far from the current time.');
  if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH)
    throw invalid('The DPoP proof has no usable "jti" claim.');
  if (htm !== expected.method) throw invalid('The DPoP proof "htm" does not match the request method.');
  if (typeof htu !== 'string' || !sameUrl(htu, expected.url))
    throw invalid('The DPoP proof "htu" does not match the request URL.');
  if (ath !== accessTokenHash(expected.accessToken))
    throw invalid('The DPoP proof "ath" does not match the access token.');
  if (nonce !== undefined && typeof nonce !== 'string') throw invalid('The DPoP proof "nonce" must be a string.');
  return { jkt: await calculateJwkThumbprint(jwk), jti, iat, nonce };
}

/** `ath`: base64url of the SHA-256 of the access token (RFC 9449 §4.2). */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken).digest('base64url');
}

/** The header's `jwk`, refused with a clear reason when it carries private key members (RFC 9449 §4.3 item 7). */
function embeddedPublicJwk(proof: string): JWK {
  let jwk: unknown;
  try {
    jwk = decodeProtectedHeader(proof).jwk;
  } catch {
    throw invalid('The DPoP proof is not a JWT.');
  }
  if (typeof jwk !== 'object' || jwk === null) throw invalid('The DPoP proof header has no "jwk".');
  if (PRIVATE_JWK_MEMBERS.some((member) => member in jwk))
    throw invalid('The DPoP proof "jwk" must be a public key; it carries private key material.');
  return jwk;
}

/** RFC 9449 §4.3 item 9: compared without query and fragment, after URL normalisation. */
function sameUrl(htu: string, expected: string): boolean {
  const actual = URL.parse(htu);
  if (actual === null) return false;
  actual.search = '';
  actual.hash = '';
  return actual.href === new URL(expected).href;
}

function invalid(message: string): DpopProofError {
  return new DpopProofError('invalid_dpop_proof', message);
}

function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JOSEAlgNotAllowed || error instanceof joseErrors.JOSENotSupported)
    return `The DPoP proof must be signed with one of: ${DPOP_SIGNING_ALGS.join(', ')}.`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'The DPoP proof signature is invalid.';
  if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === 'typ')
    return 'The DPoP proof "typ" header must be dpop+jwt.';
  if (error instanceof joseErrors.JWTExpired) return 'The DPoP proof has expired.';
  return 'The DPoP proof is malformed.';
}
