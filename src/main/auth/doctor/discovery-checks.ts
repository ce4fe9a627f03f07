import type * as client from 'openid-client';
import { isAuthError } from '../auth-error.js';
import { DEMO_ISSUER_VARIABLE, type AuthConfig } from '../config/config.js';
import { demoProviderAdviceFor, isLoopbackHost } from '../config/demo-provider.js';
import { createDiscoveryCache } from '../oidc/oidc-discovery.js';
import { result, skipped, type CheckResult } from './check-result.js';
import { checkDpop } from './dpop-check.js';
import { findCause, isTlsHandshakeFailure, networkFix, networkReason } from './error-causes.js';

/** The discovery checks, and the provider configuration the later checks talk to. */
export interface DiscoveryOutcome {
  readonly checks: readonly CheckResult[];
  readonly oidc?: client.Configuration;
  /** Why the later checks cannot run, when `oidc` is missing. */
  readonly blocked?: string;
}

/** Auth0's tenant setting that adds end_session_endpoint to discovery. */
export const END_SESSION_DISCOVERY_SETTING =
  'Auth0 dashboard > Settings (tenant) > Advanced > Login and Logout > turn on "RP-Initiated Logout End Session Endpoint Discovery" (OIDC Logout)';

/**
 * Loads discovery through the app's own cache, which already refuses endpoints on another
 * origin and a mismatching issuer, then inspects what the app relies on.
 */
export async function checkDiscovery(
  config: AuthConfig,
  network: { fetch?: typeof fetch; timeoutMs: number },
): Promise<DiscoveryOutcome> {
  const discoveryUrl = discoveryUrlOf(config.issuer);
  let oidc: client.Configuration;
  try {
    oidc = await createDiscoveryCache(config, {
      ...(network.fetch ? { fetch: network.fetch } : {}),
      timeoutSeconds: network.timeoutMs / 1000,
    }).get();
  } catch (error) {
    return discoveryFailure(config, error, discoveryUrl, network.timeoutMs);
  }

  const metadata = oidc.serverMetadata();
  return {
    oidc,
    checks: [
      result('discovery', 'pass', `${discoveryUrl} answered within ${formatSeconds(network.timeoutMs)}.`),
      result('issuer', 'pass', `Discovery states the issuer ${metadata.issuer}, as configured.`),
      checkPkce(metadata),
      checkLogoutEndpoints(metadata),
      checkDpop(config, metadata),
    ],
  };
}

/** The checks that need discovery, skipped `because` it failed. */
function laterChecks(because: string): CheckResult[] {
  return [skipped('pkce', because), skipped('logout-endpoints', because), skipped('dpop', because)];
}

/** Why discovery could not be loaded or used, with the fix; every check after it is skipped. */
function discoveryFailure(
  config: AuthConfig,
  error: unknown,
  discoveryUrl: string,
  timeoutMs: number,
): DiscoveryOutcome {
  const issuerMismatch = findCause(
    error,
    (cause): cause is { attribute: 'issuer'; body?: { issuer?: unknown } } =>
      typeof cause === 'object' && cause !== null && 'attribute' in cause && cause.attribute === 'issuer',
  );
  if (issuerMismatch) return issuerMismatchOutcome(config, String(issuerMismatch.body?.issuer), discoveryUrl);
  const code = isAuthError(error) ? error.code : 'unexpected';
  if (code === 'provider_unreachable') {
    return {
      checks: [
        result(
          'discovery',
          'fail',
          reachFailure(discoveryUrl, networkReason(error), timeoutMs),
          unreachableFix(config, error),
        ),
        skipped('issuer', 'discovery could not be loaded'),
        ...laterChecks('discovery could not be loaded'),
      ],
      blocked: 'discovery could not be loaded',
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    checks: [
      result(
        'discovery',
        'fail',
        `${discoveryUrl} answered, but the app cannot use it: ${message}`,
        unusableDiscoveryFix(config, code, discoveryUrl),
      ),
      skipped('issuer', 'discovery could not be used'),
      ...laterChecks('discovery could not be used'),
    ],
    blocked: 'discovery could not be used',
  };
}

/** The fix when nothing usable answered at the issuer. */
function unreachableFix(config: AuthConfig, error: unknown): string {
  if (config.demo) {
    return `Start the demo identity provider (npm run idp) and point ${DEMO_ISSUER_VARIABLE} at the issuer it prints, or set AUTH0_DOMAIN to your tenant.`;
  }
  const network = networkFix(error, config.issuer.host);
  // AUTH0_DOMAIN=127.0.0.1:4400 is someone looking for the demo provider, unless an HTTPS server
  // answers there: a certificate problem means one does, so only its fix is given.
  if (isLoopbackHost(config.issuer.hostname) && (network === undefined || isTlsHandshakeFailure(error))) {
    const advice = demoProviderAdviceFor(config.issuer);
    return network === undefined ? advice : `${network}\n${advice}`;
  }
  return (
    network ??
    'Set AUTH0_DOMAIN to the Domain shown in Auth0 dashboard > Applications > Applications > (your app) > Settings > Basic Information (or your custom domain), and check the network or proxy.'
  );
}

/** Discovery answered with another issuer: the app trusts only an exact match (OIDC Discovery §4.3). */
function issuerMismatchOutcome(config: AuthConfig, stated: string, discoveryUrl: string): DiscoveryOutcome {
  return {
    checks: [
      result('discovery', 'pass', `${discoveryUrl} answered.`),
      result(
        'issuer',
        'fail',
        `Discovery states the issuer ${stated}, but AUTH0_DOMAIN gives ${config.issuer.href}; the app only trusts an exact match (OIDC Discovery §4.3).`,
        config.demo
          ? `Point DESKTOP_LOGIN_DEMO_ISSUER at the provider's own issuer, ${stated}.`
          : `Set AUTH0_DOMAIN to your tenant's Domain exactly as shown in Auth0 dashboard > Applications > Applications > (your app) > Settings (if ${hostOf(stated)} is your tenant, use that).`,
      ),
      ...laterChecks('the issuer does not match'),
    ],
    blocked: 'the issuer does not match',
  };
}

function checkPkce(metadata: client.ServerMetadata): CheckResult {
  const methods = metadata.code_challenge_methods_supported;
  if (methods === undefined) {
    // RFC 8414 §2: absent means "not advertised", which is not the same as "not supported".
    return result(
      'pkce',
      'warn',
      'Discovery does not list code_challenge_methods_supported, so S256 support cannot be confirmed; the app always sends S256 (RFC 7636).',
      'If sign-in fails with an invalid_request about code_challenge, the provider does not support PKCE S256; Auth0 tenants always do, so check AUTH0_DOMAIN.',
    );
  }
  if (!methods.includes('S256')) {
    return result(
      'pkce',
      'fail',
      `Discovery lists code_challenge_methods_supported ${JSON.stringify(methods)}, without S256; the app sends only S256 (RFC 7636, RFC 9700 §2.1.1) and will be refused.`,
      'Use a provider that supports PKCE with S256; every Auth0 tenant does, so check that AUTH0_DOMAIN names your Auth0 tenant.',
    );
  }
  return result('pkce', 'pass', 'Discovery lists S256 in code_challenge_methods_supported.');
}

function checkLogoutEndpoints(metadata: client.ServerMetadata): CheckResult {
  const missing: string[] = [];
  const fixes: string[] = [];
  if (metadata.revocation_endpoint === undefined) {
    missing.push('revocation_endpoint: logout cannot revoke the refresh token, it is only deleted from this computer');
    fixes.push(
      'Auth0 tenants publish /oauth/revoke; if AUTH0_DOMAIN is right, nothing in the dashboard turns it off, so check for a proxy rewriting discovery.',
    );
  }
  if (metadata.end_session_endpoint === undefined) {
    missing.push("end_session_endpoint: logout falls back to Auth0's /v2/logout instead of OIDC RP-Initiated Logout");
    fixes.push(END_SESSION_DISCOVERY_SETTING);
  }
  if (missing.length === 0) {
    return result('logout-endpoints', 'pass', 'Discovery lists revocation_endpoint and end_session_endpoint.');
  }
  return result('logout-endpoints', 'warn', `Discovery has no ${missing.join('; no ')}.`, fixes.join('\n'));
}

/**
 * The URL openid-client fetches for `issuer`: OIDC Discovery §4 appends
 * /.well-known/openid-configuration to the issuer's path (a path is kept, not replaced), and an
 * issuer that already names a /.well-known/ URL is fetched as it is. Mirrors oauth4webapi's
 * discoveryRequest and openid-client's discovery(), which the doctor's tests compare it with.
 */
export function discoveryUrlOf(issuer: URL): string {
  if (issuer.href.includes('/.well-known/')) return issuer.href;
  const url = new URL(issuer.href);
  // oauth4webapi joins with "/" and then collapses the first "//", so "/" and "/tenant/" work as "/tenant" does.
  url.pathname = `${url.pathname}/.well-known/openid-configuration`.replace('//', '/');
  return url.href;
}

/** The fix when discovery answered but the app refused what it said. */
function unusableDiscoveryFix(config: AuthConfig, code: string, discoveryUrl: string): string {
  const origin = config.issuer.origin;
  if (code === 'untrusted_endpoint') {
    // DESIGN checklist 6: endpoints are checked against the issuer before the browser opens one.
    const refusal = `The app refuses endpoints outside ${origin} on purpose: it never sends the browser or tokens to a server the configuration does not name (CVE-2025-6514).`;
    return config.demo
      ? `${refusal} Point ${DEMO_ISSUER_VARIABLE} at the issuer the demo identity provider prints (npm run idp), and make sure nothing between the app and the provider rewrites its discovery document.`
      : [
          refusal,
          "Set AUTH0_DOMAIN to the domain that serves the whole sign-in: your tenant's Domain (Auth0 dashboard > Applications > Applications > (your app) > Settings > Basic Information) or, with a custom domain, the custom domain itself (Auth0 dashboard > Branding > Custom Domains); Auth0 lists every endpoint on the domain its discovery was asked on.",
          `If a gateway or proxy in front of the tenant rewrites discovery, make it keep every endpoint on ${origin}.`,
        ].join('\n');
  }
  return config.demo
    ? `${discoveryUrl} must serve the demo provider's discovery document: point ${DEMO_ISSUER_VARIABLE} at the issuer the demo identity provider prints (npm run idp), exactly, or set AUTH0_DOMAIN to your tenant.`
    : `${discoveryUrl} must serve your tenant's OpenID configuration: set AUTH0_DOMAIN to the Domain shown in Auth0 dashboard > Applications > Applications > (your app) > Settings > Basic Information (or your custom domain), and check that no proxy answers in the tenant's place.`;
}

function reachFailure(url: string, reason: string, timeoutMs: number): string {
  return reason === 'timed out' || reason === 'no answer'
    ? `${url} did not answer within ${formatSeconds(timeoutMs)}.`
    : `${url} could not be reached (${reason}).`;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
