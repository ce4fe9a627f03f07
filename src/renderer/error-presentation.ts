import type { AuthErrorCode } from '../shared/auth-state.js';

/** How the error screen presents one error code. */
export interface ErrorPresentation {
  /** The screen's heading: what happened, in a few words. */
  readonly heading: string;
  /**
   * Whether "Check my setup" is offered. Only where the app's settings, the application at the
   * provider or this machine can be the cause: the configuration, discovery and the issuer, an
   * endpoint the app refused, the provider refusing the application or its tokens, the callback
   * port and the keychain (the checks `npm run doctor` runs). A person who declined, cancelled,
   * or let the sign-in run out of time gets no developer checklist.
   */
  readonly setupMayBeWrong: boolean;
  /** Whether "Try again" can help. Bad settings fail the same way until they are fixed. */
  readonly retry: boolean;
  /** What to do when "Try again" cannot help; shown above the message, which can be long. */
  readonly nextStep?: string;
}

const retryOnly = (heading: string): ErrorPresentation => ({ heading, setupMayBeWrong: false, retry: true });
const retryOrCheck = (heading: string): ErrorPresentation => ({ heading, setupMayBeWrong: true, retry: true });

/**
 * Every error code's presentation, in one table: a new code does not compile until someone
 * decides its heading and whether a setup problem can cause it.
 */
export const ERROR_PRESENTATION: Readonly<Record<AuthErrorCode, ErrorPresentation>> = {
  config_invalid: {
    heading: 'Sign-in is not set up correctly',
    setupMayBeWrong: true,
    retry: false,
    nextStep: 'Fix the settings listed here, then restart the app.',
  },
  port_in_use: retryOrCheck('The sign-in port is in use'),
  callback_server_failed: retryOrCheck('The app could not receive the sign-in'),
  // A mistyped AUTH0_DOMAIN fails exactly like an outage.
  provider_unreachable: retryOrCheck('The sign-in provider could not be reached'),
  discovery_invalid: retryOrCheck('The sign-in provider’s settings could not be read'),
  untrusted_endpoint: retryOrCheck('The app refused an untrusted address'),
  provider_error: retryOrCheck('The sign-in provider stopped the sign-in'),
  token_exchange_failed: retryOrCheck('The sign-in could not be completed'),
  // A wrong AUTH0_DOMAIN, a pinned signing algorithm or the system clock.
  id_token_invalid: retryOrCheck('The sign-in could not be verified'),
  keychain_unavailable: retryOrCheck('The keychain is unavailable'),
  browser_open_failed: retryOnly('Your browser did not open'),
  login_in_progress: retryOnly('A sign-in is already under way'),
  login_timeout: retryOnly('The sign-in timed out'),
  login_cancelled: retryOnly('Sign-in cancelled'),
  access_denied: retryOnly('Sign-in declined'),
  state_mismatch: retryOnly('The sign-in answer did not match'),
  session_expired: retryOnly('Your session has ended'),
  revocation_pending: retryOnly('Sign-out is not finished at the provider'),
  provider_logout_unconfirmed: retryOnly('Sign-out at the provider was not confirmed'),
  api_error: retryOnly('The API call failed'),
  not_signed_in: retryOnly('You are not signed in'),
  unexpected: retryOnly('Something went wrong'),
};
