import type { AuthState, LoginStep, Profile } from '../../shared/auth-state.js';
import { AuthError } from './auth-error.js';
import type { AuthConfig } from './config.js';
import { runLogin, type LoginOptions } from './login-flow.js';
import { silentLogger, type Logger } from './logger.js';
import { createDiscoveryCache, type DiscoveryCache, type ProviderNetwork } from './oidc-discovery.js';
import type { TokenSet } from './token-set.js';

/** What the auth service needs from its host (the Electron shell, or a test). */
export interface AuthServiceDeps {
  readonly config: AuthConfig;
  /** Opens a URL in the system browser; the caller has already checked it is allowed. */
  readonly openBrowser: (url: string) => Promise<void>;
  readonly logger?: Logger;
  readonly now?: () => number;
  readonly network?: ProviderNetwork;
  readonly appName?: string;
}

/** The main process's single source of truth about who is signed in. */
export interface AuthService {
  getState(): AuthState;
  /** Calls `listener` on every state change; returns the unsubscribe function. */
  subscribe(listener: (state: AuthState) => void): () => void;
  /** Signs in through the system browser. A second call during a login joins the first (never two servers). Never rejects. */
  login(options?: LoginOptions): Promise<AuthState>;
  /** Cancels a login in progress; no-op otherwise. */
  cancelLogin(): void;
  /** Opens the sign-in page of the login in progress again, for when the browser tab was lost. */
  reopenBrowser(): Promise<void>;
  /** Stops everything in flight (app quit). */
  dispose(): Promise<void>;
}

interface Session {
  readonly tokens: TokenSet;
  readonly profile: Profile;
}

/** Creates the auth service; nothing touches the network until `login` is called. */
export function createAuthService(deps: AuthServiceDeps): AuthService {
  const logger = deps.logger ?? silentLogger;
  const now = deps.now ?? Date.now;
  const discovery: DiscoveryCache = createDiscoveryCache(deps.config, deps.network);
  const listeners = new Set<(state: AuthState) => void>();
  let state: AuthState = { status: 'signed-out' };
  let session: Session | undefined;
  let inFlight: { promise: Promise<AuthState>; controller: AbortController; url?: string } | undefined;

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

  const login = (options?: LoginOptions): Promise<AuthState> => {
    if (inFlight) return inFlight.promise;
    const controller = new AbortController();
    const startedAt = now();
    const current: { promise: Promise<AuthState>; controller: AbortController; url?: string } = {
      controller,
      promise: Promise.resolve(state),
    };
    inFlight = current;
    setState({ status: 'signing-in', step: 'opening-browser', startedAt });
    const onStep = (step: LoginStep, details?: { authorizationUrl?: string; browserOpenFailed?: boolean }): void => {
      if (details?.authorizationUrl !== undefined) current.url = details.authorizationUrl;
      setState({
        status: 'signing-in',
        step,
        startedAt,
        ...(current.url !== undefined ? { authorizationUrl: current.url } : {}),
        ...(details?.browserOpenFailed ? { browserOpenFailed: true } : {}),
      });
    };
    current.promise = runLogin(
      {
        config: deps.config,
        discovery,
        openBrowser: deps.openBrowser,
        logger,
        signal: controller.signal,
        now,
        onStep,
        ...(deps.appName ? { appName: deps.appName } : {}),
        onAuthenticated: async (tokens, profile) => {
          session = { tokens, profile };
        },
      },
      options,
    )
      .then(
        (profile): AuthState => {
          setState({ status: 'signed-in', profile, persistence: 'unavailable' });
          return state;
        },
        (error: unknown): AuthState => {
          const authError =
            error instanceof AuthError
              ? error
              : new AuthError('unexpected', 'Sign-in failed unexpectedly. Try again.', { cause: error });
          if (authError.code !== 'login_cancelled') logger.warn(`sign-in failed (${authError.code})`);
          setState(
            authError.code === 'login_cancelled'
              ? { status: 'signed-out', reason: authError.toInfo() }
              : { status: 'error', error: authError.toInfo() },
          );
          return state;
        },
      )
      .finally(() => {
        if (inFlight === current) inFlight = undefined;
      });
    return current.promise;
  };

  return {
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    login,
    cancelLogin() {
      inFlight?.controller.abort();
    },
    async reopenBrowser() {
      const url = inFlight?.url;
      if (url === undefined) throw new AuthError('not_signed_in', 'There is no sign-in in progress to reopen.');
      await deps.openBrowser(url);
    },
    async dispose() {
      const pending = inFlight;
      pending?.controller.abort();
      await pending?.promise;
      session = undefined;
    },
  };
}
