import * as client from 'openid-client';
import type { Persistence } from '../../../shared/auth-state.js';
import { AuthError } from '../auth-error.js';
import type { AuthConfig } from '../config/config.js';
import type { Logger } from '../logger.js';
import type { DiscoveryCache } from '../oidc/oidc-discovery.js';
import { createOperationQueue } from './operation-queue.js';
import { profileFromClaims } from '../oidc/profile.js';
import { describeProviderFailure, mapProviderError } from '../oidc/provider-errors.js';
import { changedIdentityClaims, IDENTITY_CHANGED_MESSAGE } from '../oidc/refresh-identity.js';
import { accessTokenUsable, refreshDelayMs } from './refresh-timing.js';
import { tokenSetFromResponse } from './token-set.js';
import type { LoadResult, StoredSession, TokenStore } from './token-store.js';

/** What the keeper tells the service: the session was renewed, or it ended. */
export type SessionEvent =
  | { readonly kind: 'updated'; readonly session: StoredSession; readonly persistence: Persistence }
  | { readonly kind: 'ended'; readonly reason: AuthError };

/** Collaborators of the session keeper. */
export interface SessionKeeperDeps {
  readonly config: AuthConfig;
  readonly discovery: DiscoveryCache;
  /** Absent when the keychain could not even be loaded; the session then lives in memory only. */
  readonly store?: TokenStore;
  readonly logger: Logger;
  readonly now: () => number;
  /** Refresh this long before the access token expires, or half-way through its lifetime if that is later. */
  readonly refreshSkewMs: number;
  /** Delays between attempts when the provider is unreachable; the session is kept meanwhile. */
  readonly retryDelaysMs: readonly number[];
  /** Stops every request to the provider now in flight (they fail as aborted). */
  readonly abortProviderRequests: () => void;
  readonly onEvent: (event: SessionEvent) => void;
}

/** What restore found, and whether it became the session (a sign-in that finished first wins). */
export type RestoreResult = LoadResult & { readonly applied: boolean };

/** Holds the signed-in session, keeps its access token fresh and the keychain in step. */
export interface SessionKeeper {
  current(): StoredSession | undefined;
  persistence(): Persistence;
  /** Reads the keychain (no network). Starts a background refresh when the access token is stale. */
  restore(): Promise<RestoreResult>;
  /** Takes a freshly signed-in session: saves it to the keychain, or keeps it in memory if that fails. */
  adopt(session: StoredSession): Promise<Persistence>;
  /** A valid access token, refreshing first when it is (about to be) expired. Single-flight. */
  getAccessToken(): Promise<string>;
  /** Refreshes now (single-flight), e.g. after the API said 401. */
  refresh(): Promise<StoredSession>;
  /** Forgets the session in memory and the keychain; returns its latest tokens, for revocation. */
  end(): Promise<{ session?: StoredSession; keychainCleared: boolean }>;
  /**
   * Stops for good within `deadlineMs` plus a short grace for a keychain write under way: a
   * refresh may still land its rotated token until the deadline, then the network is cut.
   */
  dispose(deadlineMs: number): Promise<void>;
}

/** A caller waiting for a token retries quickly, then reports the outage; the background keeps trying longer. */
const FOREGROUND_RETRY_MS = [250, 1000];
/** How long an adopt or end waits for a cut-off refresh to settle before going ahead without it. */
const SETTLE_REFRESH_MS = 2_000;
/** How long quitting still waits, after the network deadline, for a keychain write already started. */
const KEYCHAIN_WRITE_GRACE_MS = 3_000;

/**
 * Creates the session keeper. Every change to the session or the keychain (restore, adopt,
 * a refresh's commit, end) runs through one operation queue, and a refresh commits only if
 * no adopt or end ran since it began (its generation): a stale refresh can never write.
 */
export function createSessionKeeper(deps: SessionKeeperDeps): SessionKeeper {
  const { config, logger, now } = deps;
  const queue = createOperationQueue();
  let session: StoredSession | undefined;
  let persistence: Persistence = deps.store ? 'keychain' : 'unavailable';
  /** Bumped by every operation that replaces or ends the session. */
  let generation = 0;
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

  /** The access token can be handed out without a refresh (see accessTokenUsable for a session without a refresh token). */
  const isFresh = (candidate: StoredSession): boolean => accessTokenUsable(candidate.tokens, deps.refreshSkewMs, now());

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
    // Runs after every refresh settles, so the floor spaces background refreshes even for 1 s tokens.
    timer = setTimeout(() => void backgroundRefresh(), refreshDelayMs(session.tokens, deps.refreshSkewMs, now()));
    timer.unref();
  };

  const backgroundRefresh = async (): Promise<void> => {
    try {
      await refresh();
      retryIndex = 0;
    } catch (error) {
      if (!session || disposed || (error instanceof AuthError && error.code === 'session_expired')) return;
      if (error instanceof AuthError && error.code === 'unexpected') {
        // A fault no one foresaw is not an outage: a timer would repeat it forever. The next use
        // of the session (an API call) tries again.
        clearTimeout(timer);
        logger.error('background refresh failed (unexpected); not retrying until the session is used again');
        return;
      }
      // Whatever else failed (an outage, a malformed answer, a refusal), back off and say so: never a silent loop.
      const code = error instanceof AuthError ? error.code : 'unexpected';
      const delay = deps.retryDelaysMs[Math.min(retryIndex, deps.retryDelaysMs.length - 1)] ?? 60_000;
      retryIndex += 1;
      logger.warn(`background refresh failed (${code}); retrying in ${Math.round(delay / 1000)} s`);
      clearTimeout(timer);
      timer = setTimeout(() => void backgroundRefresh(), delay);
      timer.unref();
    }
  };

  /** Ends the session because the provider refused it; a commit, so it goes through the queue. */
  const endWith = (reason: AuthError, startedAt: number): Promise<never> =>
    queue.run(async () => {
      if (generation === startedAt) {
        generation += 1;
        session = undefined;
        clearTimeout(timer);
        try {
          await deps.store?.clear();
        } catch {
          logger.warn('the keychain entry could not be removed');
        }
        deps.onEvent({ kind: 'ended', reason });
      }
      throw reason;
    });

  /** Saves a renewed session unless the session it renewed was replaced or ended meanwhile. */
  const commitRefresh = (next: StoredSession, startedAt: number): Promise<StoredSession> =>
    queue.run(async () => {
      if (generation !== startedAt) {
        logger.info('a refresh finished after the session changed; its tokens were dropped');
        if (session) return session;
        throw new AuthError('not_signed_in', 'You are not signed in.');
      }
      // The rotated refresh token is saved before the new access token is handed out
      // (RFC 9700 §4.14.2): losing it would sign the person out on the next start.
      persistence = await save(next);
      session = next;
      logger.info('session renewed');
      deps.onEvent({ kind: 'updated', session: next, persistence });
      return next;
    });

  const refreshOnce = async (): Promise<StoredSession> => {
    const before = session;
    const startedAt = generation;
    if (!before) throw new AuthError('not_signed_in', 'You are not signed in.');
    // An instance with a data folder of its own (DESKTOP_LOGIN_USER_DATA, so not kept out by the
    // single-instance lock) shares the keychain entry and may have rotated the refresh token
    // since: adopt its result instead of replaying ours, which reuse detection punishes.
    const stored = await deps.store?.load();
    let base = before;
    if (stored?.kind === 'found' && stored.session.profile.sub === base.profile.sub) {
      const storedToken = stored.session.tokens.refreshToken;
      if (storedToken !== base.tokens.refreshToken && (storedToken === undefined || !redeemed.has(storedToken))) {
        base = stored.session;
        if (isFresh(base)) return commitRefresh(base, startedAt);
      }
    }
    const refreshToken = base.tokens.refreshToken;
    if (refreshToken === undefined) {
      return endWith(new AuthError('session_expired', 'Your session has ended. Please sign in again.'), startedAt);
    }
    let response: Awaited<ReturnType<typeof client.refreshTokenGrant>>;
    try {
      const oidc = await deps.discovery.get();
      response = await client.refreshTokenGrant(oidc, refreshToken);
    } catch (error) {
      const mapped = mapProviderError(error, 'refresh');
      // Classes, codes and scrubbed provider text only (DESIGN checklist 9 and 13).
      logger.warn(`the session could not be renewed (${mapped.code}): ${describeProviderFailure(error)}`);
      if (generation !== startedAt) throw mapped;
      // Only invalid_grant (RFC 6749 §5.2) or a renewed ID token that fails verification or
      // names someone else (OIDC Core §12.2) ends the session. A misconfigured client, a
      // malformed answer or an outage leaves it, and the keychain, as they are.
      if (mapped.code === 'session_expired' || mapped.code === 'id_token_invalid') {
        logger.warn(`signing out (${mapped.code})`);
        return endWith(mapped, startedAt);
      }
      throw mapped;
    }
    redeemed.add(refreshToken);
    const claims = response.claims();
    // OIDC Core §12.2 (DESIGN checklist 14): a refresh must not change who is signed in.
    const changed = changedIdentityClaims({ idToken: base.tokens.idToken, sub: base.profile.sub }, claims);
    if (changed.length > 0) {
      logger.warn(`the renewed ID token changed ${changed.join(', ')} (OIDC Core §12.2); signing out`);
      return endWith(new AuthError('session_expired', IDENTITY_CHANGED_MESSAGE), startedAt);
    }
    const next: StoredSession = {
      tokens: tokenSetFromResponse(response, now(), base.tokens, config.audience),
      profile: claims ? { ...base.profile, ...profileFromClaims(claims) } : base.profile,
    };
    return commitRefresh(next, startedAt);
  };

  const refresh = (): Promise<StoredSession> => {
    inFlight ??= refreshOnce().finally(() => {
      inFlight = undefined;
      schedule();
    });
    return inFlight;
  };

  /**
   * Cuts a refresh's network wait short and lets it settle, so an end or adopt sees its outcome.
   * Bounded: a refresh still running afterwards (say, on a keychain that does not answer) finds
   * its generation stale when it commits, and writes nothing.
   */
  const settleRefresh = async (): Promise<void> => {
    if (!inFlight) return;
    deps.abortProviderRequests();
    await settlesWithin(
      inFlight.catch(() => undefined),
      SETTLE_REFRESH_MS,
    );
  };

  return {
    current: () => session,
    persistence: () => persistence,

    restore: () =>
      queue.run(async (): Promise<RestoreResult> => {
        if (!deps.store) {
          const error = new AuthError('keychain_unavailable', 'The system keychain is not available.');
          return { kind: 'unavailable', error, applied: false };
        }
        const result = await deps.store.load();
        // A sign-in that committed first is newer than anything the keychain held at start-up.
        if (session !== undefined || disposed) return { ...result, applied: false };
        if (result.kind === 'found') {
          session = result.session;
          persistence = 'keychain';
          if (isFresh(result.session)) schedule();
          else void backgroundRefresh();
        } else if (result.kind === 'unavailable') {
          persistence = 'unavailable';
        }
        return { ...result, applied: true };
      }),

    async adopt(next) {
      // A refresh of the previous session must not commit after this one: cut it short first.
      await settleRefresh();
      return queue.run(async () => {
        generation += 1;
        redeemed.clear();
        persistence = await save(next);
        session = next;
        schedule();
        return persistence;
      });
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
          if (!transient || attempt >= 2 || !session || disposed) throw error;
          await new Promise((resolve) => setTimeout(resolve, FOREGROUND_RETRY_MS[attempt] ?? 1000));
        }
      }
    },

    refresh,

    async end() {
      // A refresh in flight either lands first (and its rotated token is the one to revoke) or is cut off.
      await settleRefresh();
      return queue.run(async () => {
        generation += 1;
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
      });
    },

    async dispose(deadlineMs) {
      disposed = true;
      clearTimeout(timer);
      const pending = inFlight?.catch(() => undefined);
      if (pending && !(await settlesWithin(pending, deadlineMs))) {
        logger.warn(`quit deadline reached after ${deadlineMs / 1000} s: provider requests cut off`);
        deps.abortProviderRequests();
      }
      // A keychain write under way may hold a rotated refresh token that already arrived.
      if (!(await settlesWithin(queue.idle(), KEYCHAIN_WRITE_GRACE_MS))) {
        logger.warn('the keychain did not finish writing in time; quitting without waiting further');
      }
    },
  };
}

/** True when `promise` settles within `ms`; the timer never keeps the process alive. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
