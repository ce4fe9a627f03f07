/** The `jti`s of accepted DPoP proofs, kept while a replay of the proof could still pass the `iat` check. */
export interface ReplayCache {
  /** True, and remembered until `expiresAt`, the first time `jti` is seen; false while it is remembered. */
  firstUse(jti: string, expiresAt: number, now: number): boolean;
}

/**
 * A replay cache (RFC 9449 §11.1) holding at most `maxEntries` proofs. When full, the oldest entry
 * goes first: a flood of proofs must not grow the demo API's memory without bound, and an evicted
 * proof is the one closest to failing the `iat` window anyway.
 */
export function createReplayCache(maxEntries: number): ReplayCache {
  // Insertion order is close to expiry order (every expiry is iat plus the same window).
  const seen = new Map<string, number>();
  return {
    firstUse(jti, expiresAt, now) {
      const known = seen.get(jti);
      if (known !== undefined && known >= now) return false;
      seen.delete(jti);
      for (const [oldest, expiry] of seen) {
        if (expiry >= now && seen.size < maxEntries) break;
        seen.delete(oldest);
      }
      seen.set(jti, expiresAt);
      return true;
    },
  };
}
