import * as client from 'openid-client';
import type { AuthErrorInfo, AuthState, Persistence } from '../../../shared/auth-state.js';
import type { ApiCallResult } from '../../../shared/ipc-contract.js';
import { callApi } from './api-client.js';
import { AuthError } from '../auth-error.js';
import { INITIAL_STATE, transition, view, type MachineEvent, type MachineState } from './auth-machine.js';
import type { AuthConfig } from '../config/config.js';
import { runLogin, type LoginOptions } from './login-flow.js';
import { silentLogger, type Logger } from '../logger.js';
import { runLogout, type LogoutOutcome } from './logout-flow.js';
import { createDiscoveryCache, type DiscoveryCache, type ProviderNetwork } from '../oidc/oidc-discovery.js';
import {
  createMemoryPendingRevocations,
  retryPendingRevocations,
  type PendingRevocations,
} from '../session/pending-revocations.js';
import { createSessionKeeper, settlesWithin, type SessionEvent } from '../session/session-keeper.js';
import type { SignedOutPage } from '../loopback/signed-out-page.js';
import type { TokenStore } from '../session/token-store.js';

/** What the auth service needs from its host (the Electron shell, or a test). */
export interface AuthServiceDeps {
  readonly config: AuthConfig;
  /** Opens a URL in the system browser; the service has already checked it is allowed. */
  readonly openBrowser: (url: string) => Promise<void>;
  /** The OS keychain; absent when it could not be loaded (the session then lasts for this run). */
  readonly tokenStore?: TokenStore;
  readonly logger?: Logger;
  readonly now?: () => number;
  readonly network?: ProviderNetwork;
  readonly appName?: string;
  /** Delays between background refresh attempts while the provider is unreachable. */
  readonly retryDelaysMs?: readonly number[];
  /** Refresh tokens logout could not revoke; by default kept in memory for this run. */
  readonly pendingRevocations?: PendingRevocations;
  /** Delays between retries of those revocations; the last repeats. */
  readonly revocationRetryDelaysMs?: readonly number[];
  /**
   * How long logout waits for the provider to send the browser back to the signed-out page
   * before saying its session may have survived. Default two minutes: the person may have to
   * confirm on the provider's page.
   */
  readonly signedOutPageTimeoutMs?: number;
}

/** The main process's single source of truth about who is signed in. */
export interface AuthService {
  getState(): AuthState;
  /** Calls `listener` on every state change; returns the unsubscribe function. */
  subscribe(listener: (state: AuthState) => void): () => void;
  /** Start-up: shows the saved session from the keychain at once, without waiting on the network. */
  restore(): Promise<AuthState>;
  /**
   * Signs in through the system browser. A second call during a login joins the first (never
   * two servers); a call during a logout starts once the logout has finished. Never rejects.
   */
  login(options?: LoginOptions): Promise<AuthState>;
  /** Cancels a login in progress; no-op otherwise. */
  cancelLogin(): void;
  /** Opens the sign-in page of the login in progress again, for when the browser tab was lost. */
  reopenBrowser(): Promise<void>;
  /** The sign-in page of the login in progress, for "copy the sign-in link"; main process only. */
  signInLink(): string | undefined;
  /** A valid access token for the configured audience (refreshed when needed). Main process only. */
  getAccessToken(): Promise<string>;
  /** Calls the configured API on the person's behalf; the token never leaves the main process. */
  callApi(path: string): Promise<ApiCallResult>;
  /**
   * Signs out here, revokes the refresh token, and ends the provider session in the browser.
   * A second call during a logout joins the first. Never rejects.
   */
  logout(): Promise<AuthState>;
  /**
   * Quits: cancels a login, lets a refresh land its rotated token until `deadlineMs`
   * (default 3 s), then cuts the network; resolves within about `deadlineMs` + 3 s.
   */
  dispose(options?: { deadlineMs?: number }): Promise<void>;
}

const DEFAULT_RETRY_DELAYS_MS = [5_000, 15_000, 30_000, 60_000, 300_000];
const REVOCATION_PENDING_OFFLINE: AuthErrorInfo = {
  code: 'revocation_pending',
  message:
    'You are signed out of this app, but the sign-in provider could not be reached, so your browser may still be signed in there and your session there stays valid until the app can end it. The app keeps trying.',
};
const DEFAULT_REVOCATION_RETRY_DELAYS_MS = [30_000, 120_000, 600_000, 1_800_000];
const REVOCATION_PENDING: AuthErrorInfo = {
  code: 'revocation_pending',
  message:
    'You are signed out of this app, but the sign-in provider could not be told yet, so your session there stays valid until it is. The app keeps trying.',
};
const PROVIDER_LOGOUT_UNCONFIRMED: AuthErrorInfo = {
  code: 'provider_logout_unconfirmed',
  message:
    'You are signed out of this app, but the sign-in provider did not confirm that it ended your session in the browser, so the browser may still be signed in there. Sign out on the provider’s page, or close the browser.',
};

/** What the signed-out screen says after a logout; nothing when everything ended as it should. */
function logoutNotice(outcome: LogoutOutcome): AuthErrorInfo | undefined {
  if (outcome.revocationPending) {
    return outcome.provider.kind === 'unreachable' ? REVOCATION_PENDING_OFFLINE : REVOCATION_PENDING;
  }
  switch (outcome.provider.kind) {
    case 'unreachable':
      return {
        code: 'provider_unreachable',
        message:
          'You are signed out of this app, but the sign-in provider could not be reached, so your browser may still be signed in there.',
      };
    case 'browser-not-opened':
      return {
        code: 'browser_open_failed',
        message:
          'You are signed out of this app, but the browser could not be opened to end your session at the sign-in provider, so the browser may still be signed in there.',
      };
    case 'browser-sent':
      // Without the signed-out page nothing can confirm the provider ended its session.
      if (!outcome.provider.signedOutPage) return PROVIDER_LOGOUT_UNCONFIRMED;
      break;
    case 'not-needed':
      break;
  }
  return outcome.keychainCleared
    ? undefined
    : { code: 'keychain_unavailable', message: 'You are signed out, but the keychain entry could not be removed.' };
}

/** How long quitting waits for the network by default. */
export const DEFAULT_QUIT_DEADLINE_MS = 3_000;

/** One login in progress: what joins it, cancels it and reopens its page. */
interface LoginRun {
  readonly controller: AbortController;
  promise: Promise<AuthState>;
  url?: string;
}

/**
 * Creates the auth service; nothing touches the network until a login, refresh or logout.
 *
 * Concurrency, in one place: the session and the keychain change only through the session
 * keeper's operation queue (restore, a login's commit, a refresh's commit, logout's end), with
 * generation-checked commits; login and logout are each single-flight and logout outranks
 * login; the state the renderer sees is a pure function of the events those operations report
 * (auth-machine.ts).
 */
export function createAuthService(deps: AuthServiceDeps): AuthService {
  const { config } = deps;
  const logger = deps.logger ?? silentLogger;
  const now = deps.now ?? Date.now;
  const appName = deps.appName ?? 'Desktop Login';
  const listeners = new Set<(state: AuthState) => void>();
  let machine: MachineState = INITIAL_STATE;
  let shown: AuthState = view(machine);
  let loginRun: LoginRun | undefined;
  let logoutRun: Promise<AuthState> | undefined;
  let callbackServer: { close(): Promise<void> } | undefined;
  let signedOutPage: SignedOutPage | undefined;
  let disposed = false;
  const pending = deps.pendingRevocations ?? createMemoryPendingRevocations();
  const revocationDelays = deps.revocationRetryDelaysMs ?? DEFAULT_REVOCATION_RETRY_DELAYS_MS;
  let revocationTimer: NodeJS.Timeout | undefined;
  let revocationAttempt = 0;
  let revoking: Promise<void> | undefined;

  // Every provider request goes through this fetch, so logout and quit can stop them all.
  let requests = new AbortController();
  const baseFetch = deps.network?.fetch ?? fetch;
  const scopedFetch: typeof fetch = (input, init) =>
    baseFetch(input, {
      ...init,
      signal: init?.signal ? AbortSignal.any([init.signal, requests.signal]) : requests.signal,
    });
  const abortProviderRequests = (): void => {
    requests.abort();
    requests = new AbortController();
  };
  const discovery = rediscoverWhileKeysAreNew(createDiscoveryCache(config, { ...deps.network, fetch: scopedFetch }));

  const dispatch = (event: MachineEvent): void => {
    machine = transition(machine, event);
    // Every event is told, even one that leaves the view as it was (a renewal): listeners learn the session moved on.
    const next = view(machine);
    shown = next;
    for (const listener of listeners) {
      try {
        listener(next);
      } catch {
        logger.error('a state listener threw');
      }
    }
  };

  const keeper = createSessionKeeper({
    config,
    discovery,
    ...(deps.tokenStore ? { store: deps.tokenStore } : {}),
    logger,
    now,
    refreshSkewMs: config.refreshSkewMs,
    retryDelaysMs: deps.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS,
    abortProviderRequests,
    onEvent: (event: SessionEvent) => {
      if (event.kind === 'ended') {
        dispatch({ type: 'session-ended', notice: event.reason.toInfo() });
        return;
      }
      dispatch({ type: 'session-renewed', profile: event.session.profile, persistence: event.persistence });
      void retryRevocations();
    },
  });

  /**
   * Retries revocations logout could not do: at start, whenever the provider has just answered
   * (a sign-in, a renewal), and on a backing-off timer until none is left.
   */
  const scheduleRevocationRetry = (): void => {
    clearTimeout(revocationTimer);
    if (disposed) return;
    const delay = revocationDelays[Math.min(revocationAttempt, revocationDelays.length - 1)] ?? 1_800_000;
    revocationAttempt += 1;
    revocationTimer = setTimeout(() => void retryRevocations(), delay);
    revocationTimer.unref();
  };
  const retryRevocations = (): Promise<void> => {
    if (disposed) return Promise.resolve();
    revoking ??= (async () => {
      clearTimeout(revocationTimer);
      if ((await retryPendingRevocations(pending, discovery, logger)) > 0) {
        scheduleRevocationRetry();
        return;
      }
      revocationAttempt = 0;
      dispatch({ type: 'revocations-settled' });
    })().finally(() => {
      revoking = undefined;
    });
    return revoking;
  };

  /** Frees the registered callback port: a finished login's lingering server, a logout's signed-out page. */
  const releasePort = async (): Promise<void> => {
    signedOutPage?.close();
    signedOutPage = undefined;
    const server = callbackServer;
    callbackServer = undefined;
    await server?.close();
  };

  const runOneLogin = async (
    run: LoginRun,
    options: LoginOptions | undefined,
    cancelled: Promise<AuthState> | undefined,
  ): Promise<AuthState> => {
    // A logout already running finishes first: it would end this session, and its page holds the
    // port. Read now, not after the next await: a logout pressed later aborts this login instead,
    // and waits for it, so waiting for that one would deadlock.
    const runningLogout = logoutRun;
    // A cancelled login still winding down holds the callback port: let it finish first.
    await cancelled;
    await runningLogout;
    if (run.controller.signal.aborted || disposed) return shown;
    await releasePort();
    const startedAt = now();
    dispatch({ type: 'login-started', startedAt });
    let persistence: Persistence = 'unavailable';
    try {
      const profile = await runLogin(
        {
          config,
          discovery,
          openBrowser: deps.openBrowser,
          logger,
          signal: run.controller.signal,
          now,
          appName,
          onStep: (step, details) => {
            if (details?.authorizationUrl !== undefined) run.url = details.authorizationUrl;
            dispatch({
              type: 'login-progressed',
              step,
              linkAvailable: run.url !== undefined,
              ...(details?.browserOpenFailed ? { browserOpenFailed: true } : {}),
            });
          },
          onAuthenticated: async (tokens, profile) => {
            persistence = await keeper.adopt({ tokens, profile });
          },
          onCallbackServer: (server) => (callbackServer = server),
        },
        options,
      );
      dispatch({ type: 'login-succeeded', profile, persistence });
      void retryRevocations();
    } catch (error) {
      const authError =
        error instanceof AuthError
          ? error
          : new AuthError('unexpected', 'Sign-in failed unexpectedly. Try again.', { cause: error });
      if (authError.code !== 'login_cancelled') logger.warn(`sign-in failed (${authError.code})`);
      dispatch({ type: 'login-failed', error: authError.toInfo() });
    }
    return shown;
  };

  const login = (options?: LoginOptions): Promise<AuthState> => {
    // A login in progress is joined; one already cancelled is not: Login pressed after Cancel or
    // Logout is a new request, not the end of the old one.
    if (loginRun && !loginRun.controller.signal.aborted) return loginRun.promise;
    if (disposed) return Promise.resolve(shown);
    const cancelled = loginRun?.promise;
    const run: LoginRun = { controller: new AbortController(), promise: Promise.resolve(shown) };
    loginRun = run;
    run.promise = runOneLogin(run, options, cancelled).finally(() => {
      if (loginRun === run) loginRun = undefined;
    });
    return run.promise;
  };

  /** The provider never sent the browser back: its session may have survived, so say so. */
  const reportUnconfirmedLogout = async (page: SignedOutPage): Promise<void> => {
    if ((await page.outcome) !== 'timed-out') return;
    logger.warn('logout: the provider did not send the browser back; its session may still be active');
    dispatch({ type: 'provider-logout-unconfirmed', notice: PROVIDER_LOGOUT_UNCONFIRMED });
  };

  const runOneLogout = async (): Promise<AuthState> => {
    dispatch({ type: 'logout-started' });
    const pendingLogin = loginRun;
    pendingLogin?.controller.abort();
    await pendingLogin?.promise;
    await releasePort();
    let notice: AuthErrorInfo | undefined;
    try {
      const outcome = await runLogout({
        config,
        discovery,
        keeper,
        openBrowser: deps.openBrowser,
        logger,
        appName,
        pending,
        ...(deps.signedOutPageTimeoutMs !== undefined ? { signedOutPageTimeoutMs: deps.signedOutPageTimeoutMs } : {}),
      });
      notice = logoutNotice(outcome);
      if (outcome.provider.kind === 'browser-sent' && outcome.provider.signedOutPage) {
        signedOutPage = outcome.provider.signedOutPage;
        void reportUnconfirmedLogout(signedOutPage);
      }
    } catch (error) {
      notice = (error instanceof AuthError ? error : new AuthError('unexpected', 'Logout did not finish.')).toInfo();
    }
    dispatch({ type: 'logout-finished', ...(notice ? { notice } : {}) });
    // After the state says so, or an early success could be undone by it.
    if (notice?.code === 'revocation_pending') scheduleRevocationRetry();
    return shown;
  };

  return {
    getState: () => shown,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async restore() {
      const result = await keeper.restore();
      // Off the start-up path: revocations a previous run could not do.
      void retryRevocations();
      if (!result.applied) return shown;
      switch (result.kind) {
        case 'found':
          dispatch({ type: 'restored', profile: result.session.profile, persistence: 'keychain' });
          break;
        case 'empty':
          dispatch({ type: 'restored-nothing' });
          break;
        case 'discarded':
          logger.warn(`the saved session was discarded: ${result.reason}`);
          dispatch({
            type: 'restored-nothing',
            notice: {
              code: 'keychain_unavailable',
              message: 'Your saved session could not be read, so it was removed. Please sign in again.',
            },
          });
          break;
        case 'unavailable':
          // A locked keychain is no reason to delete anything: signed out for this run only.
          logger.warn('the keychain is unavailable; starting signed out');
          dispatch({
            type: 'restored-nothing',
            notice: {
              code: 'keychain_unavailable',
              message:
                'The system keychain is locked or unavailable, so your saved session could not be opened. Unlock it and restart, or sign in for this run only.',
            },
          });
          break;
      }
      return shown;
    },

    login,
    cancelLogin() {
      loginRun?.controller.abort();
    },
    signInLink: () => loginRun?.url,
    async reopenBrowser() {
      const url = loginRun?.url;
      if (url === undefined) throw new AuthError('not_signed_in', 'There is no sign-in in progress to reopen.');
      await deps.openBrowser(url);
    },

    getAccessToken: () => keeper.getAccessToken(),
    callApi: (path) =>
      callApi(
        { keeper, apiBaseUrl: config.apiBaseUrl, ...(deps.network?.fetch ? { fetch: deps.network.fetch } : {}) },
        path,
      ),

    logout() {
      // Logout outranks every Login pressed before it, also one that waits for a logout already
      // running (which this call joins): that Login must not start once the logout is done.
      loginRun?.controller.abort();
      logoutRun ??= runOneLogout().finally(() => {
        logoutRun = undefined;
      });
      return logoutRun;
    },

    async dispose(options = {}) {
      const deadlineMs = options.deadlineMs ?? DEFAULT_QUIT_DEADLINE_MS;
      const startedAt = Date.now();
      disposed = true;
      clearTimeout(revocationTimer);
      loginRun?.controller.abort();
      const running = Promise.all([loginRun?.promise, logoutRun]);
      if (!(await settlesWithin(running, deadlineMs))) abortProviderRequests();
      await keeper.dispose(Math.max(0, deadlineMs - (Date.now() - startedAt)));
      signedOutPage?.close();
      await callbackServer?.close();
    },
  };
}

/** How long oauth4webapi keeps trusting its JWKS copy before it refetches on an unknown `kid`. */
const JWKS_REFETCH_GUARD_SECONDS = 60;

/**
 * oauth4webapi refetches the JWKS for an unknown `kid` only once its copy is a minute old (a
 * guard against kid probing). A key rotated within that minute would make the next ID token
 * unverifiable, and a refresh lost that way takes the rotated refresh token with it, ending the
 * session. So during that minute callers get a freshly discovered configuration, which fetches
 * the JWKS when it first verifies a token; afterwards the cached one, which refetches by itself.
 */
function rediscoverWhileKeysAreNew(cache: DiscoveryCache): DiscoveryCache {
  return {
    async get() {
      const current = await cache.get();
      const fetchedAt = client.getJwksCache(current)?.uat;
      if (fetchedAt === undefined || Date.now() / 1000 - fetchedAt >= JWKS_REFETCH_GUARD_SECONDS) return current;
      cache.clear();
      return cache.get();
    },
    clear: () => cache.clear(),
  };
}
