import * as client from 'openid-client';
import { AuthError } from '../auth-error.js';
import type { AuthConfig } from '../config/config.js';
import type { Logger } from '../logger.js';
import { tokenRequestProof, type DpopProofs } from '../oidc/dpop-proofs.js';
import type { DiscoveryCache } from '../oidc/oidc-discovery.js';
import { organizationChangedMessage, organizationMismatch } from '../oidc/organization-claims.js';
import { profileFromClaims, withOrganization } from '../oidc/profile.js';
import { grantSurvivingKeyRotation } from '../oidc/token-response-replay.js';
import { describeProviderFailure, mapProviderError } from '../oidc/provider-errors.js';
import { changedIdentityClaims, IDENTITY_CHANGED_MESSAGE } from '../oidc/refresh-identity.js';
import { tokenSetFromResponse } from './token-set.js';
import type { LoadResult, StoredSession, TokenStore } from './token-store.js';

type RefreshResponse = Awaited<ReturnType<typeof client.refreshTokenGrant>>;

/** What one refresh works with: the keeper's collaborators, its state and its two commits. */
export interface RefreshRun {
  readonly config: AuthConfig;
  readonly discovery: DiscoveryCache;
  /** Absent when the keychain could not even be loaded. */
  readonly store?: TokenStore | undefined;
  readonly logger: Logger;
  readonly now: () => number;
  /** The handles that sign a DPoP-bound session's token requests. */
  readonly proofs: DpopProofs;
  /** Refresh tokens this instance has redeemed (the keeper clears it when the session is replaced or ended). */
  readonly redeemed: Set<string>;
  /** The access token can be handed out without a refresh. */
  readonly isFresh: (session: StoredSession) => boolean;
  /** Revokes the refresh token of an answer the app refused to keep (RFC 7009). */
  readonly revokeRefused: (refreshToken: string) => void;
  /** The keeper's generation now: a refresh that began in an older one must not end the session. */
  readonly generation: () => number;
  /** Saves a renewed session unless the generation `startedAt` has passed. */
  readonly commit: (next: StoredSession, startedAt: number) => Promise<StoredSession>;
  /** Ends the session with `reason` unless the generation `startedAt` has passed; always rejects. */
  readonly end: (reason: AuthError, startedAt: number) => Promise<never>;
}

/**
 * Renews `before`, the session of generation `startedAt`: adopts a newer session another instance
 * saved, or redeems the refresh token, checks who the answer is for, and commits the result.
 */
export async function refreshOnce(
  run: RefreshRun,
  before: StoredSession | undefined,
  startedAt: number,
): Promise<StoredSession> {
  if (!before) throw new AuthError('not_signed_in', 'You are not signed in.');
  // An instance with a data folder of its own (DESKTOP_LOGIN_USER_DATA, so not kept out by the
  // single-instance lock) shares the keychain entry and may have rotated the refresh token
  // since: adopt its result instead of replaying ours, which reuse detection punishes.
  const stored = await run.store?.load();
  const rotated = rotatedElsewhere(run, before, stored);
  if (rotated && run.isFresh(rotated)) return run.commit(rotated, startedAt);
  const base = rotated ?? before;
  const refreshToken = base.tokens.refreshToken;
  if (refreshToken === undefined) {
    return run.end(new AuthError('session_expired', 'Your session has ended. Please sign in again.'), startedAt);
  }
  let dpop: client.DPoPHandle | undefined;
  try {
    // A DPoP-bound refresh token is refused without a proof of its key (RFC 9449 §5).
    dpop = await tokenRequestProof(run.proofs, base);
  } catch (error) {
    run.logger.warn('the session is DPoP-bound but its key is unusable; signing out');
    return run.end(error as AuthError, startedAt);
  }
  let response: RefreshResponse;
  try {
    const oidc = await run.discovery.get();
    // The refresh token is spent once the provider answers: an ID token signed by a key
    // published moments ago must not lose that answer (token-response-replay.ts).
    // The same handle each time: it remembers the server's DPoP nonce (RFC 9449 §8).
    response = await grantSurvivingKeyRotation(run.discovery, oidc, (configuration) =>
      client.refreshTokenGrant(configuration, refreshToken, undefined, dpop ? { DPoP: dpop } : undefined),
    );
  } catch (error) {
    return refused(run, error, startedAt);
  }
  run.redeemed.add(refreshToken);
  const claims = response.claims();
  const { organization } = run.config;
  if (organization !== undefined && claims !== undefined && organizationMismatch(organization, claims)) {
    // The sign-in's check, again, and first: its message names the organization setting.
    run.logger.warn('the renewed ID token does not name AUTH0_ORGANIZATION; signing out');
    revokeRefusedAnswer(run, response, refreshToken);
    return run.end(new AuthError('session_expired', organizationChangedMessage(organization)), startedAt);
  }
  // OIDC Core §12.2 (DESIGN checklist 14): a refresh must not change who is signed in.
  const changed = changedIdentityClaims({ idToken: base.tokens.idToken, sub: base.profile.sub }, claims);
  if (changed.length > 0) {
    run.logger.warn(`the renewed ID token changed ${changed.join(', ')} (OIDC Core §12.2); signing out`);
    revokeRefusedAnswer(run, response, refreshToken);
    return run.end(new AuthError('session_expired', IDENTITY_CHANGED_MESSAGE), startedAt);
  }
  const tokens = tokenSetFromResponse(response, run.now(), base.tokens, run.config.audience);
  if (base.tokens.tokenType === 'DPoP' && tokens.tokenType !== 'DPoP') {
    run.logger.warn('the provider renewed DPoP-bound tokens as Bearer tokens; the API is now called with Bearer');
  }
  const next: StoredSession = {
    tokens,
    profile: claims ? withOrganization({ ...base.profile, ...profileFromClaims(claims) }, claims) : base.profile,
    // The refresh token stays bound to this key (RFC 9449 §5), whatever type the access token has.
    ...(base.dpopKey !== undefined ? { dpopKey: base.dpopKey } : {}),
  };
  return run.commit(next, startedAt);
}

/**
 * The session ends on an answer the app will not keep, yet the provider still honours its refresh
 * token (the rotated one, or the redeemed one where it does not rotate): left alone, it stays
 * valid with nobody holding it (RFC 7009), so it is revoked.
 */
function revokeRefusedAnswer(run: RefreshRun, response: RefreshResponse, redeemed: string): void {
  run.revokeRefused(response.refresh_token ?? redeemed);
}

/**
 * The keychain's session when another instance rotated the refresh token of this person since.
 * A keychain copy holding a token this instance redeemed is older than `before` (its save failed
 * while the keychain was locked), not newer: adopting it would replay a spent token.
 */
function rotatedElsewhere(
  run: RefreshRun,
  before: StoredSession,
  stored: LoadResult | undefined,
): StoredSession | undefined {
  if (stored?.kind !== 'found' || stored.session.profile.sub !== before.profile.sub) return undefined;
  const storedToken = stored.session.tokens.refreshToken;
  if (storedToken === before.tokens.refreshToken) return undefined;
  return storedToken === undefined || !run.redeemed.has(storedToken) ? stored.session : undefined;
}

/**
 * A refresh the provider did not answer with tokens: rethrows its error, after ending the session
 * when the provider refused it. Called from refreshOnce's catch, so a throw rejects the refresh.
 */
function refused(run: RefreshRun, error: unknown, startedAt: number): Promise<never> {
  const mapped = mapProviderError(error, 'refresh');
  // Classes, codes and scrubbed provider text only (DESIGN checklist 9 and 13).
  run.logger.warn(`the session could not be renewed (${mapped.code}): ${describeProviderFailure(error)}`);
  if (run.generation() !== startedAt) throw mapped;
  // Only invalid_grant (RFC 6749 §5.2) or a renewed ID token that fails verification or
  // names someone else (OIDC Core §12.2) ends the session. A misconfigured client, a
  // malformed answer or an outage leaves it, and the keychain, as they are.
  if (mapped.code === 'session_expired' || mapped.code === 'id_token_invalid') {
    run.logger.warn(`signing out (${mapped.code})`);
    return run.end(mapped, startedAt);
  }
  throw mapped;
}
