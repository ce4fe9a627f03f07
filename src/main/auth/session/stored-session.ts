import type { Profile } from '../../../shared/auth-state.js';
import { isDpopPrivateJwk, type DpopPrivateJwk } from './dpop-key.js';
import { FORMAT_VERSION } from './token-store-index.js';
import type { TokenSet } from './token-set.js';

/** One persisted session: tokens plus the profile shown at start-up without any network call. */
export interface StoredSession {
  readonly tokens: TokenSet;
  readonly profile: Profile;
  /**
   * The key the tokens are bound to (DPoP, RFC 9449), made at the sign-in that asked for DPoP and
   * kept only here and in the keychain. Absent for a session of Bearer tokens.
   */
  readonly dpopKey?: DpopPrivateJwk;
}

/**
 * Why a keychain entry was not taken: it is not a session this app wrote (`invalid`), or its
 * tokens are DPoP-bound and the key is missing or damaged (`dpop-key`), which the person is told.
 */
export interface SessionRejection {
  readonly rejected: 'invalid' | 'dpop-key';
}

/** The session as the keychain holds it (before chunking): base64url of versioned JSON. */
export function encodeSession(session: StoredSession): string {
  return Buffer.from(JSON.stringify({ v: FORMAT_VERSION, ...session }), 'utf8').toString('base64url');
}

const INVALID: SessionRejection = { rejected: 'invalid' };

/** Validates the decoded session field by field; anything unexpected is not trusted. */
export function parseSession(payload: string): StoredSession | SessionRejection {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return INVALID;
  }
  if (typeof value !== 'object' || value === null) return INVALID;
  const record = value as Record<string, unknown>;
  const tokens = record['tokens'] as Record<string, unknown> | undefined;
  const profile = record['profile'] as Record<string, unknown> | undefined;
  if (record['v'] !== FORMAT_VERSION || typeof tokens !== 'object' || tokens === null) return INVALID;
  if (typeof profile !== 'object' || profile === null || typeof profile['sub'] !== 'string') return INVALID;
  if (typeof tokens['accessToken'] !== 'string' || typeof tokens['expiresAt'] !== 'number') return INVALID;
  // Optional: sessions saved before lifetimes were recorded lack it.
  const lifetimeMs = tokens['lifetimeMs'];
  if (lifetimeMs !== undefined && !(typeof lifetimeMs === 'number' && Number.isFinite(lifetimeMs) && lifetimeMs > 0)) {
    return INVALID;
  }
  for (const optional of ['refreshToken', 'idToken', 'scope', 'audience']) {
    if (tokens[optional] !== undefined && typeof tokens[optional] !== 'string') return INVALID;
  }
  const tokenType = tokens['tokenType'];
  if (tokenType !== undefined && tokenType !== 'DPoP') return INVALID;
  const dpopKey = record['dpopKey'];
  // DPoP-bound tokens without their key are useless, and must never be tried as Bearer tokens.
  if (dpopKey === undefined ? tokenType === 'DPoP' : !isDpopPrivateJwk(dpopKey)) return { rejected: 'dpop-key' };
  return {
    tokens: tokens as unknown as TokenSet,
    profile: profile as unknown as Profile,
    ...(dpopKey !== undefined ? { dpopKey: dpopKey as DpopPrivateJwk } : {}),
  };
}

/** True when `parsed` is a rejection rather than a session. */
export function isRejection(parsed: StoredSession | SessionRejection): parsed is SessionRejection {
  return 'rejected' in parsed;
}
