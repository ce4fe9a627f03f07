import * as client from 'openid-client';
import { AuthError } from '../auth-error.js';
import { isIdTokenAlg, refusedAlgMessage, type RefusedAlg } from './id-token-algs.js';
import { allowedErrorCode, logSafeText, shownErrorCode } from './provider-text.js';
import { IDENTITY_CHANGED_MESSAGE } from './refresh-identity.js';

/** Which call to the provider failed; the same HTTP error means different things at each. */
export type ProviderStage = 'discovery' | 'token' | 'refresh' | 'userinfo' | 'revocation';

/** What the person was doing, in the words a message uses. */
const DOING: Readonly<Record<ProviderStage, string>> = {
  discovery: 'identity provider lookup',
  token: 'sign-in',
  refresh: 'session renewal',
  userinfo: 'profile request',
  revocation: 'sign-out',
};

/** oauth4webapi's codes for an ID token that failed verification (signature, key, alg, time, claim types). */
const ID_TOKEN_FAILURES = new Set([
  'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
  'OAUTH_KEY_SELECTION_FAILED',
  'OAUTH_JWS_SIGNATURE_VERIFICATION_FAILED',
  'OAUTH_UNSUPPORTED_OPERATION',
  'OAUTH_INVALID_RESPONSE',
]);

/** RFC 6749 §5.2 codes that mean the application is set up wrongly at the provider, not that the session is over. */
const CLIENT_SETUP_ERRORS = new Set(['invalid_client', 'unauthorized_client', 'unsupported_grant_type']);

/**
 * A network failure below HTTP: Node's system error codes (ECONNREFUSED, ENOTFOUND,
 * EAI_AGAIN, ECONNRESET, ETIMEDOUT …), undici's own (UND_ERR_CONNECT_TIMEOUT, UND_ERR_SOCKET …)
 * and TLS failures. Node's internal `ERR_*` codes (ERR_INVALID_ARG_TYPE) are programming errors.
 */
const NETWORK_CODE =
  /^(?:E(?!RR_)[A-Z0-9_]+|UND_ERR_[A-Z_]+|ERR_TLS_[A-Z_]+|ERR_SSL_[A-Z0-9_]+|CERT_[A-Z_]+|UNABLE_TO_[A-Z_]+|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)$/;

const OUTAGE_MESSAGE = 'The identity provider could not be reached. Check your internet connection and try again.';

/**
 * Turns openid-client and network failures into the app's own codes with a message a person
 * can act on. A message holds the app's words, an HTTP status and at most an allow-listed OAuth
 * `error` code, never the provider's free text (DESIGN checklist 13; see describeProviderFailure
 * for the log).
 */
export function mapProviderError(error: unknown, stage: ProviderStage): AuthError {
  if (error instanceof AuthError) return error;
  if (error instanceof client.ResponseBodyError) return fromErrorBody(error, stage);
  if (error instanceof client.WWWAuthenticateChallengeError) {
    const challengeError = error.cause.map((challenge) => challenge.parameters.error).find(allowedErrorCode);
    return fromStatus(error.status, stage, error, challengeError);
  }
  if (error instanceof client.AuthorizationResponseError) {
    const said = shownErrorCode(error.error);
    return new AuthError('provider_error', `The identity provider returned an error (${said}).`, { cause: error });
  }
  // openid-client reports its timeout and abort as ClientError OAUTH_TIMEOUT / OAUTH_ABORT; fetch
  // rejects with a TypeError whose cause carries the system error code.
  if (isOutage(error)) return new AuthError('provider_unreachable', OUTAGE_MESSAGE, { cause: error });

  const code = codeOf(error);
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  // oauth4webapi parses error bodies of 4xx JSON answers only; any other error status arrives as
  // "not conform" (or "not JSON") with the Response as cause, and is judged by its status.
  if (
    (code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' || code === 'OAUTH_RESPONSE_IS_NOT_JSON') &&
    cause instanceof Response &&
    cause.status >= 400
  ) {
    return fromStatus(cause.status, stage, error);
  }
  const isOAuthCode = typeof code === 'string' && code.startsWith('OAUTH_');
  if (stage === 'discovery') {
    if (!isOAuthCode) return unexpected(stage, error);
    const notADocument = code === 'OAUTH_RESPONSE_IS_NOT_JSON' || code === 'OAUTH_PARSE_ERROR';
    return new AuthError(
      'discovery_invalid',
      notADocument
        ? 'The identity provider did not answer with a valid configuration. Check AUTH0_DOMAIN.'
        : "The identity provider's configuration does not match AUTH0_DOMAIN.",
      { cause: error },
    );
  }
  if (code === 'OAUTH_HTTP_REQUEST_FORBIDDEN' || code === 'OAUTH_REQUEST_PROTOCOL_FORBIDDEN') {
    return new AuthError(
      'untrusted_endpoint',
      `The identity provider asked for the ${DOING[stage]} to go over an insecure connection, so the app did not send it. Check AUTH0_DOMAIN.`,
      { cause: error },
    );
  }
  const part = answerPart(error);
  if (code === 'OAUTH_RESPONSE_IS_NOT_JSON' || code === 'OAUTH_PARSE_ERROR' || (isOAuthCode && part === 'body')) {
    return malformed(stage, error);
  }
  if (stage !== 'token' && stage !== 'refresh') return unexpected(stage, error);
  if (part === 'parameters') return authorizationResponseProblem(error);
  if (code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED') {
    // OIDC Core §12.2: a refreshed ID token's iss, aud and azp must be those of the original;
    // openid-client compares them with the configuration the original passed.
    return stage === 'refresh'
      ? new AuthError('session_expired', IDENTITY_CHANGED_MESSAGE, { cause: error })
      : idTokenInvalid(stage, error);
  }
  const refused = refusedAlgorithm(error);
  if (refused) return new AuthError('id_token_invalid', refusedAlgMessage(stage, refused), { cause: error });
  if (typeof code === 'string' && ID_TOKEN_FAILURES.has(code)) return idTokenInvalid(stage, error);
  return unexpected(stage, error);
}

/**
 * An ID token refused for its `alg`: oauth4webapi's checkSigningAlgorithm names the header and
 * what it expected, and why ("client configuration" when AUTH0_ID_TOKEN_ALG pinned it).
 */
function refusedAlgorithm(error: unknown): RefusedAlg | undefined {
  for (const link of causeChain(error)) {
    const detail = innerCause(link);
    const header = detail?.['header'];
    if (detail === undefined || typeof header !== 'object' || header === null || !('alg' in header)) continue;
    if (typeof detail['reason'] !== 'string' || !('expected' in detail)) continue;
    const expected = detail['expected'];
    const accepted = (Array.isArray(expected) ? expected : [expected]).filter(isIdTokenAlg);
    return { alg: header.alg, accepted, pinned: detail['reason'] === 'client configuration' };
  }
  return undefined;
}

/** A 4xx answer with an OAuth error body (RFC 6749 §5.2). */
function fromErrorBody(error: client.ResponseBodyError, stage: ProviderStage): AuthError {
  const code = allowedErrorCode(error.error);
  // Only the provider saying the grant is gone ends a session (RFC 6749 §5.2 invalid_grant).
  if (stage === 'refresh' && code === 'invalid_grant') {
    return new AuthError('session_expired', 'Your session has ended. Please sign in again.', { cause: error });
  }
  if (error.status >= 500 || error.status === 429 || error.status === 401) {
    return fromStatus(error.status, stage, error, code);
  }
  if ((stage === 'token' || stage === 'refresh') && code !== undefined && CLIENT_SETUP_ERRORS.has(code)) {
    return clientSetup(stage, code, error);
  }
  return new AuthError(
    'token_exchange_failed',
    `The identity provider refused the ${DOING[stage]} (${shownErrorCode(error.error)}). ${
      stage === 'refresh'
        ? 'You are still signed in; the app will try again later.'
        : 'Try signing in again; if it keeps failing, check the application settings in Auth0.'
    }`,
    { cause: error },
  );
}

/** An answer judged by its HTTP status alone (no usable OAuth error body). */
function fromStatus(status: number, stage: ProviderStage, error: unknown, errorCode?: string): AuthError {
  if (status >= 500) {
    return new AuthError(
      'provider_unreachable',
      `The identity provider had a problem (HTTP ${status}). Try again in a moment.`,
      { cause: error },
    );
  }
  if (status === 429) {
    return new AuthError('provider_unreachable', 'The identity provider is busy (HTTP 429). Try again in a moment.', {
      cause: error,
    });
  }
  if (stage === 'discovery') {
    return new AuthError(
      'discovery_invalid',
      'The identity provider did not answer with a valid configuration. Check AUTH0_DOMAIN.',
      { cause: error },
    );
  }
  // RFC 6749 §5.2: a token endpoint answers 401 when client authentication failed.
  if (
    (stage === 'token' || stage === 'refresh') &&
    (status === 401 || (errorCode !== undefined && CLIENT_SETUP_ERRORS.has(errorCode)))
  ) {
    return clientSetup(stage, errorCode ?? `HTTP ${status}`, error);
  }
  if (errorCode !== undefined || status === 401 || status === 403) {
    return new AuthError(
      'provider_error',
      `The identity provider refused the ${DOING[stage]} (${errorCode ?? `HTTP ${status}`}).${
        stage === 'refresh' ? ' You are still signed in; the app will try again later.' : ''
      }`,
      { cause: error },
    );
  }
  return malformed(stage, error, status);
}

/** A public Native client misconfigured in Auth0: the session is fine, the dashboard is not. */
function clientSetup(stage: ProviderStage, said: string, error: unknown): AuthError {
  return new AuthError(
    'provider_error',
    `The identity provider refused this app's ${DOING[stage]} (${said}): the application is not set up as a public Native app in Auth0. ` +
      'In the Auth0 dashboard, open Applications > (this app) and set Application Type to Native, Token Endpoint Authentication Method to None, ' +
      `and turn on Advanced Settings > Grant Types > Authorization Code and Refresh Token.${stage === 'refresh' ? ' You are still signed in meanwhile.' : ''}`,
    { cause: error },
  );
}

/** An answer the app could not read: retried like an outage, and said as it is. */
function malformed(stage: ProviderStage, error: unknown, status?: number): AuthError {
  const http = status === undefined ? '' : ` (HTTP ${status})`;
  return new AuthError(
    'provider_unreachable',
    `The identity provider's answer to the ${DOING[stage]} was malformed${http}, so the app did not use it. ${
      stage === 'refresh' ? 'You are still signed in; the app will try again.' : 'Try again in a moment.'
    }`,
    { cause: error },
  );
}

function idTokenInvalid(stage: 'token' | 'refresh', error: unknown): AuthError {
  return new AuthError(
    'id_token_invalid',
    stage === 'refresh'
      ? 'The renewed sign-in could not be verified, so you were signed out and nothing from that answer was kept. Please sign in again; if it keeps happening, check the system clock and AUTH0_DOMAIN.'
      : 'The sign-in response could not be verified, so the app did not trust it. Try again; if it keeps happening, check the system clock and AUTH0_DOMAIN.',
    { cause: error },
  );
}

/** The callback's parameters failed openid-client's checks: its RFC 9207 `iss`, or its shape. */
function authorizationResponseProblem(error: unknown): AuthError {
  const link = causeChain(error).find((value) => innerCause(value)?.['parameters'] instanceof URLSearchParams);
  const detail = link === undefined ? undefined : innerCause(link);
  const parameters = detail?.['parameters'] as URLSearchParams | undefined;
  const expected = detail?.['expected'];
  const iss = parameters?.get('iss');
  // RFC 9207 §2.4: `iss` missing where discovery promises it, or naming another issuer (a mix-up).
  const issuerProblem =
    iss === null || iss === undefined || (typeof expected === 'string' && URL.canParse(expected) && iss !== expected);
  return issuerProblem
    ? new AuthError(
        'untrusted_endpoint',
        'The sign-in answer did not come from the identity provider the app asked (RFC 9207 issuer check), so the app did not use it. If it keeps happening, check AUTH0_DOMAIN.',
        { cause: error },
      )
    : new AuthError(
        'provider_error',
        'The sign-in answer did not match the sign-in the app started, so the app did not use it.',
        { cause: error },
      );
}

function unexpected(stage: ProviderStage, error: unknown): AuthError {
  return new AuthError('unexpected', `Something unexpected went wrong during the ${DOING[stage]}. Try again.`, {
    cause: error,
  });
}

/**
 * One log line's worth about a provider failure, for the main process only: error classes and
 * codes along the cause chain, the HTTP status, the allow-listed OAuth `error` and the trimmed,
 * scrubbed `error_description`. Never an error's message, which can quote what was sent.
 */
export function describeProviderFailure(error: unknown): string {
  const parts: string[] = [];
  for (const link of causeChain(error)) {
    const name = link instanceof Error ? link.name : 'error';
    const code = codeOf(link);
    const shownName = /^[A-Za-z]{1,40}$/.test(name) ? name : 'Error';
    const shownCode = typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,60}$/.test(code) ? ` ${code}` : '';
    parts.push(`${shownName}${shownCode}`);
  }
  const said = (errorCode: unknown, description: unknown): string => {
    const text = logSafeText(description);
    return ` error=${shownErrorCode(errorCode)}${text ? ` description="${text}"` : ''}`;
  };
  let details = '';
  if (error instanceof client.ResponseBodyError) {
    details = ` HTTP ${error.status}${said(error.error, error.error_description)}`;
  } else if (error instanceof client.WWWAuthenticateChallengeError) {
    const challenge = error.cause[0];
    const scheme = challenge && /^[A-Za-z0-9-]{1,20}$/.test(challenge.scheme) ? ` ${challenge.scheme}` : '';
    details = ` HTTP ${error.status} challenge${scheme}${challenge ? said(challenge.parameters.error, challenge.parameters.error_description) : ''}`;
  } else if (error instanceof client.AuthorizationResponseError) {
    details = said(error.error, error.error_description);
  } else {
    const response = causeChain(error)
      .map((link) => (link as { cause?: unknown }).cause)
      .find((value): value is Response => value instanceof Response);
    if (response) details = ` HTTP ${response.status}`;
  }
  return `${parts.join(' <- ') || typeof error}${details}`;
}

function isOutage(error: unknown): boolean {
  return causeChain(error).some((link) => {
    const code = codeOf(link);
    if (code === 'OAUTH_TIMEOUT' || code === 'OAUTH_ABORT') return true;
    if (link instanceof Error && (link.name === 'TimeoutError' || link.name === 'AbortError')) return true;
    return typeof code === 'string' && NETWORK_CODE.test(code);
  });
}

/** Whether the answer's body (`{ body }`) or the callback's parameters (`{ parameters }`) failed a check. */
function answerPart(error: unknown): 'body' | 'parameters' | undefined {
  for (const link of causeChain(error)) {
    const detail = innerCause(link);
    if (detail === undefined) continue;
    if ('body' in detail) return 'body';
    if (detail['parameters'] instanceof URLSearchParams) return 'parameters';
  }
  return undefined;
}

/** The plain-object cause oauth4webapi attaches to its errors (`{ body }`, `{ claims }`, `{ parameters }`). */
function innerCause(link: unknown): Record<string, unknown> | undefined {
  const cause = (link as { cause?: unknown } | undefined)?.cause;
  if (typeof cause !== 'object' || cause === null || cause instanceof Error || cause instanceof Response)
    return undefined;
  return cause as Record<string, unknown>;
}

/** The error and its Error causes, outermost first; a provider's JSON body is never walked into. */
function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  while (current !== undefined && current !== null && chain.length < 8 && !chain.includes(current)) {
    chain.push(current);
    const next: unknown = (current as { cause?: unknown }).cause;
    current = next instanceof Error ? next : undefined;
  }
  return chain;
}

function codeOf(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? (value as { code?: unknown }).code : undefined;
}
