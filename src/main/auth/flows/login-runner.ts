import type { AuthState, Profile } from '../../../shared/auth-state.js';
import { AuthError } from '../auth-error.js';
import type { AuthConfig } from '../config/config.js';
import type { Logger } from '../logger.js';
import type { DpopProofs } from '../oidc/dpop-proofs.js';
import type { DiscoveryCache } from '../oidc/oidc-discovery.js';
import type { SessionKeeper } from '../session/session-keeper.js';
import type { StoredSession } from '../session/stored-session.js';
import type { AuthStatePublisher } from './auth-state-publisher.js';
import type { CallbackPortHolder } from './callback-port-holder.js';
import { runLogin, type LoginFlowDeps, type LoginOptions } from './login-flow.js';
import type { RevocationRetrier } from './revocation-retrier.js';

/** What the login runner needs from the auth service. */
export interface LoginRunnerDeps {
  readonly config: AuthConfig;
  readonly discovery: DiscoveryCache;
  readonly openBrowser: (url: string) => Promise<void>;
  readonly logger: Logger;
  readonly now: () => number;
  readonly appName: string;
  readonly keeper: SessionKeeper;
  readonly state: AuthStatePublisher;
  readonly port: CallbackPortHolder;
  readonly revocations: RevocationRetrier;
  /** The logout running now, if any (the logout runner's). */
  readonly runningLogout: () => Promise<AuthState> | undefined;
  /** Opens a connection for the code exchange while the person signs in. */
  readonly preconnect?: (url: string) => void;
  /** The handles that sign DPoP proofs, shared with the session keeper. */
  readonly proofs: DpopProofs;
}

/** Single-flight login: what joins, cancels and reopens the login in progress. */
export interface LoginRunner {
  /**
   * Starts a login, or joins the one in progress. One already cancelled is not joined: Login
   * pressed after Cancel or Logout is a new request, not the end of the old one. Never rejects.
   */
  start(options?: LoginOptions): Promise<AuthState>;
  /** Cancels the login in progress, also one still waiting for its turn; no-op otherwise. */
  cancel(): void;
  /** The login in progress, also a cancelled one still winding down, for logout and quit to wait for. */
  running(): Promise<AuthState> | undefined;
  /** The sign-in page of the login in progress, once it is known. */
  link(): string | undefined;
  /** Stops for good (the app quits): cancels the login in progress and starts no other. */
  stop(): void;
}

/** One login in progress: what joins it, cancels it and reopens its page. */
interface LoginRun {
  readonly controller: AbortController;
  promise: Promise<AuthState>;
  url?: string;
}

/** Creates the runner; it owns the login in progress. */
export function createLoginRunner(deps: LoginRunnerDeps): LoginRunner {
  let current: LoginRun | undefined;
  let stopped = false;
  return {
    start(options) {
      if (current && !current.controller.signal.aborted) return current.promise;
      if (stopped) return Promise.resolve(deps.state.current());
      const cancelled = current?.promise;
      const run: LoginRun = { controller: new AbortController(), promise: Promise.resolve(deps.state.current()) };
      current = run;
      run.promise = runOneLogin(deps, run, options, cancelled, () => stopped).finally(() => {
        if (current === run) current = undefined;
      });
      return run.promise;
    },
    cancel() {
      current?.controller.abort();
    },
    running: () => current?.promise,
    link: () => current?.url,
    stop() {
      stopped = true;
      current?.controller.abort();
    },
  };
}

async function runOneLogin(
  deps: LoginRunnerDeps,
  run: LoginRun,
  options: LoginOptions | undefined,
  cancelled: Promise<AuthState> | undefined,
  stopped: () => boolean,
): Promise<AuthState> {
  // A logout already running finishes first: it would end this session, and its page holds the
  // port. Read now, not after the next await: a logout pressed later aborts this login instead,
  // and waits for it, so waiting for that one would deadlock.
  const runningLogout = deps.runningLogout();
  // A cancelled login still winding down holds the callback port: let it finish first.
  await cancelled;
  await runningLogout;
  if (run.controller.signal.aborted || stopped()) return deps.state.current();
  await deps.port.release();
  deps.state.dispatch({ type: 'login-started', startedAt: deps.now() });
  try {
    // Signed in shows as soon as the session is in memory (loginFlowDeps); this resolves once
    // the keychain write has settled and the browser tab has been told.
    await runLogin(loginFlowDeps(deps, run), options);
    void deps.revocations.retry();
  } catch (error) {
    deps.state.dispatch({ type: 'login-failed', error: loginFailure(error, deps.logger).toInfo() });
  }
  return deps.state.current();
}

/** What one run of the login flow reports to: the state, the session keeper and the port holder. */
function loginFlowDeps(deps: LoginRunnerDeps, run: LoginRun): LoginFlowDeps {
  return {
    config: deps.config,
    discovery: deps.discovery,
    openBrowser: deps.openBrowser,
    logger: deps.logger,
    signal: run.controller.signal,
    now: deps.now,
    appName: deps.appName,
    onStep: (step, details) => {
      if (details?.authorizationUrl !== undefined) run.url = details.authorizationUrl;
      deps.state.dispatch({
        type: 'login-progressed',
        step,
        linkAvailable: run.url !== undefined,
        ...(details?.browserOpenFailed ? { browserOpenFailed: true } : {}),
      });
    },
    onAuthenticated: async (tokens, profile, dpopKey) => {
      const adoption = await deps.keeper.adopt({ tokens, profile, ...(dpopKey ? { dpopKey } : {}) });
      // Read now, not assumed `saving`: a keychain that answered at once has already reported.
      deps.state.dispatch({ type: 'login-succeeded', profile, persistence: deps.keeper.persistence() });
      const retired = retiredRefreshToken(adoption.replaced, profile);
      if (retired !== undefined) {
        deps.logger.info('signed in as someone else; revoking the previous session');
        void deps.revocations.revokeLater(retired);
      }
      return adoption;
    },
    onRefusedTokens: (refreshToken, sub) => {
      // As retiredRefreshToken: the signed-in person's own grant may be the one these came from.
      if (deps.keeper.current()?.profile.sub === sub) return;
      deps.logger.info('revoking the refresh token of the refused sign-in');
      void deps.revocations.revokeLater(refreshToken);
    },
    onCallbackServer: (server) => deps.port.holdCallbackServer(server),
    proofs: deps.proofs,
    ...(deps.preconnect ? { preconnect: deps.preconnect } : {}),
  };
}

/**
 * The refresh token of a session a sign-in replaced, when it belongs to someone else: left valid
 * at the provider, a token nobody uses any more would outlive the session it belonged to (RFC 7009).
 * The same person's is not revoked. Where revoking a refresh token revokes its whole grant (the
 * local demo provider always; Auth0 when the tenant's "Refresh Token
 * Revocation Deletes Grant" is on), that grant is also the new sign-in's, made in the same browser
 * session, and revoking the old token would sign the person out of the session just made.
 */
function retiredRefreshToken(replaced: StoredSession | undefined, profile: Profile): string | undefined {
  if (replaced === undefined || replaced.profile.sub === profile.sub) return undefined;
  return replaced.tokens.refreshToken;
}

function loginFailure(error: unknown, logger: Logger): AuthError {
  const authError =
    error instanceof AuthError
      ? error
      : new AuthError('unexpected', 'Sign-in failed unexpectedly. Try again.', { cause: error });
  if (authError.code !== 'login_cancelled') logger.warn(`sign-in failed (${authError.code})`);
  return authError;
}
