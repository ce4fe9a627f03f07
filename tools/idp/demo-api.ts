import { createLocalJWKSet, errors as joseErrors, jwtVerify } from 'jose';
import type { JSONWebKeySet, JWTPayload } from 'jose';
import type { KoaContext, KoaMiddleware } from 'oidc-provider';
import type { DpopNonces } from './dpop-nonces.js';
import { DPOP_IAT_WINDOW_SECONDS, DPOP_SIGNING_ALGS, DpopProofError, checkDpopProof } from './dpop-proof.js';
import { createReplayCache } from './dpop-replay-cache.js';
import type { ReplayCache } from './dpop-replay-cache.js';

export interface DemoApiOptions {
  readonly issuer: string;
  readonly audience: string;
  readonly publicKeys: JSONWebKeySet;
  /** DPoP-bound tokens (RFC 9449 §7) accepted too; absent, only Bearer tokens are, like a tenant without DPoP. */
  readonly dpop?: {
    /** The provider's nonces: checked when a proof carries one, and handed out (RFC 9449 §9). */
    readonly nonces: DpopNonces | undefined;
    /** A proof without a valid nonce is answered with use_dpop_nonce. Needs `nonces`. */
    readonly requireNonce: boolean;
  };
}

const API_PATH = '/api/private';
const REPLAY_CACHE_ENTRIES = 10_000;

/** Why a request is refused: the challenge's scheme and the RFC 6750 §3.1 / RFC 9449 §7.1 error code. */
interface Refusal {
  readonly scheme: 'Bearer' | 'DPoP';
  readonly error: 'invalid_token' | 'invalid_dpop_proof' | 'use_dpop_nonce';
  readonly description: string;
}

interface DpopState {
  readonly origin: string;
  readonly nonces: DpopNonces | undefined;
  readonly requireNonce: boolean;
  readonly replays: ReplayCache;
}

/** `GET /api/private`: a resource server that accepts only this provider's JWT access tokens for the audience. */
export function demoApiRoute(options: DemoApiOptions): KoaMiddleware {
  const keys = createLocalJWKSet(options.publicKeys);
  const verifyToken = async (token: string): Promise<JWTPayload> =>
    (
      await jwtVerify(token, keys, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: ['RS256'],
        requiredClaims: ['sub', 'exp', 'iat'],
      })
    ).payload;
  const dpop: DpopState | undefined = options.dpop && {
    // The URL the client addressed: the issuer's origin, which names the port a proxy in front listens on.
    origin: new URL(options.issuer).origin,
    nonces: options.dpop.nonces,
    requireNonce: options.dpop.requireNonce,
    replays: createReplayCache(REPLAY_CACHE_ENTRIES),
  };

  return async (ctx, next) => {
    if (ctx.path !== API_PATH) return next();
    ctx.set('Cache-Control', 'no-store');
    if (ctx.method !== 'GET') {
      ctx.status = 405;
      ctx.set('Allow', 'GET');
      ctx.body = { error: 'method_not_allowed', error_description: 'Use GET.' };
      return undefined;
    }
    const outcome = await admit(ctx, verifyToken, dpop);
    if (!('claims' in outcome)) {
      refuse(ctx, outcome, dpop !== undefined);
      return undefined;
    }
    const { claims } = outcome;
    ctx.status = 200;
    ctx.body = {
      message: 'Hello from the demo API',
      sub: claims.sub,
      scope: typeof claims.scope === 'string' ? claims.scope : '',
      issuedAt: new Date((claims.iat ?? 0) * 1000).toISOString(),
    };
    return undefined;
  };
}

/** The access token's claims when the request may pass, or why not. */
async function admit(
  ctx: KoaContext,
  verifyToken: (token: string) => Promise<JWTPayload>,
  dpop: DpopState | undefined,
): Promise<{ claims: JWTPayload } | Refusal> {
  const credentials = /^(\S+) ([A-Za-z0-9._~+/-]+=*)$/.exec(ctx.get('authorization'));
  // Authentication schemes are case-insensitive (RFC 9110 §11.1).
  const scheme = credentials?.[1]?.toLowerCase();
  const token = credentials?.[2];
  const viaDpop = scheme === 'dpop' ? dpop : undefined;
  if (token === undefined || (scheme !== 'bearer' && viaDpop === undefined))
    return { scheme: 'Bearer', error: 'invalid_token', description: 'Missing access token.' };

  let payload: JWTPayload;
  try {
    payload = await verifyToken(token);
  } catch (error) {
    return { scheme: viaDpop ? 'DPoP' : 'Bearer', error: 'invalid_token', description: describe(error) };
  }
  const jkt = boundKey(payload);
  if (viaDpop === undefined) {
    // RFC 9449 §7.2: a bound token sent as a bearer token is refused, or a thief could skip the proof.
    if (jkt === undefined) return { claims: payload };
    return dpopRefusal('invalid_token', 'The access token is DPoP-bound: send it with the DPoP scheme and a proof.');
  }
  if (jkt === undefined)
    return dpopRefusal('invalid_token', 'The access token is not DPoP-bound: send it with the Bearer scheme.');
  return (await checkProof(ctx, token, jkt, viaDpop)) ?? { claims: payload };
}

/** Checks the request's DPoP proof for a token bound to `jkt`; undefined when it passes. */
async function checkProof(ctx: KoaContext, token: string, jkt: string, dpop: DpopState): Promise<Refusal | undefined> {
  const proof = ctx.get('dpop');
  if (proof === '') return dpopRefusal('invalid_dpop_proof', 'The request has no DPoP proof.');
  // Node joins repeated headers with ", ", which a JWT never contains.
  if (proof.includes(',')) return dpopRefusal('invalid_dpop_proof', 'Send exactly one DPoP proof.');
  const now = Math.floor(Date.now() / 1000);
  try {
    const checked = await checkDpopProof(proof, {
      method: ctx.method,
      url: `${dpop.origin}${ctx.path}`,
      accessToken: token,
      now,
    });
    if (checked.jkt !== jkt)
      return dpopRefusal('invalid_token', 'The DPoP proof is not signed with the key the access token is bound to.');
    checkNonce(ctx, checked.nonce, dpop);
    if (!dpop.replays.firstUse(checked.jti, checked.iat + DPOP_IAT_WINDOW_SECONDS, now))
      return dpopRefusal('invalid_dpop_proof', 'The DPoP proof was already used; make a new one for every request.');
  } catch (error) {
    if (error instanceof DpopProofError) return dpopRefusal(error.code, error.message);
    throw error;
  }
  return undefined;
}

/** RFC 9449 §9: a nonce is checked when sent, required when configured, and a fresh one handed out. */
function checkNonce(ctx: KoaContext, nonce: string | undefined, dpop: DpopState): void {
  const { nonces } = dpop;
  if (nonces === undefined) return;
  const next = nonces.next();
  if (nonce !== next) ctx.set('DPoP-Nonce', next);
  if (nonce === undefined && dpop.requireNonce)
    throw new DpopProofError('use_dpop_nonce', 'The resource server requires a nonce in the DPoP proof.');
  if (nonce !== undefined && !nonces.isCurrent(nonce))
    throw new DpopProofError('use_dpop_nonce', 'The DPoP proof nonce is not current; use the one in DPoP-Nonce.');
}

/** The token's `cnf.jkt` (RFC 9449 §6.1), when it is bound to a DPoP key. */
function boundKey(payload: JWTPayload): string | undefined {
  const { cnf } = payload;
  if (typeof cnf !== 'object' || cnf === null || !('jkt' in cnf)) return undefined;
  return typeof cnf.jkt === 'string' ? cnf.jkt : undefined;
}

function dpopRefusal(error: Refusal['error'], description: string): Refusal {
  return { scheme: 'DPoP', error, description };
}

/** 401 with the challenge (RFC 6750 §3, RFC 9449 §7.1); a server taking both schemes offers both. */
function refuse(ctx: KoaContext, refusal: Refusal, offersDpop: boolean): void {
  const description = refusal.description.replaceAll('"', "'");
  const algs = `algs="${DPOP_SIGNING_ALGS.join(' ')}"`;
  const challenge = `${refusal.scheme} error="${refusal.error}", error_description="${description}"`;
  const challenges =
    refusal.scheme === 'DPoP' ? [`${challenge}, ${algs}`] : offersDpop ? [challenge, `DPoP ${algs}`] : [challenge];
  ctx.status = 401;
  ctx.set('WWW-Authenticate', challenges);
  ctx.body = { error: refusal.error, error_description: refusal.description };
}

// Says what was wrong without echoing any part of the token.
function describe(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'The access token has expired.';
  if (error instanceof joseErrors.JWTClaimValidationFailed)
    return `The access token's "${error.claim}" claim is not accepted.`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'The access token signature is invalid.';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'The access token was not signed by a known key.';
  if (error instanceof joseErrors.JOSEAlgNotAllowed)
    return 'The access token uses a signing algorithm that is not accepted.';
  return 'The access token is malformed.';
}
