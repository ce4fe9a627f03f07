import type { AuthState } from '../../../shared/auth-state.js';
import type { Logger } from '../logger.js';
import { OTHER_ORGANIZATION_SAVED_MESSAGE } from '../oidc/organization-claims.js';
import { DPOP_KEY_LOST_MESSAGE } from '../session/dpop-key.js';
import type { DiscoveryCache } from '../oidc/oidc-discovery.js';
import type { RestoreResult, SessionKeeper } from '../session/session-keeper.js';
import type { MachineEvent } from './auth-machine.js';
import type { AuthStatePublisher } from './auth-state-publisher.js';
import type { RevocationRetrier } from './revocation-retrier.js';

/** What start-up restore needs from the auth service. */
export interface SessionRestoreDeps {
  readonly keeper: SessionKeeper;
  readonly state: AuthStatePublisher;
  readonly revocations: RevocationRetrier;
  readonly logger: Logger;
  readonly discovery: DiscoveryCache;
}

/** Start-up: shows the saved session from the keychain at once, without waiting on the network. */
export async function restoreSession(deps: SessionRestoreDeps): Promise<AuthState> {
  const result = await deps.keeper.restore();
  // Off the start-up path, begun once the caller has the state: revocations a previous run could
  // not do, then discovery and the JWKS, so that a login opens the browser without waiting on
  // them. Starting a request costs milliseconds of its own (a cold HTTP client), so not here.
  setImmediate(() => {
    void deps.revocations.retry();
    void deps.discovery.prefetch();
  });
  if (!result.applied) return deps.state.current();
  deps.state.dispatch(restoredEvent(result, deps.logger));
  return deps.state.current();
}

function restoredEvent(result: RestoreResult, logger: Logger): MachineEvent {
  switch (result.kind) {
    case 'found':
      return { type: 'restored', profile: result.session.profile, persistence: 'keychain' };
    case 'empty':
      return { type: 'restored-nothing' };
    case 'discarded':
      logger.warn(`the saved session was discarded: ${result.reason}`);
      // Never retried as Bearer tokens: without their key they are of no use (RFC 9449 §7.2).
      if (result.dpopKeyLost) {
        return { type: 'restored-nothing', notice: { code: 'session_expired', message: DPOP_KEY_LOST_MESSAGE } };
      }
      if (result.otherOrganization) {
        return {
          type: 'restored-nothing',
          notice: { code: 'session_expired', message: OTHER_ORGANIZATION_SAVED_MESSAGE },
        };
      }
      return {
        type: 'restored-nothing',
        notice: {
          code: 'keychain_unavailable',
          message: 'Your saved session could not be read, so it was removed. Please sign in again.',
        },
      };
    case 'unavailable':
      // A locked keychain is no reason to delete anything: signed out for this run only.
      logger.warn('the keychain is unavailable; starting signed out');
      return {
        type: 'restored-nothing',
        notice: {
          code: 'keychain_unavailable',
          message:
            'The system keychain is locked or unavailable, so your saved session could not be opened. Unlock it and restart, or sign in for this run only.',
        },
      };
  }
}
