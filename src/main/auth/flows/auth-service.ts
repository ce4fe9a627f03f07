import type { AuthState } from '../../../shared/auth-state.js';
import type { ApiCallResult } from '../../../shared/ipc-contract.js';
import { callApi } from './api-client.js';
import { AuthError } from '../auth-error.js';
import { createAuthStatePublisher, type AuthStatePublisher } from './auth-state-publisher.js';
import { createCallbackPortHolder, type CallbackPortHolder } from './callback-port-holder.js';
import type { AuthConfig } from '../config/config.js';
import type { LoginOptions } from './login-flow.js';
import { createLoginRunner, type LoginRunner } from './login-runner.js';
import { silentLogger, type Logger } from '../logger.js';
import { createLogoutRunner, type LogoutRunner } from './logout-runner.js';
import { createDiscoveryCache, type DiscoveryCache, type ProviderNetwork } from '../oidc/oidc-discovery.js';
import { createDpopProofs } from '../oidc/dpop-proofs.js';
import { createKeepAliveFetch } from '../oidc/keep-alive-fetch.js';
import { createProviderRequests, type ProviderRequests } from './provider-requests.js';
import { createMemoryPendingRevocations, type PendingRevocations } from '../session/pending-revocations.js';
import { createRevocationRetrier, type RevocationRetrier } from './revocation-retrier.js';
import {
  createSessionKeeper,
  settlesWithin,
  type SessionEvent,
  type SessionKeeper,
} from '../session/session-keeper.js';
import { restoreSession } from './session-restore.js';
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
  /**
   * A login on the provider's sign-up page (Auth0 `screen_hint=signup`), everything else as
   * login(). With `prompt=login` too: Auth0 shows the sign-up page only when it prompts, and a
   * browser session it still has would otherwise sign that account in instead, unasked.
   */
  signUp(): Promise<AuthState>;
  /**
   * A login on the provider's login page even when its browser session would skip it
   * (`prompt=login`), from signed out or signed in. A different person replaces the session (the
   * old refresh token is revoked); a login that fails or is cancelled leaves the session as it was.
   */
  loginWithOtherAccount(): Promise<AuthState>;
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
const DEFAULT_REVOCATION_RETRY_DELAYS_MS = [30_000, 120_000, 600_000, 1_800_000];

/** How long quitting waits for the network by default. */
export const DEFAULT_QUIT_DEADLINE_MS = 3_000;

/** The parts the service is built from; each owns its piece of mutable state. */
interface ServiceParts {
  readonly logger: Logger;
  readonly state: AuthStatePublisher;
  readonly requests: ProviderRequests;
  readonly revocations: RevocationRetrier;
  readonly keeper: SessionKeeper;
  readonly port: CallbackPortHolder;
  readonly logins: LoginRunner;
  readonly logouts: LogoutRunner;
  readonly discovery: DiscoveryCache;
  /** Closes the idle provider connections kept for reuse. */
  readonly closeConnections: () => void;
}

/**
 * Creates the auth service; nothing touches the network until restore (which loads the
 * provider's public discovery document and keys in the background), a login, refresh or logout.
 *
 * Concurrency, in one place: the session and the keychain change only through the session
 * keeper's operation queue (restore, a login's commit, a refresh's commit, logout's end), with
 * generation-checked commits; login and logout are each single-flight and logout outranks
 * login (login-runner.ts, logout-runner.ts); the state the renderer sees is a pure function of
 * the events those operations report (auth-machine.ts).
 */
export function createAuthService(deps: AuthServiceDeps): AuthService {
  const parts = createServiceParts(deps);
  const { state, keeper, logins, logouts } = parts;
  return {
    getState: () => state.current(),
    subscribe: (listener) => state.subscribe(listener),
    restore: () => restoreSession(parts),
    login: (options) => logins.start(options),
    signUp: () => logins.start({ screenHint: 'signup', prompt: 'login' }),
    loginWithOtherAccount: () => logins.start({ prompt: 'login' }),
    cancelLogin: () => logins.cancel(),
    signInLink: () => logins.link(),
    async reopenBrowser() {
      const url = logins.link();
      if (url === undefined) throw new AuthError('not_signed_in', 'There is no sign-in in progress to reopen.');
      await deps.openBrowser(url);
    },
    getAccessToken: () => keeper.getAccessToken(),
    callApi: (path) =>
      callApi(
        { keeper, apiBaseUrl: deps.config.apiBaseUrl, ...(deps.network?.fetch ? { fetch: deps.network.fetch } : {}) },
        path,
      ),
    logout: () => logouts.start(),
    dispose: (options = {}) => quit(parts, options),
  };
}

/** Builds the parts in dependency order; the login and logout runners look at each other's run. */
function createServiceParts(deps: AuthServiceDeps): ServiceParts {
  const { config } = deps;
  const logger = deps.logger ?? silentLogger;
  const now = deps.now ?? Date.now;
  const state = createAuthStatePublisher(logger);
  const pending = deps.pendingRevocations ?? createMemoryPendingRevocations();
  // Every provider request goes through this fetch, so logout and quit can stop them all.
  const keepAlive = createKeepAliveFetch();
  const requests = createProviderRequests(deps.network?.fetch ?? keepAlive.fetch);
  // Loaded off the visible paths (restore, a renewed session) and used as cached: a login
  // opens the browser without a provider request. Keys rotated since are handled where an ID
  // token is verified (token-response-replay.ts).
  const discovery = createDiscoveryCache(config, { ...deps.network, fetch: requests.fetch });
  const revocations = createRevocationRetrier({
    pending,
    discovery,
    logger,
    delaysMs: deps.revocationRetryDelaysMs ?? DEFAULT_REVOCATION_RETRY_DELAYS_MS,
    onSettled: () => state.dispatch({ type: 'revocations-settled' }),
  });
  // One handle per DPoP key for the service's life: the sign-in that made the key, its refreshes
  // and API calls share it, so a server's DPoP nonce is asked for once.
  const proofs = createDpopProofs(config);
  const keeper = createSessionKeeper({
    config,
    discovery,
    proofs,
    ...(deps.tokenStore ? { store: deps.tokenStore } : {}),
    logger,
    now,
    refreshSkewMs: config.refreshSkewMs,
    retryDelaysMs: deps.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS,
    abortProviderRequests: () => requests.abortAll(),
    revokeRefused: (refreshToken) => void revocations.revokeLater(refreshToken),
    onEvent: (event) => reportSessionEvent(event, state, revocations, discovery),
  });
  const port = createCallbackPortHolder();
  const appName = deps.appName ?? 'Desktop Login';
  const flows = { config, discovery, openBrowser: deps.openBrowser, logger, appName, keeper, state, port, revocations };
  const logins = createLoginRunner({
    ...flows,
    now,
    runningLogout: () => logouts.running(),
    preconnect: (url) => requests.preconnect(url),
    proofs,
  });
  const logouts = createLogoutRunner({
    ...flows,
    pending,
    logins,
    ...(deps.signedOutPageTimeoutMs !== undefined ? { signedOutPageTimeoutMs: deps.signedOutPageTimeoutMs } : {}),
  });
  return {
    logger,
    state,
    requests,
    revocations,
    keeper,
    port,
    logins,
    logouts,
    discovery,
    closeConnections: () => keepAlive.close(),
  };
}

/** The keeper saved, renewed or ended the session; a renewal means the provider answers again. */
function reportSessionEvent(
  event: SessionEvent,
  state: AuthStatePublisher,
  revocations: RevocationRetrier,
  discovery: DiscoveryCache,
): void {
  if (event.kind === 'ended') {
    state.dispatch({ type: 'session-ended', notice: event.reason.toInfo() });
    return;
  }
  if (event.kind === 'saved') {
    state.dispatch({ type: 'session-saved', sub: event.session.profile.sub, persistence: event.persistence });
    return;
  }
  state.dispatch({ type: 'session-renewed', profile: event.session.profile, persistence: event.persistence });
  void revocations.retry();
  // A background moment that already talked to the provider: keep discovery fresh.
  void discovery.prefetch();
}

/** Cancels a login, lets running work settle until the deadline, then cuts the network and frees the port. */
async function quit(parts: ServiceParts, options: { deadlineMs?: number }): Promise<void> {
  const deadlineMs = options.deadlineMs ?? DEFAULT_QUIT_DEADLINE_MS;
  const startedAt = Date.now();
  parts.revocations.stop();
  parts.logins.stop();
  const running = Promise.all([parts.logins.running(), parts.logouts.running()]);
  if (!(await settlesWithin(running, deadlineMs))) parts.requests.abortAll();
  await parts.keeper.dispose(Math.max(0, deadlineMs - (Date.now() - startedAt)));
  await parts.port.close();
  parts.closeConnections();
}
