import * as client from 'openid-client';
import { AuthError } from './auth-error.js';

/** Which call to the provider failed; the same HTTP error means different things at each. */
export type ProviderStage = 'discovery' | 'token' | 'refresh' | 'userinfo' | 'revocation';

const ID_TOKEN_FAILURES = new Set([
  'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
  'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
  'OAUTH_KEY_SELECTION_FAILED',
  'OAUTH_JWS_SIGNATURE_VERIFICATION_FAILED',
  'OAUTH_UNSUPPORTED_OPERATION',
]);

/** Turns openid-client and network failures into the app's own codes with a message a person can act on. */
export function mapProviderError(error: unknown, stage: ProviderStage): AuthError {
  if (error instanceof AuthError) return error;
  if (error instanceof client.ResponseBodyError) {
    if (stage === 'refresh' && error.error === 'invalid_grant') {
      return new AuthError('session_expired', 'Your session has ended. Please sign in again.', { cause: error });
    }
    const serverSide = error.status >= 500;
    return new AuthError(
      serverSide ? 'provider_unreachable' : 'token_exchange_failed',
      serverSide
        ? `The identity provider had a problem (HTTP ${error.status}). Try again in a moment.`
        : `The identity provider refused the ${stage === 'refresh' ? 'session renewal' : 'sign-in'} (${error.error}). Try signing in again; if it keeps failing, check the application settings in Auth0.`,
      { cause: error },
    );
  }
  if (error instanceof client.AuthorizationResponseError) {
    return new AuthError('provider_error', `The identity provider returned an error (${error.error}).`, {
      cause: error,
    });
  }
  const name = (error as Error | undefined)?.name;
  const code = (error as { code?: unknown } | undefined)?.code;
  // openid-client reports its own timeout and abort as ClientError codes OAUTH_TIMEOUT / OAUTH_ABORT.
  if (
    name === 'TimeoutError' ||
    name === 'AbortError' ||
    code === 'OAUTH_TIMEOUT' ||
    code === 'OAUTH_ABORT' ||
    error instanceof TypeError
  ) {
    return new AuthError(
      'provider_unreachable',
      'The identity provider could not be reached. Check your internet connection and try again.',
      { cause: error },
    );
  }
  // oauth4webapi parses error bodies of 4xx answers only; a 5xx arrives as "not conform" with
  // the Response as cause. It is an outage (retry later), not a wrong AUTH0_DOMAIN.
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  if (code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' && cause instanceof Response && cause.status >= 500) {
    return new AuthError(
      'provider_unreachable',
      `The identity provider had a problem (HTTP ${cause.status}). Try again in a moment.`,
      { cause: error },
    );
  }
  if (typeof code === 'string' && (code === 'OAUTH_RESPONSE_IS_NOT_JSON' || code === 'OAUTH_RESPONSE_IS_NOT_CONFORM')) {
    if (stage === 'discovery') {
      return new AuthError(
        'discovery_invalid',
        'The identity provider did not answer with a valid configuration. Check AUTH0_DOMAIN.',
        {
          cause: error,
        },
      );
    }
    return new AuthError(
      'provider_unreachable',
      'The identity provider gave an unexpected answer. Try again in a moment.',
      {
        cause: error,
      },
    );
  }
  if (stage === 'discovery') {
    return new AuthError('discovery_invalid', "The identity provider's configuration does not match AUTH0_DOMAIN.", {
      cause: error,
    });
  }
  if ((stage === 'token' || stage === 'refresh') && typeof code === 'string' && ID_TOKEN_FAILURES.has(code)) {
    return new AuthError(
      'id_token_invalid',
      'The sign-in response could not be verified, so the app did not trust it. Try again; if it keeps happening, check the system clock and AUTH0_DOMAIN.',
      { cause: error },
    );
  }
  if ((stage === 'token' || stage === 'refresh') && typeof code === 'string' && code.startsWith('OAUTH_')) {
    return new AuthError(
      'id_token_invalid',
      'The sign-in response was not valid, so the app did not trust it. Try again.',
      {
        cause: error,
      },
    );
  }
  return new AuthError('unexpected', 'Something unexpected went wrong while signing in. Try again.', { cause: error });
}
