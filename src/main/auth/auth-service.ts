import * as client from 'openid-client';
import type { AuthState, LoginStep, Persistence } from '../../shared/auth-state.js';
import type { ApiCallResult } from '../../shared/ipc-contract.js';
import { callApi } from './api-client.js';
import { AuthError } from './auth-error.js';
import type { AuthConfig } from './config.js';
import { runLogin, type LoginOptions } from './login-flow.js';
import { silentLogger, type Logger } from './logger.js';
import { runLogout } from './logout-flow.js';
import { createDiscoveryCache, type DiscoveryCache, type ProviderNetwork } from './oidc-discovery.js';
import { processLocalLock, type RefreshLock } from './refresh-lock.js';
import { createSessionKeeper, type SessionEvent } from './session-keeper.js';
import type { SignedOutPage } from './signed-out-page.js';
import type { TokenStore } from './token-store.js';

/** What the auth service needs from its host (the Electron shell, or a test). */
export interface AuthServiceDeps {
  readonly config: AuthConfig;
  /** Opens a URL in the system browser; the service has already checked it is allowed. */
  readonly openBrowser: (url: string) => Promise<void>;
  /** The OS keychain; absent when it could not be loaded (the session then lasts for this run). */
  readonly tokenStore?: TokenStore;
  /** Serialises refreshes across app instances sharing the keychain entry. */
  readonly refreshLock?: RefreshLock;
  readonly logger?: Logger;
  readonly now?: () => number;
  readonly network?: ProviderNetwork;
  readonly appName?: string;
  /** Delays between background refresh attempts while the provider is unreachable. */
  readonly retryDelaysMs?: readonly number[];
}

/** The main process's single source of truth about who is signed in. */
export interface AuthService {
  getState(): AuthState;
  /** Calls `listener` on every state change; returns the unsubscribe function. */
  subscribe(listener: (state: AuthState) => void): () => void;
  /** Start-up: shows the saved session from the keychain at once, without waiting on the network. */
  restore(): Promise<AuthState>;
  /** Signs in through the system browser. A second call during a login joins the first (never two servers). Never rejects. */
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
  /** Signs out here, revokes the refresh token, and ends the provider session in the browser. Never rejects. */
  logout(): Promise<AuthState>;
  /** Stops everything in flight and lets a running refresh land in the keychain (app quit). */
  dispose(): Promise<void>;
}

const DEFAULT_RETRY_DELAYS_MS = [5_000, 15_000, 30_000, 60_000, 300_000];

/** Creates the auth service; nothing touches the network until a login, refresh or logout. */
export function createAuthService(deps: AuthServiceDeps): AuthService {
  const { config } = deps;
  const logger = deps.logger ?? silentLogger;
  const now = deps.now ?? Date.now;
  const appName = deps.appName ?? 'Desktop Login';
  const discovery = rediscoverWhileKeysAreNew(createDiscoveryCache(config, deps.network));
  const listeners = new Set<(state: AuthState) => void>();
  let state: AuthState = { status: 'signed-out' };
  let inFlight: { promise: Promise<AuthState>; controller: AbortController; url?: string } | undefined;
  let signedOutPage: SignedOutPage | undefined;

  const setState = (next: AuthState): void => {
    state = next;
    for (const listener of listeners) {
      try {
        listener(next);
      } catch {
        logger.error('a state listener threw');
      }
    }
  };

  const onSessionEvent = (event: SessionEvent): void => {
    // A login in progress owns the state; session events only describe an existing session.
    if (inFlight) return;
    if (event.kind === 'updated') {
      setState({ status: 'signed-in', profile: event.session.profile, persistence: event.persistence });
    } else {
      setState({ status: 'signed-out', reason: event.reason.toInfo() });
    }
  };

  const keeper = createSessionKeeper({
    config,
    discovery,
    ...(deps.tokenStore ? { store: deps.tokenStore } : {}),
    lock: deps.refreshLock ?? processLocalLock,
    logger,
    now,
    refreshSkewMs: config.refreshSkewMs,
    retryDelaysMs: deps.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS,
    onEvent: onSessionEvent,
  });

  const signedInState = (persistence: Persistence): AuthState => {
    const session = keeper.current();
    return session ? { status: 'signed-in', profile: session.profile, persistence } : { status: 'signed-out' };
  };

  const login = (options?: LoginOptions): Promise<AuthState> => {
    if (inFlight) return inFlight.promise;
    // The signed-out page may still hold a registered port the callback needs.
    signedOutPage?.close();
    signedOutPage = undefined;
    const controller = new AbortController();
    const startedAt = now();
    const current: { promise: Promise<AuthState>; controller: AbortController; url?: string } = {
      controller,
      promise: Promise.resolve(state),
    };
    inFlight = current;
    setState({ status: 'signing-in', step: 'opening-browser', startedAt, linkAvailable: false });
    const onStep = (step: LoginStep, details?: { authorizationUrl?: string; browserOpenFailed?: boolean }): void => {
      if (details?.authorizationUrl !== undefined) current.url = details.authorizationUrl;
      setState({
        status: 'signing-in',
        step,
        startedAt,
        linkAvailable: current.url !== undefined,
        ...(details?.browserOpenFailed ? { browserOpenFailed: true } : {}),
      });
    };
    let persistence: Persistence = 'unavailable';
    current.promise = runLogin(
      {
        config,
        discovery,
        openBrowser: deps.openBrowser,
        logger,
        signal: controller.signal,
        now,
        onStep,
        appName,
        onAuthenticated: async (tokens, profile) => {
          persistence = await keeper.adopt({ tokens, profile });
        },
      },
      options,
    )
      .then(
        (profile): AuthState => ({ status: 'signed-in', profile, persistence }),
        (error: unknown): AuthState => {
          const authError =
            error instanceof AuthError
              ? error
              : new AuthError('unexpected', 'Sign-in failed unexpectedly. Try again.', { cause: error });
          if (authError.code !== 'login_cancelled') logger.warn(`sign-in failed (${authError.code})`);
          // A failed or cancelled attempt does not end an existing session.
          if (keeper.current() && authError.code === 'login_cancelled') return signedInState(keeper.persistence());
          return authError.code === 'login_cancelled'
            ? { status: 'signed-out', reason: authError.toInfo() }
            : { status: 'error', error: authError.toInfo() };
        },
      )
      .then((next) => {
        if (inFlight === current) inFlight = undefined;
        setState(next);
        return next;
      });
    return current.promise;
  };

  return {
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async restore() {
      const result = await keeper.restore();
      switch (result.kind) {
        case 'found':
          setState(signedInState('keychain'));
          break;
        case 'empty':
          setState({ status: 'signed-out' });
          break;
        case 'discarded':
          logger.warn(`the saved session was discarded: ${result.reason}`);
          setState({
            status: 'signed-out',
            reason: {
              code: 'keychain_unavailable',
              message: 'Your saved session could not be read, so it was removed. Please sign in again.',
            },
          });
          break;
        case 'unavailable':
          // A locked keychain is no reason to delete anything: signed out for this run only.
          logger.warn('the keychain is unavailable; starting signed out');
          setState({
            status: 'signed-out',
            reason: {
              code: 'keychain_unavailable',
              message:
                'The system keychain is locked or unavailable, so your saved session could not be opened. Unlock it and restart, or sign in for this run only.',
            },
          });
          break;
      }
      return state;
    },

    login,
    cancelLogin() {
      inFlight?.controller.abort();
    },
    signInLink: () => inFlight?.url,
    async reopenBrowser() {
      const url = inFlight?.url;
      if (url === undefined) throw new AuthError('not_signed_in', 'There is no sign-in in progress to reopen.');
      await deps.openBrowser(url);
    },

    getAccessToken: () => keeper.getAccessToken(),
    callApi: (path) =>
      callApi(
        { keeper, apiBaseUrl: config.apiBaseUrl, ...(deps.network?.fetch ? { fetch: deps.network.fetch } : {}) },
        path,
      ),

    async logout() {
      inFlight?.controller.abort();
      await inFlight?.promise;
      try {
        const outcome = await runLogout({ config, discovery, keeper, openBrowser: deps.openBrowser, logger, appName });
        signedOutPage = outcome.signedOutPage;
        if (!outcome.providerSessionEnded) {
          setState({
            status: 'signed-out',
            reason: {
              code: 'provider_unreachable',
              message:
                'You are signed out of this app, but the sign-in provider could not be reached, so your browser may still be signed in there.',
            },
          });
        } else if (!outcome.keychainCleared) {
          setState({
            status: 'signed-out',
            reason: {
              code: 'keychain_unavailable',
              message: 'You are signed out, but the keychain entry could not be removed.',
            },
          });
        } else {
          setState({ status: 'signed-out' });
        }
      } catch (error) {
        const authError = error instanceof AuthError ? error : new AuthError('unexpected', 'Logout did not finish.');
        setState({ status: 'signed-out', reason: authError.toInfo() });
      }
      return state;
    },

    async dispose() {
      const pending = inFlight;
      pending?.controller.abort();
      await pending?.promise;
      signedOutPage?.close();
      await keeper.dispose();
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
