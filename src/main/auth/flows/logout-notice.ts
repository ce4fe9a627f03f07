import type { AuthErrorInfo } from '../../../shared/auth-state.js';
import type { LogoutOutcome } from './logout-flow.js';

const REVOCATION_PENDING_OFFLINE: AuthErrorInfo = {
  code: 'revocation_pending',
  message:
    'You are signed out of this app, but the sign-in provider could not be reached, so your browser may still be signed in there and your session there stays valid until the app can end it. The app keeps trying.',
};
const REVOCATION_PENDING: AuthErrorInfo = {
  code: 'revocation_pending',
  message:
    'You are signed out of this app, but the sign-in provider could not be told yet, so your session there stays valid until it is. The app keeps trying.',
};

/** Said when the provider never sent the browser back to the signed-out page. */
export const PROVIDER_LOGOUT_UNCONFIRMED: AuthErrorInfo = {
  code: 'provider_logout_unconfirmed',
  message:
    'You are signed out of this app, but the sign-in provider did not confirm that it ended your session in the browser, so the browser may still be signed in there. Sign out on the provider’s page, or close the browser.',
};

/** What the signed-out screen says after a logout; nothing when everything ended as it should. */
export function logoutNotice(outcome: LogoutOutcome): AuthErrorInfo | undefined {
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
