import type { Profile } from '../../../shared/auth-state.js';
import { FORMAT_VERSION } from './token-store-index.js';
import type { TokenSet } from './token-set.js';

/** One persisted session: tokens plus the profile shown at start-up without any network call. */
export interface StoredSession {
  readonly tokens: TokenSet;
  readonly profile: Profile;
}

/** The session as the keychain holds it (before chunking): base64url of versioned JSON. */
export function encodeSession(session: StoredSession): string {
  return Buffer.from(JSON.stringify({ v: FORMAT_VERSION, ...session }), 'utf8').toString('base64url');
}

/** Validates the decoded session field by field; anything unexpected is not trusted. */
export function parseSession(payload: string): StoredSession | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const tokens = record['tokens'] as Record<string, unknown> | undefined;
  const profile = record['profile'] as Record<string, unknown> | undefined;
  if (record['v'] !== FORMAT_VERSION || typeof tokens !== 'object' || tokens === null) return undefined;
  if (typeof profile !== 'object' || profile === null || typeof profile['sub'] !== 'string') return undefined;
  if (typeof tokens['accessToken'] !== 'string' || typeof tokens['expiresAt'] !== 'number') return undefined;
  // Optional: sessions saved before lifetimes were recorded lack it.
  const lifetimeMs = tokens['lifetimeMs'];
  if (lifetimeMs !== undefined && !(typeof lifetimeMs === 'number' && Number.isFinite(lifetimeMs) && lifetimeMs > 0)) {
    return undefined;
  }
  for (const optional of ['refreshToken', 'idToken', 'scope', 'audience']) {
    if (tokens[optional] !== undefined && typeof tokens[optional] !== 'string') return undefined;
  }
  return { tokens: tokens as unknown as TokenSet, profile: profile as unknown as Profile };
}
