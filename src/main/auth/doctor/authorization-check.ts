import { allowedErrorCode, logSafeText, shownErrorCode } from '../oidc/provider-text.js';
import * as client from 'openid-client';
import type { AuthConfig } from '../config/config.js';
import { isAllowedExternalUrl } from '../oidc/external-url.js';
import { result, skipped, type CheckResult } from './check-result.js';
import { networkFix, networkReason } from './error-causes.js';
import { AUTH0_FIX } from './auth0-fixes.js';

/** What the provider did with one authorization request, made without a browser. */
export type AuthorizationProbe =
  | { readonly kind: 'login-page' }
  | { readonly kind: 'unregistered-callback'; readonly evidence: string }
  | { readonly kind: 'unknown-client'; readonly evidence: string }
  | { readonly kind: 'refused'; readonly error: string; readonly description?: string; readonly toCallback: boolean }
  | { readonly kind: 'unexpected'; readonly detail: string }
  | { readonly kind: 'unreachable'; readonly reason: string; readonly fix?: string };

const MAX_BODY_CHARS = 64 * 1024;
const MAX_DESCRIPTION_CHARS = 300;

/**
 * Builds the authorization URL exactly as a login does (PKCE S256, state, nonce, scope,
 * audience, organization, connection) and GETs it without following redirects. A good request leads to the sign-in
 * page; a callback the client does not list, or a client the tenant does not know, leads to
 * the provider's error page, because the provider must not redirect to an unverified URI
 * (RFC 6749 §4.1.2.1).
 */
export async function probeAuthorization(
  oidc: client.Configuration,
  config: AuthConfig,
  redirectUri: string,
  network: { fetch?: typeof fetch; timeoutMs: number },
): Promise<AuthorizationProbe> {
  const url = await loginAuthorizationUrl(oidc, config, redirectUri);
  if (!isAllowedExternalUrl(url, config)) {
    return {
      kind: 'unexpected',
      detail: `the sign-in page is not on ${config.issuer.host}, so the app would not open it`,
    };
  }

  let response: Response;
  let body: string;
  try {
    response = await (network.fetch ?? fetch)(url, {
      redirect: 'manual',
      headers: { Accept: 'text/html' },
      signal: AbortSignal.timeout(network.timeoutMs),
    });
    body = response.status >= 300 && response.status < 400 ? '' : (await response.text()).slice(0, MAX_BODY_CHARS);
  } catch (error) {
    const fix = networkFix(error, config.issuer.host);
    return { kind: 'unreachable', reason: networkReason(error), ...(fix !== undefined ? { fix } : {}) };
  }
  await response.body?.cancel().catch(() => undefined);

  if (response.status >= 300 && response.status < 400) return classifyRedirect(response, url, redirectUri, config);
  return classifyPage(response.status, body);
}

/** The authorization URL with the parameters a login sends (PKCE S256, state, nonce, scope, audience, organization, connection). */
async function loginAuthorizationUrl(
  oidc: client.Configuration,
  config: AuthConfig,
  redirectUri: string,
): Promise<URL> {
  const parameters: Record<string, string> = {
    redirect_uri: redirectUri,
    scope: config.scope,
    state: client.randomState(),
    nonce: client.randomNonce(),
    code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
    code_challenge_method: 'S256',
  };
  if (config.audience !== undefined) parameters['audience'] = config.audience;
  // Auth0 checks both at /authorize, before the sign-in page: an organization or connection the
  // tenant does not know, or that is not enabled for the application, is refused here too.
  if (config.organization !== undefined) parameters['organization'] = config.organization;
  if (config.connection !== undefined) parameters['connection'] = config.connection;
  return client.buildAuthorizationUrl(oidc, parameters);
}

function classifyRedirect(response: Response, url: URL, redirectUri: string, config: AuthConfig): AuthorizationProbe {
  const location = response.headers.get('location');
  if (location === null) return { kind: 'unexpected', detail: `HTTP ${response.status} without a Location` };
  const target = new URL(location, url);
  const error = target.searchParams.get('error');
  const description = trimmed(target.searchParams.get('error_description'));
  if (sameEndpoint(target, redirectUri)) {
    // The provider trusted the callback enough to send an error there: the URI is registered.
    if (error === null) return { kind: 'login-page' };
    return { kind: 'refused', error, ...(description ? { description } : {}), toCallback: true };
  }
  // Auth0 shows what it cannot send to the callback on its generic /error page (or the
  // tenant's custom error page, on any origin) with error and error_description in the query.
  if (error !== null) return classifyError(error, description ?? '');
  if (target.origin !== config.issuer.origin) {
    return { kind: 'unexpected', detail: `a redirect to ${target.origin}, not to the sign-in page` };
  }
  if (/\/error\b/.test(target.pathname)) return classifyError('error page', '');
  return { kind: 'login-page' };
}

function classifyPage(status: number, body: string): AuthorizationProbe {
  if (status === 200) {
    const text = pageText(body);
    const code = knownErrorCode(text);
    return code === undefined ? { kind: 'login-page' } : classifyError(code, text);
  }
  if (status >= 500) {
    return { kind: 'unexpected', detail: `the provider had a problem (HTTP ${status})` };
  }
  const text = pageText(body);
  return classifyError(knownErrorCode(text) ?? `HTTP ${status}`, text, status);
}

function classifyError(error: string, text: string, status?: number): AuthorizationProbe {
  // `error` is a code from the page or query, or only the status ("HTTP 400") when an HTML error
  // page ("Callback URL mismatch") names no code: name each fact once. Only an allowed code is
  // shown, since the report reaches the window (DESIGN checklist 13).
  const evidence =
    [allowedErrorCode(error), status !== undefined ? `HTTP ${status}` : undefined]
      .filter((part) => part !== undefined)
      .join(', ') || "the provider's error page";
  const haystack = `${error} ${text}`;
  // Auth0: "Callback URL mismatch. <url> is not in the list of allowed callback URLs";
  // oidc-provider: invalid_redirect_uri "redirect_uri did not match any of the client's registered redirect_uris".
  if (/callback url mismatch|allowed callback|redirect_uri/i.test(haystack)) {
    return { kind: 'unregistered-callback', evidence };
  }
  // Auth0: "Unknown client"; oidc-provider: invalid_client "client is invalid".
  if (/unknown client|invalid_client|client is invalid|client not found/i.test(haystack)) {
    return { kind: 'unknown-client', evidence };
  }
  const description = trimmed(text);
  return { kind: 'refused', error, ...(description ? { description } : {}), toCallback: false };
}

/**
 * Turns one probe per callback port into the client, callback and request checks. Only the
 * first port's request decides about the client and the request; every port must be registered.
 */
export function judgeAuthorization(
  config: AuthConfig,
  probes: ReadonlyArray<{ readonly redirectUri: string; readonly probe: AuthorizationProbe }>,
): CheckResult[] {
  const first = probes[0];
  if (first === undefined) return [];
  const { probe } = first;
  switch (probe.kind) {
    case 'unreachable':
      return [
        skipped('client-id', 'the authorization endpoint did not answer'),
        skipped('callback-url', 'the authorization endpoint did not answer'),
        result(
          'sign-in-request',
          'fail',
          `The authorization endpoint did not answer (${probe.reason}).`,
          probe.fix ?? 'Check the network or proxy; if discovery worked a moment ago, try again.',
        ),
      ];
    case 'unknown-client':
      return [
        result(
          'client-id',
          'fail',
          `The provider does not know client ${config.clientId} (${probe.evidence}).`,
          AUTH0_FIX.clientId(config),
        ),
        skipped('callback-url', 'the client is unknown'),
        skipped('sign-in-request', 'the client is unknown'),
      ];
    default:
      break;
  }

  const clientCheck = result('client-id', 'pass', `The provider knows client ${config.clientId}.`);
  const callbackCheck = judgeCallbackUrls(config, probes, probe);
  if (probe.kind === 'unregistered-callback') {
    return [clientCheck, callbackCheck, skipped('sign-in-request', 'the callback URL is not registered')];
  }
  return [clientCheck, callbackCheck, judgeRequest(config, probe)];
}

/** Every callback port must be registered; only the first port's refusal fails the check, a fallback's warns. */
function judgeCallbackUrls(
  config: AuthConfig,
  probes: ReadonlyArray<{ readonly redirectUri: string; readonly probe: AuthorizationProbe }>,
  probe: AuthorizationProbe,
): CheckResult {
  const unregistered = probes.filter((entry) => entry.probe.kind === 'unregistered-callback');
  const registered = probes.filter((entry) => isRegistered(entry.probe));
  if (unregistered.length > 0) {
    const uris = unregistered.map((entry) => entry.redirectUri);
    const evidence = (unregistered[0]?.probe as { evidence: string }).evidence;
    const [requests, notAllowed] =
      uris.length === 1
        ? ['request', `${uris.join('')} is not an allowed callback URL`]
        : ['requests', `${uris.join(' and ')} are not allowed callback URLs`];
    return probe.kind === 'unregistered-callback'
      ? result(
          'callback-url',
          'fail',
          `The provider refused the sign-in ${requests} (${evidence}): the redirect_uri ${notAllowed} of client ${config.clientId}, so every sign-in ends on the provider's error page.`,
          AUTH0_FIX.callbackUrls(uris),
        )
      : result(
          'callback-url',
          'warn',
          `The provider refused the sign-in request for ${uris.length === 1 ? 'a fallback port' : 'fallback ports'} (${evidence}): ${notAllowed} of client ${config.clientId}, so a sign-in that has to use it (first port busy) ends on the provider's error page.`,
          AUTH0_FIX.callbackUrls(uris),
        );
  }
  if (registered.length === probes.length) {
    const uris = probes.map((entry) => entry.redirectUri);
    return result('callback-url', 'pass', `The provider accepts ${uris.join(', ')} as redirect_uri.`);
  }
  return skipped('callback-url', 'the provider refused the request for another reason first');
}

/** True when the provider showed the sign-in page or trusted the callback with an error. */
function isRegistered(probe: AuthorizationProbe): boolean {
  return probe.kind === 'login-page' || (probe.kind === 'refused' && probe.toCallback);
}

function judgeRequest(config: AuthConfig, probe: AuthorizationProbe): CheckResult {
  switch (probe.kind) {
    case 'login-page':
      return result('sign-in-request', 'pass', 'The authorization request leads to the sign-in page.');
    case 'unexpected':
      return result(
        'sign-in-request',
        'warn',
        `The authorization request got an answer the doctor does not recognise: ${probe.detail}.`,
        'Try `npm start` and sign in; if it fails, check Monitoring > Logs in the Auth0 dashboard for the reason.',
      );
    case 'refused': {
      // Shown in the window too: an allowed code and a scrubbed description only (DESIGN checklist 13).
      const description = logSafeText(probe.description, 200);
      const said = `${shownErrorCode(probe.error)}${description ? `: ${description}` : ''}`;
      const where = probe.toCallback ? 'sent back to the callback' : 'shown on its error page';
      return result(
        'sign-in-request',
        'fail',
        `The provider refused the authorization request (${said}), ${where}.`,
        AUTH0_FIX.forAuthorizationError(config, probe.error, probe.description ?? ''),
      );
    }
    default:
      return skipped('sign-in-request', 'the request did not get that far');
  }
}

function sameEndpoint(target: URL, redirectUri: string): boolean {
  const expected = new URL(redirectUri);
  return target.origin === expected.origin && target.pathname === expected.pathname;
}

function pageText(body: string): string {
  return body
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

function knownErrorCode(text: string): string | undefined {
  return /\b(invalid_redirect_uri|invalid_client|unauthorized_client|invalid_request|access_denied|invalid_scope|unsupported_response_type|server_error)\b/.exec(
    text,
  )?.[1];
}

function trimmed(text: string | null): string | undefined {
  if (text === null) return undefined;
  const clean = text.replace(/\s+/g, ' ').trim();
  if (clean === '') return undefined;
  return clean.length > MAX_DESCRIPTION_CHARS ? `${clean.slice(0, MAX_DESCRIPTION_CHARS)}…` : clean;
}
