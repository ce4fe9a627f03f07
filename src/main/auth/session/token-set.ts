import type { TokenEndpointResponse } from 'openid-client';

/** The tokens of one session. Lives only in the main process and the OS keychain. */
export interface TokenSet {
  readonly accessToken: string;
  /** Epoch milliseconds when the access token stops working. */
  readonly expiresAt: number;
  /**
   * How long the access token lives, from the token endpoint's `expires_in`: the refresh margin
   * is capped at half of it. Absent in sessions saved before it was recorded.
   */
  readonly lifetimeMs?: number;
  readonly refreshToken?: string;
  readonly idToken?: string;
  readonly scope?: string;
  readonly audience?: string;
  /**
   * `DPoP` when the token endpoint issued DPoP-bound tokens (token_type DPoP, RFC 9449 §5): the API
   * is then called with the DPoP scheme and a proof. Absent: Bearer tokens.
   */
  readonly tokenType?: 'DPoP';
}

/** RFC 6749 §5.1 only recommends `expires_in`; a token endpoint that omits it is assumed to issue hour-long tokens. */
const DEFAULT_LIFETIME_SECONDS = 3600;

/** Builds a TokenSet from a token endpoint response, keeping the previous refresh/ID token when the provider sends none. */
export function tokenSetFromResponse(
  response: TokenEndpointResponse,
  now: number,
  previous?: TokenSet,
  audience?: string,
): TokenSet {
  const lifetime =
    typeof response.expires_in === 'number' && response.expires_in > 0 ? response.expires_in : DEFAULT_LIFETIME_SECONDS;
  const refreshToken = response.refresh_token ?? previous?.refreshToken;
  const idToken = response.id_token ?? previous?.idToken;
  const scope = response.scope ?? previous?.scope;
  return {
    accessToken: response.access_token,
    expiresAt: now + lifetime * 1000,
    lifetimeMs: lifetime * 1000,
    ...(refreshToken !== undefined ? { refreshToken } : {}),
    ...(idToken !== undefined ? { idToken } : {}),
    ...(scope !== undefined ? { scope } : {}),
    ...(audience !== undefined ? { audience } : {}),
    // openid-client lower-cases token_type (RFC 6749 §5.1: case-insensitive).
    ...(response.token_type === 'dpop' ? { tokenType: 'DPoP' as const } : {}),
  };
}
