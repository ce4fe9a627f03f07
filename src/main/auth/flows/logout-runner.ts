import type { AuthErrorInfo, AuthState } from '../../../shared/auth-state.js';
import { AuthError } from '../auth-error.js';
import type { AuthConfig } from '../config/config.js';
import type { Logger } from '../logger.js';
import type { SignedOutPage } from '../loopback/signed-out-page.js';
import type { DiscoveryCache } from '../oidc/oidc-discovery.js';
import type { PendingRevocations } from '../session/pending-revocations.js';
import type { SessionKeeper } from '../session/session-keeper.js';
import type { AuthStatePublisher } from './auth-state-publisher.js';
import type { CallbackPortHolder } from './callback-port-holder.js';
import type { LoginRunner } from './login-runner.js';
import { runLogout, type LogoutDeps, type LogoutOutcome } from './logout-flow.js';
import { logoutNotice, PROVIDER_LOGOUT_UNCONFIRMED } from './logout-notice.js';
import type { RevocationRetrier } from './revocation-retrier.js';

/** What the logout runner needs from the auth service. */
export interface LogoutRunnerDeps {
  readonly config: AuthConfig;
  readonly discovery: DiscoveryCache;
  readonly openBrowser: (url: string) => Promise<void>;
  readonly logger: Logger;
  readonly appName: string;
  readonly keeper: SessionKeeper;
  readonly pending: PendingRevocations;
  readonly signedOutPageTimeoutMs?: number;
  readonly state: AuthStatePublisher;
  readonly port: CallbackPortHolder;
  readonly revocations: RevocationRetrier;
  /** The logins a logout outranks. */
  readonly logins: Pick<LoginRunner, 'cancel' | 'running'>;
}

/** Single-flight logout, which outranks every login. */
export interface LogoutRunner {
  /** Signs out, or joins the logout in progress. Never rejects. */
  start(): Promise<AuthState>;
  /** The logout in progress, if any. */
  running(): Promise<AuthState> | undefined;
}

/** Creates the runner; it owns the logout in progress. */
export function createLogoutRunner(deps: LogoutRunnerDeps): LogoutRunner {
  let current: Promise<AuthState> | undefined;
  return {
    start() {
      // Logout outranks every Login pressed before it, also one that waits for a logout already
      // running (which this call joins): that Login must not start once the logout is done.
      deps.logins.cancel();
      current ??= runOneLogout(deps).finally(() => {
        current = undefined;
      });
      return current;
    },
    running: () => current,
  };
}

async function runOneLogout(deps: LogoutRunnerDeps): Promise<AuthState> {
  deps.state.dispatch({ type: 'logout-started' });
  const pendingLogin = deps.logins.running();
  deps.logins.cancel();
  await pendingLogin;
  await deps.port.release();
  let notice: AuthErrorInfo | undefined;
  try {
    const outcome = await runLogout(logoutFlowDeps(deps));
    notice = logoutNotice(outcome);
    watchSignedOutPage(deps, outcome);
  } catch (error) {
    notice = (error instanceof AuthError ? error : new AuthError('unexpected', 'Logout did not finish.')).toInfo();
  }
  deps.state.dispatch({ type: 'logout-finished', ...(notice ? { notice } : {}) });
  // After the state says so, or an early success could be undone by it.
  if (notice?.code === 'revocation_pending') deps.revocations.schedule();
  return deps.state.current();
}

function logoutFlowDeps(deps: LogoutRunnerDeps): LogoutDeps {
  return {
    config: deps.config,
    discovery: deps.discovery,
    keeper: deps.keeper,
    openBrowser: deps.openBrowser,
    logger: deps.logger,
    appName: deps.appName,
    pending: deps.pending,
    ...(deps.signedOutPageTimeoutMs !== undefined ? { signedOutPageTimeoutMs: deps.signedOutPageTimeoutMs } : {}),
  };
}

/** The signed-out page holds the port until the browser comes back to it, or its wait runs out. */
function watchSignedOutPage(deps: LogoutRunnerDeps, outcome: LogoutOutcome): void {
  if (outcome.provider.kind !== 'browser-sent' || !outcome.provider.signedOutPage) return;
  deps.port.holdSignedOutPage(outcome.provider.signedOutPage);
  void reportUnconfirmedLogout(deps, outcome.provider.signedOutPage);
}

/** The provider never sent the browser back: its session may have survived, so say so. */
async function reportUnconfirmedLogout(deps: LogoutRunnerDeps, page: SignedOutPage): Promise<void> {
  if ((await page.outcome) !== 'timed-out') return;
  deps.logger.warn('logout: the provider did not send the browser back; its session may still be active');
  deps.state.dispatch({ type: 'provider-logout-unconfirmed', notice: PROVIDER_LOGOUT_UNCONFIRMED });
}
