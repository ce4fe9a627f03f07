import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, type JWK } from 'jose';

/** One request the app sent, as a proxy on the wire would see it, with the answer's status. */
export interface WireRequest {
  readonly method: string;
  readonly path: string;
  /** `Bearer`, `DPoP`, or undefined when the request had no Authorization header. */
  readonly scheme: string | undefined;
  /** The access token of the Authorization header. */
  readonly token: string | undefined;
  /** The DPoP proof header, when there was one. */
  readonly proof: string | undefined;
  readonly status: number;
  /** The OAuth `error` of a token endpoint answer, or the one in an API's WWW-Authenticate challenge. */
  readonly error: string | undefined;
}

/** A fetch that records every request and its answer; hand it to the app as `network.fetch`. */
export function recordingFetch(): { fetch: typeof fetch; readonly requests: WireRequest[] } {
  const requests: WireRequest[] = [];
  const recording: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const [scheme, token] = (request.headers.get('authorization') ?? '').split(' ');
    const response = await fetch(input, init);
    requests.push({
      method: request.method,
      path: url.pathname,
      scheme: scheme === '' ? undefined : scheme,
      token,
      proof: request.headers.get('dpop') ?? undefined,
      status: response.status,
      error: await errorOf(response),
    });
    return response;
  };
  return { fetch: recording, requests };
}

async function errorOf(response: Response): Promise<string | undefined> {
  const challenge = /error="([^"]+)"/.exec(response.headers.get('www-authenticate') ?? '')?.[1];
  if (challenge !== undefined || response.ok) return challenge;
  const body = (await response
    .clone()
    .json()
    .catch(() => ({}))) as { error?: unknown };
  return typeof body.error === 'string' ? body.error : undefined;
}

/** What a DPoP proof says: its key's thumbprint and the claims RFC 9449 §4.2 defines. */
export interface ProofClaims {
  readonly jkt: string;
  readonly htm: unknown;
  readonly htu: unknown;
  readonly ath: unknown;
  readonly nonce: unknown;
  readonly jti: unknown;
}

export async function readProof(proof: string): Promise<ProofClaims> {
  const header = decodeProtectedHeader(proof);
  assertTyp(header.typ);
  const claims = decodeJwt(proof);
  return {
    jkt: await calculateJwkThumbprint(header.jwk as JWK),
    htm: claims['htm'],
    htu: claims['htu'],
    ath: claims['ath'],
    nonce: claims['nonce'],
    jti: claims['jti'],
  };
}

function assertTyp(typ: unknown): void {
  if (typ !== 'dpop+jwt') throw new Error(`a DPoP proof has typ dpop+jwt, not ${String(typ)}`);
}

/** The `ath` of a proof for `accessToken` (RFC 9449 §4.2). */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken).digest('base64url');
}

/** The `cnf.jkt` a DPoP-bound JWT access token carries (RFC 9449 §6.1), or undefined. */
export function boundThumbprint(accessToken: string): string | undefined {
  const cnf = decodeJwt(accessToken)['cnf'];
  return typeof cnf === 'object' && cnf !== null && 'jkt' in cnf && typeof cnf.jkt === 'string' ? cnf.jkt : undefined;
}

/** The thumbprint of a stored key's public part. */
export function thumbprintOf(key: { kty: string; crv: string; x: string; y: string }): Promise<string> {
  return calculateJwkThumbprint({ kty: key.kty, crv: key.crv, x: key.x, y: key.y });
}
