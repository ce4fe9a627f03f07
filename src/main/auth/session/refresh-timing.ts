import type { TokenSet } from './token-set.js';

/** The soonest a background refresh runs after the previous one settled, whatever the tokens say. */
export const MIN_REFRESH_DELAY_MS = 1_000;
/** Timers past ~24.8 days overflow; a background refresh runs at least daily. */
const MAX_REFRESH_DELAY_MS = 86_400_000;

/**
 * When the access token should be renewed: `marginMs` before it expires, but never before half
 * its lifetime has passed. A fixed margin longer than the lifetime (Auth0 lets a tenant issue
 * 30 s tokens; the default margin is 60 s) would call every new token stale at once and renew
 * in a loop. Tokens saved without a lifetime (by an older version) get the full margin; the
 * renewal that follows records one.
 */
export function refreshDueAt(tokens: TokenSet, marginMs: number): number {
  const lifetimeMs = tokens.lifetimeMs;
  const margin =
    lifetimeMs !== undefined && Number.isFinite(lifetimeMs) && lifetimeMs > 0
      ? Math.min(marginMs, lifetimeMs / 2)
      : marginMs;
  return tokens.expiresAt - Math.max(0, margin);
}

/**
 * True when the access token can be handed out as it is. With a refresh token it is renewed once
 * due; without one nothing can renew it, so it serves until it really expires (RFC 6749 §1.5:
 * only a refresh token obtains a new access token without the person).
 */
export function accessTokenUsable(tokens: TokenSet, marginMs: number, now: number): boolean {
  return now < (tokens.refreshToken === undefined ? tokens.expiresAt : refreshDueAt(tokens, marginMs));
}

/** How long the background timer waits before renewing: never less than the floor, never more than a day. */
export function refreshDelayMs(tokens: TokenSet, marginMs: number, now: number): number {
  return Math.min(Math.max(MIN_REFRESH_DELAY_MS, refreshDueAt(tokens, marginMs) - now), MAX_REFRESH_DELAY_MS);
}
