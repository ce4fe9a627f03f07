import type { Persistence } from '../../../shared/auth-state.js';
import { AuthError } from '../auth-error.js';
import type { AuthConfig } from '../config/config.js';
import type { Logger } from '../logger.js';
import { resourceProof, type DpopProofs } from '../oidc/dpop-proofs.js';
import { savedForOtherOrganization } from '../oidc/organization-claims.js';
import type { DiscoveryCache } from '../oidc/oidc-discovery.js';
import type * as client from 'openid-client';
import { createOperationQueue, type OperationQueue } from './operation-queue.js';
import { refreshOnce, type RefreshRun } from './refresh-runner.js';
import { createRefreshScheduler, type RefreshScheduler } from './refresh-scheduler.js';
import { accessTokenUsable, refreshDelayMs } from './refresh-timing.js';
import { settlesWithin } from './settles-within.js';
import { createSingleFlight, type SingleFlight } from './single-flight.js';
import type { LoadResult, StoredSession, TokenStore } from './token-store.js';

export { settlesWithin } from './settles-within.js';

/** What the keeper tells the service: a signed-in session's keychain write settled, the session was renewed, or it ended. */
export type SessionEvent =
  | { readonly kind: 'saved'; readonly session: StoredSession; readonly persistence: Persistence }
  | { readonly kind: 'updated'; readonly session: StoredSession; readonly persistence: Persistence }
  | { readonly kind: 'ended'; readonly reason: AuthError };

/** A session the keeper has taken: it is in memory, and `saved` settles with the keychain write's outcome. */
export interface Adoption {
  /** `keychain`, or `unavailable` when the keychain refused (already logged); never rejects. */
  readonly saved: Promise<Persistence>;
  /** The session this one replaced (a sign-in while signed in), with its latest tokens. */
  readonly replaced?: StoredSession;
}

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
  /** The DPoP handles of the session's key (dpop-proofs.ts). */
  readonly proofs: DpopProofs;
  /** Revokes a refresh token the provider issued but the app refused to keep, retrying until it goes through. */
  readonly revokeRefused: (refreshToken: string) => void;
}

/** How to call an API with the session: its access token and, for DPoP-bound tokens, the handle that signs proofs. */
export interface SessionAccess {
  readonly accessToken: string;
  /** Present exactly when the tokens are DPoP-bound: the API is called with the DPoP scheme and a proof. */
  readonly dpop?: client.DPoPHandle;
}

/** What restore found, and whether it became the session (a sign-in that finished first wins). */
export type RestoreResult = LoadResult & { readonly applied: boolean };

/** Holds the signed-in session, keeps its access token fresh and the keychain in step. */
export interface SessionKeeper {
  current(): StoredSession | undefined;
  persistence(): Persistence;
  /** Reads the keychain (no network). Starts a background refresh when the access token is stale. */
  restore(): Promise<RestoreResult>;
  /**
   * Takes a freshly signed-in session: resolves once it is the session in memory (persistence
   * `saving`), while the keychain write goes on in the same queued operation, so a later refresh
   * commit, end or dispose waits for it. A write the keychain refuses keeps the session in memory.
   */
  adopt(session: StoredSession): Promise<Adoption>;
  /** A valid access token, refreshing first when it is (about to be) expired. Single-flight. */
  getAccessToken(): Promise<string>;
  /** Refreshes now (single-flight), e.g. after the API said 401. */
  refresh(): Promise<StoredSession>;
  /**
   * What an API call needs: a valid access token (as getAccessToken) or, with `renew`, a renewed
   * one (as refresh), and its DPoP handle. A DPoP-bound session whose key is missing or unusable
   * ends with "sign in again"; its tokens are never sent as Bearer tokens.
   */
  access(options?: { renew?: boolean }): Promise<SessionAccess>;
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

/** The keeper's state. The session, its persistence and generation change only on the queue. */
interface KeeperState {
  session: StoredSession | undefined;
  persistence: Persistence;
  /** Bumped by every operation that replaces or ends the session. */
  generation: number;
  disposed: boolean;
  /**
   * Refresh tokens this instance has redeemed. A keychain copy holding one of them is older than
   * the session in memory (its save failed while the keychain was locked), not newer from another
   * instance; adopting it would replay a spent token, and reuse detection revokes the session.
   */
  readonly redeemed: Set<string>;
}

/** One session keeper: its collaborators, state, queue, background timer and the refresh under way. */
interface Keeper {
  readonly deps: SessionKeeperDeps;
  readonly state: KeeperState;
  readonly queue: OperationQueue;
  readonly background: RefreshScheduler;
  readonly refreshes: SingleFlight<StoredSession>;
}

/**
 * Creates the session keeper. Every change to the session or the keychain (restore, adopt,
 * a refresh's commit, end) runs through one operation queue, and a refresh commits only if
 * no adopt or end ran since it began (its generation): a stale refresh can never write.
 */
export function createSessionKeeper(deps: SessionKeeperDeps): SessionKeeper {
  const state: KeeperState = {
    session: undefined,
    persistence: deps.store ? 'keychain' : 'unavailable',
    generation: 0,
    disposed: false,
    redeemed: new Set(),
  };
  const background = createRefreshScheduler({
    refresh: () => refreshes.run(),
    dueInMs: () => {
      const { session, disposed } = state;
      // Runs after every refresh settles, so the floor spaces background refreshes even for 1 s tokens.
      if (disposed || !session?.tokens.refreshToken) return undefined;
      return refreshDelayMs(session.tokens, deps.refreshSkewMs, deps.now());
    },
    active: () => state.session !== undefined && !state.disposed,
    retryDelaysMs: deps.retryDelaysMs,
    logger: deps.logger,
  });
  const { config, discovery, store, logger, now, proofs } = deps;
  const run: RefreshRun = {
    config,
    discovery,
    store,
    logger,
    now,
    proofs,
    redeemed: state.redeemed,
    isFresh: (candidate: StoredSession) => isFresh(deps, candidate),
    revokeRefused: deps.revokeRefused,
    generation: () => state.generation,
    commit: (next: StoredSession, startedAt: number) => commitRefresh(keeper, next, startedAt),
    end: (reason: AuthError, startedAt: number) => endWith(keeper, reason, startedAt),
  };
  const refreshes = createSingleFlight(
    () => refreshOnce(run, state.session, state.generation),
    () => background.schedule(),
  );
  const keeper: Keeper = { deps, state, queue: createOperationQueue(), background, refreshes };
  return {
    current: () => state.session,
    persistence: () => state.persistence,
    restore: () => restore(keeper),
    adopt: (next) => adopt(keeper, next),
    getAccessToken: () => getAccessToken(keeper),
    refresh: () => refreshes.run(),
    access: (options = {}) => access(keeper, options.renew === true),
    end: () => end(keeper),
    dispose: (deadlineMs) => dispose(keeper, deadlineMs),
  };
}

/** The access token can be handed out without a refresh (see accessTokenUsable for a session without a refresh token). */
function isFresh(deps: SessionKeeperDeps, candidate: StoredSession): boolean {
  return accessTokenUsable(candidate.tokens, deps.refreshSkewMs, deps.now());
}

async function save(deps: SessionKeeperDeps, next: StoredSession): Promise<Persistence> {
  if (!deps.store) return 'unavailable';
  try {
    await deps.store.save(next);
    return 'keychain';
  } catch (error) {
    deps.logger.warn(`the session could not be saved to the keychain (${(error as AuthError).code ?? 'error'})`);
    return 'unavailable';
  }
}

/** Ends the session because the provider refused it; a commit, so it goes through the queue. */
function endWith({ deps, state, queue, background }: Keeper, reason: AuthError, startedAt: number): Promise<never> {
  return queue.run(async () => {
    if (state.generation === startedAt) {
      state.generation += 1;
      state.session = undefined;
      background.cancel();
      try {
        await deps.store?.clear();
      } catch {
        deps.logger.warn('the keychain entry could not be removed');
      }
      deps.onEvent({ kind: 'ended', reason });
    }
    throw reason;
  });
}

/** Saves a renewed session unless the session it renewed was replaced or ended meanwhile. */
function commitRefresh({ deps, state, queue }: Keeper, next: StoredSession, startedAt: number): Promise<StoredSession> {
  return queue.run(async () => {
    if (state.generation !== startedAt) {
      deps.logger.info('a refresh finished after the session changed; its tokens were dropped');
      if (state.session) return state.session;
      throw new AuthError('not_signed_in', 'You are not signed in.');
    }
    // The rotated refresh token is saved before the new access token is handed out
    // (RFC 9700 §4.14.2): losing it would sign the person out on the next start.
    state.persistence = await save(deps, next);
    state.session = next;
    deps.logger.info('session renewed');
    deps.onEvent({ kind: 'updated', session: next, persistence: state.persistence });
    return next;
  });
}

/**
 * Cuts a refresh's network wait short and lets it settle, so an end or adopt sees its outcome.
 * Bounded: a refresh still running afterwards (say, on a keychain that does not answer) finds
 * its generation stale when it commits, and writes nothing.
 */
async function settleRefresh({ deps, refreshes }: Keeper): Promise<void> {
  const inFlight = refreshes.current();
  if (!inFlight) return;
  deps.abortProviderRequests();
  await settlesWithin(
    inFlight.catch(() => undefined),
    SETTLE_REFRESH_MS,
  );
}

function restore({ deps, state, queue, background }: Keeper): Promise<RestoreResult> {
  return queue.run(async (): Promise<RestoreResult> => {
    if (!deps.store) {
      const error = new AuthError('keychain_unavailable', 'The system keychain is not available.');
      return { kind: 'unavailable', error, applied: false };
    }
    const result = await deps.store.load();
    // A sign-in that committed first is newer than anything the keychain held at start-up.
    if (state.session !== undefined || state.disposed) return { ...result, applied: false };
    if (result.kind === 'found' && savedForOtherOrganization(deps.config.organization, result.session.profile)) {
      return { ...(await discardOtherOrganization(deps, result.session)), applied: true };
    }
    if (result.kind === 'found') {
      state.session = result.session;
      state.persistence = 'keychain';
      if (isFresh(deps, result.session)) background.schedule();
      else void background.refreshNow();
    } else if (result.kind === 'unavailable') {
      state.persistence = 'unavailable';
    }
    return { ...result, applied: true };
  });
}

/**
 * Deletes a saved session from before AUTH0_ORGANIZATION changed, and revokes its refresh token:
 * the person is asked to sign in through the organization the app now names.
 */
async function discardOtherOrganization(deps: SessionKeeperDeps, session: StoredSession): Promise<LoadResult> {
  deps.logger.warn('the saved session is not for the organization AUTH0_ORGANIZATION names; removing it');
  try {
    await deps.store?.clear();
  } catch {
    deps.logger.warn('the saved session could not be removed from the keychain');
  }
  if (session.tokens.refreshToken !== undefined) deps.revokeRefused(session.tokens.refreshToken);
  return { kind: 'discarded', reason: 'signed in through another organization', otherOrganization: true };
}

async function adopt(keeper: Keeper, next: StoredSession): Promise<Adoption> {
  const { deps, state, queue, background } = keeper;
  // A refresh of the previous session must not commit after this one: cut it short first.
  await settleRefresh(keeper);
  let inMemory!: (replaced: StoredSession | undefined) => void;
  const adopted = new Promise<StoredSession | undefined>((resolve) => (inMemory = resolve));
  const saved = queue.run(async () => {
    // Read on the queue: a refresh that committed first holds the replaced session's latest tokens.
    const replaced = state.session;
    state.generation += 1;
    state.redeemed.clear();
    state.session = next;
    state.persistence = deps.store ? 'saving' : 'unavailable';
    background.schedule();
    inMemory(replaced);
    state.persistence = await save(deps, next);
    deps.onEvent({ kind: 'saved', session: next, persistence: state.persistence });
    return state.persistence;
  });
  const replaced = await Promise.race([adopted, saved.then(() => adopted)]);
  return { saved, ...(replaced ? { replaced } : {}) };
}

async function getAccessToken(keeper: Keeper): Promise<string> {
  return (await freshSession(keeper)).tokens.accessToken;
}

/** The session with a usable access token, refreshing first when it is (about to be) expired. */
async function freshSession({ deps, state, refreshes }: Keeper): Promise<StoredSession> {
  const current = state.session;
  if (!current) throw new AuthError('not_signed_in', 'Sign in first.');
  if (isFresh(deps, current) && !refreshes.current()) return current;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await refreshes.run();
    } catch (error) {
      const transient = error instanceof AuthError && error.code === 'provider_unreachable';
      if (!transient || attempt >= 2 || !state.session || state.disposed) throw error;
      await new Promise((resolve) => setTimeout(resolve, FOREGROUND_RETRY_MS[attempt] ?? 1000));
    }
  }
}

async function access(keeper: Keeper, renew: boolean): Promise<SessionAccess> {
  const session = renew ? await keeper.refreshes.run() : await freshSession(keeper);
  const startedAt = keeper.state.generation;
  try {
    const dpop = await resourceProof(keeper.deps.proofs, session);
    return { accessToken: session.tokens.accessToken, ...(dpop !== undefined ? { dpop } : {}) };
  } catch (error) {
    const reason = error instanceof AuthError ? error : new AuthError('unexpected', 'The session could not be used.');
    keeper.deps.logger.warn(`the session's DPoP key is unusable; signing out (${reason.code})`);
    return endWith(keeper, reason, startedAt);
  }
}

async function end(keeper: Keeper): Promise<{ session?: StoredSession; keychainCleared: boolean }> {
  const { deps, state, queue, background } = keeper;
  // A refresh in flight either lands first (and its rotated token is the one to revoke) or is cut off.
  await settleRefresh(keeper);
  return queue.run(async () => {
    state.generation += 1;
    const ended = state.session;
    state.session = undefined;
    state.redeemed.clear();
    background.cancel();
    let keychainCleared = true;
    try {
      await deps.store?.clear();
    } catch {
      keychainCleared = false;
    }
    return { ...(ended ? { session: ended } : {}), keychainCleared };
  });
}

async function dispose({ deps, state, queue, background, refreshes }: Keeper, deadlineMs: number): Promise<void> {
  state.disposed = true;
  background.cancel();
  const pending = refreshes.current()?.catch(() => undefined);
  if (pending && !(await settlesWithin(pending, deadlineMs))) {
    deps.logger.warn(`quit deadline reached after ${deadlineMs / 1000} s: provider requests cut off`);
    deps.abortProviderRequests();
  }
  // A keychain write under way may hold a rotated refresh token that already arrived.
  if (!(await settlesWithin(queue.idle(), KEYCHAIN_WRITE_GRACE_MS))) {
    deps.logger.warn('the keychain did not finish writing in time; quitting without waiting further');
  }
}
