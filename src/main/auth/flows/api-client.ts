import * as client from 'openid-client';
import type { ApiCallResult } from '../../../shared/ipc-contract.js';
import { AuthError } from '../auth-error.js';
import { allowedErrorCode } from '../oidc/provider-text.js';
import type { SessionAccess, SessionKeeper } from '../session/session-keeper.js';

/** A relative API path: letters, digits and `-._~/`, no `..`, no scheme, no query tricks. */
const API_PATH = /^(?!.*\.\.)(?!\/\/)[A-Za-z0-9\-._~/]{1,200}$/;
const MAX_BODY_BYTES = 1_000_000;

/**
 * Calls the configured API with the session's access token. The token stays in the main
 * process; the caller gets the status and the JSON body only.
 */
export async function callApi(
  deps: { readonly keeper: SessionKeeper; readonly apiBaseUrl: URL | undefined; readonly fetch?: typeof fetch },
  path: string,
): Promise<ApiCallResult> {
  if (deps.apiBaseUrl === undefined) {
    throw new AuthError('api_error', 'No API is configured. Set API_BASE_URL to the base URL of your API.');
  }
  if (!API_PATH.test(path)) throw new AuthError('api_error', 'That API path is not allowed.');
  const url = new URL(path.replace(/^\/+/, ''), deps.apiBaseUrl);
  // The token only ever goes to the configured API, never to a URL a path could smuggle in.
  if (!url.href.startsWith(deps.apiBaseUrl.href)) throw new AuthError('api_error', 'That API path is not allowed.');

  const api = apiConfiguration(deps.apiBaseUrl, deps.fetch ?? fetch);
  const send = (session: SessionAccess): Promise<Response> => sendRequest(api, url, session);

  let response = await send(await deps.keeper.access());
  if (response.status === 401) {
    // The token may have been revoked or rotated elsewhere: renew once and retry once.
    await response.body?.cancel();
    response = await send(await deps.keeper.access({ renew: true }));
  }
  const text = await response.text();
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw new AuthError('api_error', 'The API answer was too large.');
  let body: unknown = text;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    // Not JSON: show the text as is.
  }
  if (!response.ok) {
    throw new AuthError('api_error', `The API answered ${response.status}${describeApiError(body)}.`);
  }
  return { status: response.status, body };
}

/** Seconds an API call may take, redirects refused: the token is never sent anywhere else. */
const API_TIMEOUT_SECONDS = 15;

/**
 * The configuration openid-client's fetchProtectedResource sends API calls with: the app's fetch,
 * redirects refused, and plain http only for an API on 127.0.0.1 (config.ts allows nothing else).
 */
function apiConfiguration(apiBaseUrl: URL, doFetch: typeof fetch): client.Configuration {
  const configuration = new client.Configuration({ issuer: apiBaseUrl.origin }, 'api');
  configuration[client.customFetch] = (input, init) => doFetch(input, { ...init, redirect: 'error' });
  configuration.timeout = API_TIMEOUT_SECONDS;
  if (apiBaseUrl.protocol === 'http:') client.allowInsecureRequests(configuration);
  return configuration;
}

/**
 * One GET with the session's token: `Authorization: DPoP` and a proof bound to the token (`ath`,
 * RFC 9449 §7) when the tokens are DPoP-bound, else `Authorization: Bearer`. openid-client retries
 * once by itself when the API asks for a DPoP nonce (§9). A refusal comes back as its response.
 */
async function sendRequest(api: client.Configuration, url: URL, session: SessionAccess): Promise<Response> {
  const headers = new Headers({ Accept: 'application/json' });
  try {
    return await client.fetchProtectedResource(
      api,
      session.accessToken,
      url,
      'GET',
      undefined,
      headers,
      session.dpop !== undefined ? { DPoP: session.dpop } : undefined,
    );
  } catch (error) {
    // A 401 with a WWW-Authenticate challenge (RFC 6750 §3, RFC 9449 §7.1) is thrown with its response.
    if (error instanceof client.WWWAuthenticateChallengeError) return error.response;
    throw new AuthError('api_error', 'The API could not be reached. Check your connection and try again.', {
      cause: error,
    });
  }
}

/**
 * The part of an API error body a message may carry: its `error` code when it passes the allow
 * rule (RFC 6750 §3 uses RFC 6749's codes), labelled as such. The API's free text
 * (`error_description`, `message`) never crosses IPC (DESIGN checklist 13).
 */
function describeApiError(body: unknown): string {
  if (typeof body !== 'object' || body === null) return '';
  const code = allowedErrorCode((body as Record<string, unknown>)['error']);
  return code === undefined ? '' : ` (error code: ${code})`;
}
