import { randomBytes } from 'node:crypto';
import { logSafeText, shownErrorCode } from '../oidc/provider-text.js';
import * as client from 'openid-client';
import type { AuthConfig } from '../config/config.js';
import { result, skipped, type CheckResult } from './check-result.js';
import { AUTH0_FIX } from './auth0-fixes.js';
import { networkFix, networkReason } from './error-causes.js';

/** How the token endpoint answered a request that cannot succeed. */
type TokenProbe =
  | { readonly kind: 'error'; readonly status: number; readonly error: string; readonly description: string }
  | { readonly kind: 'unreachable'; readonly reason: string; readonly fix?: string }
  | { readonly kind: 'unexpected'; readonly detail: string };

/** The public-client check, and whether the token endpoint treats the client as confidential. */
interface PublicClientOutcome {
  check: CheckResult;
  confidential: boolean;
}

/**
 * Sends the token endpoint a made-up authorization code the way the app sends a real one: no
 * client secret, client_id and a PKCE verifier in the body. A public (Native) client gets
 * `invalid_grant` for the code; a confidential client (a Regular Web Application, or
 * Authentication Method other than None) is refused before that, with `invalid_client`.
 */
export async function checkPublicClient(oidc: client.Configuration, redirectUri: string): Promise<PublicClientOutcome> {
  const probe = await probeToken(oidc, () =>
    client.genericGrantRequest(oidc, 'authorization_code', {
      code: madeUp(),
      redirect_uri: redirectUri,
      code_verifier: client.randomPKCECodeVerifier(),
    }),
  );
  if (probe.kind === 'unreachable') {
    return {
      check: result(
        'public-client',
        'warn',
        `The token endpoint did not answer (${probe.reason}), so the application type could not be checked.`,
        probe.fix ?? 'Check the network or proxy and run the doctor again.',
      ),
      confidential: false,
    };
  }
  if (probe.kind === 'unexpected') {
    return {
      check: result(
        'public-client',
        'warn',
        `The token endpoint answered unexpectedly: ${probe.detail}.`,
        AUTH0_FIX.nativeApp,
      ),
      confidential: false,
    };
  }
  return judgeCodeRefusal(probe);
}

/** A public (Native) client is refused only for the made-up code, with invalid_grant. */
function judgeCodeRefusal(probe: Extract<TokenProbe, { kind: 'error' }>): PublicClientOutcome {
  if (probe.error === 'invalid_grant') {
    return {
      check: result(
        'public-client',
        'pass',
        'The token endpoint takes the app without a client secret (it refused only the made-up code, with invalid_grant).',
      ),
      confidential: false,
    };
  }
  if (isGrantNotAllowed(probe)) {
    return {
      check: result(
        'public-client',
        'fail',
        `The token endpoint refuses the authorization_code grant for this client (${said(probe)}).`,
        AUTH0_FIX.grantTypes,
      ),
      confidential: false,
    };
  }
  if (probe.error === 'invalid_client' || probe.error === 'unauthorized_client' || probe.status === 401) {
    return {
      check: result(
        'public-client',
        'fail',
        `The token endpoint wants a client secret (${said(probe)}): the application is a confidential client, such as a Regular Web Application, and a desktop app cannot keep a secret.`,
        AUTH0_FIX.nativeApp,
      ),
      confidential: true,
    };
  }
  return {
    check: result(
      'public-client',
      'warn',
      `The token endpoint answered ${said(probe)} to a made-up code; a Native application answers invalid_grant.`,
      AUTH0_FIX.nativeApp,
    ),
    confidential: false,
  };
}

/**
 * Refresh tokens need three things: offline_access in the scope, the Refresh Token grant on
 * the application, and (with an audience) Allow Offline Access on the API. The first two are
 * checked here, the grant with a made-up refresh token; the third only a real sign-in shows.
 */
export async function checkRefreshTokens(
  oidc: client.Configuration | undefined,
  config: AuthConfig,
  tokenEndpointUsable: boolean,
  notUsableBecause: string,
): Promise<CheckResult> {
  const warnings: string[] = [];
  const fixes: string[] = [];
  const wantsRefresh = config.scope.split(' ').includes('offline_access');
  if (!wantsRefresh) {
    warnings.push(
      'AUTH0_SCOPE has no offline_access, so no refresh token is issued and the session ends when the access token expires',
    );
    fixes.push(AUTH0_FIX.offlineAccess);
  }
  const advertised = oidc?.serverMetadata().grant_types_supported;
  if (advertised !== undefined && !advertised.includes('refresh_token')) {
    warnings.push('discovery does not list refresh_token in grant_types_supported');
    fixes.push(AUTH0_FIX.grantTypes);
  }
  const heuristic = (note: string): CheckResult =>
    result(
      'refresh-tokens',
      'warn',
      `${[...warnings, note].join('; ')}. This is a heuristic: only a real sign-in proves a refresh token is issued.`,
      fixes.length > 0 ? fixes.join('\n') : AUTH0_FIX.grantTypes,
    );

  if (oidc === undefined || !tokenEndpointUsable) {
    if (warnings.length > 0) return heuristic(`the token endpoint was not asked (${notUsableBecause})`);
    return skipped('refresh-tokens', notUsableBecause);
  }

  const probe = await probeToken(oidc, () => client.refreshTokenGrant(oidc, madeUp()));
  if (probe.kind === 'error' && isGrantNotAllowed(probe)) {
    return result(
      'refresh-tokens',
      wantsRefresh ? 'fail' : 'warn',
      [
        `The token endpoint refuses the refresh_token grant for this client (${said(probe)}): the session cannot be renewed and ends when the access token expires.`,
        ...warnings,
      ].join(' Also: '),
      [AUTH0_FIX.grantTypes, ...fixes.filter((fix) => fix !== AUTH0_FIX.grantTypes)].join('\n'),
    );
  }
  if (probe.kind !== 'error' || probe.error !== 'invalid_grant') {
    const answer = probe.kind === 'error' ? said(probe) : probe.kind === 'unreachable' ? probe.reason : probe.detail;
    return heuristic(`the token endpoint's answer to a made-up refresh token was inconclusive (${answer})`);
  }
  const allowed =
    'the token endpoint allows the refresh_token grant for this client (it refused only the made-up token)';
  if (warnings.length > 0) return heuristic(allowed);
  const apiNote =
    config.audience !== undefined
      ? ` For AUTH0_AUDIENCE, Auth0 also needs Allow Offline Access on that API (${AUTH0_FIX.allowOfflineAccess}); only a real sign-in shows that.`
      : '';
  return result('refresh-tokens', 'pass', `offline_access is requested and ${allowed}.${apiNote}`);
}

async function probeToken(oidc: client.Configuration, request: () => Promise<unknown>): Promise<TokenProbe> {
  try {
    await request();
    return { kind: 'unexpected', detail: 'it accepted a made-up code or token' };
  } catch (error) {
    if (error instanceof client.ResponseBodyError) {
      return { kind: 'error', status: error.status, error: error.error, description: error.error_description ?? '' };
    }
    if (error instanceof client.WWWAuthenticateChallengeError) {
      const challenge = error.cause[0];
      const code = challenge?.parameters.error;
      return {
        kind: 'error',
        status: error.status,
        error: code ?? `HTTP ${error.status}`,
        description: challenge?.parameters.error_description ?? '',
      };
    }
    const code = (error as { code?: unknown }).code;
    const cause = (error as { cause?: unknown }).cause;
    if (code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' && cause instanceof Response) {
      if (cause.status >= 500)
        return { kind: 'unexpected', detail: `the provider had a problem (HTTP ${cause.status})` };
      return { kind: 'unexpected', detail: `HTTP ${cause.status}` };
    }
    const reason = networkReason(error);
    if (reason === 'no answer' && !(error instanceof TypeError)) {
      return { kind: 'unexpected', detail: error instanceof Error ? error.message : String(error) };
    }
    const metadata = oidc.serverMetadata();
    const fix = networkFix(error, new URL(metadata.token_endpoint ?? metadata.issuer).host);
    return { kind: 'unreachable', reason, ...(fix !== undefined ? { fix } : {}) };
  }
}

function isGrantNotAllowed(probe: { error: string; description: string }): boolean {
  // Auth0: unauthorized_client "Grant type 'refresh_token' not allowed for the client.";
  // oidc-provider: invalid_request "requested grant type is not allowed for this client".
  return /grant[ _]type/i.test(probe.description) && /not allowed|unauthori[sz]ed/i.test(probe.description);
}

/**
 * The provider's answer as the report shows it. The report also reaches the window ("Check my
 * setup"), so the code passes the allow rule and the description is scrubbed like a log line
 * (DESIGN checklist 13); the probes send only made-up values, so it can echo nothing secret.
 */
function said(probe: { status: number; error: string; description: string }): string {
  const description = logSafeText(probe.description, 200);
  return `HTTP ${probe.status} ${shownErrorCode(probe.error)}${description ? `: ${description}` : ''}`;
}

/** A value that cannot be a real code or token, so the request can only be refused. */
function madeUp(): string {
  return `doctor-probe-${randomBytes(16).toString('hex')}`;
}
