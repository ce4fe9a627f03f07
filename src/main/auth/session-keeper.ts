import * as client from 'openid-client';
import type { Persistence } from '../../shared/auth-state.js';
import { AuthError } from './auth-error.js';
import type { AuthConfig } from './config.js';
import type { Logger } from './logger.js';
import type { DiscoveryCache } from './oidc-discovery.js';
import { profileFromClaims } from './profile.js';
import { mapProviderError } from './provider-errors.js';
import type { RefreshLock } from './refresh-lock.js';
import { tokenSetFromResponse } from './token-set.js';
import type { LoadResult, StoredSession, TokenStore } from './token-store.js';

/** What the keeper tells the service: a new session (after refresh), or the end of it. */
export type SessionEvent =
  | { readonly kind: 'updated'; readonly session: StoredSession; readonly persistence: Persistence }
  | { readonly kind: 'ended'; readonly reason: AuthError };

/** Collaborators of the session keeper. */
export interface SessionKeeperDeps {
  readonly config: AuthConfig;
  readonly discovery: DiscoveryCache;
  /** Absent when the keychain could not even be loaded; the session then lives in memory only. */
  readonly store?: TokenStore;
  readonly lock: RefreshLock;
  readonly logger: Logger;
  readonly now: () => number;
  /** Refresh this long before the access token expires. */
  readonly refreshSkewMs: number;
  /** Delays between attempts when the provider is unreachable; the session is kept meanwhile. */
  readonly retryDelaysMs: readonly number[];
  readonly onEvent: (event: SessionEvent) => void;
}

/** Holds the signed-in session, keeps its access token fresh and the keychain in step. */
export interface SessionKeeper {
  current(): StoredSession | undefined;
  persistence(): Persistence;
  /** Reads the keychain (no network). Starts a background refresh when the access token is stale. */
  restore(): Promise<LoadResult>;
  /** Takes a freshly signed-in session: saves it to the keychain, or keeps it in memory if that fails. */
  adopt(session: StoredSession): Promise<Persistence>;
  /** A valid access token, refreshing first when it is (about to be) expired. Single-flight. */
  getAccessToken(): Promise<string>;
  /** Refreshes now (single-flight), e.g. after the API said 401. */
  refresh(): Promise<StoredSession>;
  /** Forgets the session in memory and the keychain; returns what it was, for logout. */
  end(): Promise<{ session?: StoredSession; keychainCleared: boolean }>;
  /** Waits for an in-flight refresh to finish and be saved, so a quit never loses a rotated token. */
  dispose(): Promise<void>;
}

/** A caller waiting for a token retries quickly, then reports the outage; the background keeps trying longer. */
const FOREGROUND_RETRY_MS = [250, 1000];

/** Creates the session keeper. */
export function createSessionKeeper(deps: SessionKeeperDeps): SessionKeeper {
  const { config, logger, now } = deps;
  let session: StoredSession | undefined;
  let persistence: Persistence = deps.store ? 'keychain' : 'unavailable';
  let inFlight: Promise<StoredSession> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let retryIndex = 0;
  let disposed = false;
  /**
   * Refresh tokens this instance has redeemed. A keychain copy holding one of them is older than
   * the session in memory (its save failed while the keychain was locked), not newer from another
   * instance; adopting it would replay a spent token, and reuse detection revokes the session.
   */
  const redeemed = new Set<string>();

  const isFresh = (candidate: StoredSession): boolean => candidate.tokens.expiresAt - deps.refreshSkewMs > now();

  const save = async (next: StoredSession): Promise<Persistence> => {
    if (!deps.store) return 'unavailable';
    try {
      await deps.store.save(next);
      return 'keychain';
    } catch (error) {
      logger.warn(`the session could not be saved to the keychain (${(error as AuthError).code ?? 'error'})`);
      return 'unavailable';
    }
  };

  const schedule = (): void => {
    clearTimeout(timer);
    if (disposed || !session?.tokens.refreshToken) return;
    const dueIn = Math.max(1000, session.tokens.expiresAt - deps.refreshSkewMs - now());
    // Timers past ~24.8 days overflow; refresh no later than daily.
    timer = setTimeout(() => void backgroundRefresh(), Math.min(dueIn, 86_400_000));
    timer.unref();
  };

  const backgroundRefresh = async (): Promise<void> => {
    try {
      await refresh();
      retryIndex = 0;
    } catch (error) {
      if (!(error instanceof AuthError) || error.code === 'session_expired' || !session || disposed) return;
      const delay = deps.retryDelaysMs[Math.min(retryIndex, deps.retryDelaysMs.length - 1)] ?? 60_000;
      retryIndex += 1;
      logger.warn(`background refresh failed (${error.code}); retrying in ${Math.round(delay / 1000)} s`);
      clearTimeout(timer);
      timer = setTimeout(() => void backgroundRefresh(), delay);
      timer.unref();
    }
  };

  const endWith = async (reason: AuthError): Promise<never> => {
    session = undefined;
    clearTimeout(timer);
    try {
      await deps.store?.clear();
    } catch {
      logger.warn('the keychain entry could not be removed');
    }
    deps.onEvent({ kind: 'ended', reason });
    throw reason;
  };

  const refreshOnce = async (): Promise<StoredSession> => {
    const before = session;
    if (!before) throw new AuthError('not_signed_in', 'You are not signed in.');
    return deps.lock.withLock(async () => {
      // Another app instance may have rotated the refresh token meanwhile: adopt its result
      // instead of replaying ours, which Auth0's reuse detection would punish by revoking all.
      const stored = await deps.store?.load();
      let base = session ?? before;
      if (stored?.kind === 'found' && stored.session.profile.sub === base.profile.sub) {
        const storedToken = stored.session.tokens.refreshToken;
        if (storedToken !== base.tokens.refreshToken && (storedToken === undefined || !redeemed.has(storedToken))) {
          base = stored.session;
          session = base;
          if (isFresh(base)) {
            deps.onEvent({ kind: 'updated', session: base, persistence });
            return base;
          }
        }
      }
      const refreshToken = base.tokens.refreshToken;
      if (refreshToken === undefined) {
        return endWith(new AuthError('session_expired', 'Your session has ended. Please sign in again.'));
      }
      let response: Awaited<ReturnType<typeof client.refreshTokenGrant>>;
      try {
        const oidc = await deps.discovery.get();
        response = await client.refreshTokenGrant(oidc, refreshToken);
      } catch (error) {
        const mapped = mapProviderError(error, 'refresh');
        if (mapped.code === 'session_expired' || mapped.code === 'id_token_invalid') {
          logger.warn(`the session could not be renewed (${mapped.code}); signing out`);
          return endWith(
            mapped.code === 'session_expired'
              ? mapped
              : new AuthError('session_expired', 'Your session could not be verified. Please sign in again.', {
                  cause: mapped,
                }),
          );
        }
        throw mapped;
      }
      const claims = response.claims();
      const next: StoredSession = {
        tokens: tokenSetFromResponse(response, now(), base.tokens, config.audience),
        profile: claims ? { ...base.profile, ...profileFromClaims(claims) } : base.profile,
      };
      redeemed.add(refreshToken);
      // The rotated refresh token is saved before the new access token is handed out
      // (RFC 9700 §4.14.2): losing it would sign the person out on the next start.
      persistence = await save(next);
      session = next;
      logger.info('session renewed');
      deps.onEvent({ kind: 'updated', session: next, persistence });
      return next;
    });
  };

  const refresh = (): Promise<StoredSession> => {
    inFlight ??= refreshOnce().finally(() => {
      inFlight = undefined;
      schedule();
    });
    return inFlight;
  };

  return {
    current: () => session,
    persistence: () => persistence,

    async restore() {
      if (!deps.store) {
        return {
          kind: 'unavailable',
          error: new AuthError('keychain_unavailable', 'The system keychain is not available.'),
        };
      }
      const result = await deps.store.load();
      if (result.kind === 'found') {
        session = result.session;
        persistence = 'keychain';
        if (isFresh(result.session)) schedule();
        else void backgroundRefresh();
      } else if (result.kind === 'unavailable') {
        persistence = 'unavailable';
      }
      return result;
    },

    async adopt(next) {
      session = next;
      persistence = await save(next);
      schedule();
      return persistence;
    },

    async getAccessToken() {
      const current = session;
      if (!current) throw new AuthError('not_signed_in', 'Sign in first.');
      if (isFresh(current) && !inFlight) return current.tokens.accessToken;
      for (let attempt = 0; ; attempt += 1) {
        try {
          return (await refresh()).tokens.accessToken;
        } catch (error) {
          const transient = error instanceof AuthError && error.code === 'provider_unreachable';
          if (!transient || attempt >= 2 || !session) throw error;
          await new Promise((resolve) => setTimeout(resolve, FOREGROUND_RETRY_MS[attempt] ?? 1000));
        }
      }
    },

    refresh,

    async end() {
      // Let a refresh in flight land first, so it cannot bring the session back afterwards.
      await inFlight?.catch(() => undefined);
      const ended = session;
      session = undefined;
      redeemed.clear();
      clearTimeout(timer);
      let keychainCleared = true;
      try {
        await deps.store?.clear();
      } catch {
        keychainCleared = false;
      }
      return { ...(ended ? { session: ended } : {}), keychainCleared };
    },

    async dispose() {
      disposed = true;
      clearTimeout(timer);
      await inFlight?.catch(() => undefined);
    },
  };
}
