import { AuthError } from '../auth-error.js';
import {
  ID_TOKEN_ALGS,
  ID_TOKEN_ALG_SETTING,
  isIdTokenAlg,
  registeredAlgNamed,
  type IdTokenAlg,
} from '../oidc/id-token-algs.js';
import { issuerFromDomain } from './auth0-domain.js';
import { parseConnection, parseOrganization } from './auth0-login-params.js';
import { parseCallback, type CallbackSettings } from './callback-settings.js';
import { DEMO_CLIENT_ID, DEMO_ISSUER_VARIABLE, demoProviderAdviceFor, isLoopbackHost } from './demo-provider.js';

export {
  DEFAULT_CALLBACK_PORT,
  DEFAULT_CALLBACK_URL,
  redirectUriFor,
  type CallbackSettings,
} from './callback-settings.js';
export { DEMO_CLIENT_ID, DEMO_ISSUER_VARIABLE } from './demo-provider.js';
export { withDotEnv } from './dot-env-file.js';

/** Validated settings for the auth core; built only by `loadConfig`. */
export interface AuthConfig {
  /** Issuer exactly as the provider's discovery states it (Auth0's ends in a slash). */
  readonly issuer: URL;
  readonly clientId: string;
  readonly audience?: string;
  readonly scope: string;
  readonly callback: CallbackSettings;
  readonly loginTimeoutMs: number;
  /** Refresh the access token this long before it expires, but not before half its lifetime (refreshDueAt). */
  readonly refreshSkewMs: number;
  /** Base URL of the API the app calls with the access token (the demo provider serves one). */
  readonly apiBaseUrl?: URL;
  /** True when the issuer is the local demo identity provider on loopback. */
  readonly demo: boolean;
  /** Keychain service name: one per app and tenant, so two tenants never share entries. */
  readonly keychainService: string;
  /**
   * The one algorithm ID tokens must be signed with (AUTH0_ID_TOKEN_ALG). Unset, the app accepts
   * the asymmetric algorithms the provider advertises (id-token-algs.ts).
   */
  readonly idTokenAlg?: IdTokenAlg;
  /**
   * DPoP (RFC 9449, AUTH0_DPOP): `auto` binds tokens to a key when discovery advertises ES256 in
   * dpop_signing_alg_values_supported, `always` even when it does not, `never` sends Bearer tokens.
   */
  readonly dpop: DpopMode;
  /**
   * AUTH0_ORGANIZATION: the Auth0 Organization every login goes through, by ID (`org_…`, as
   * written) or by name (lower-cased). The ID token's `org_id` or `org_name` must name it.
   */
  readonly organization?: string;
  /** AUTH0_CONNECTION: the connection every login uses, skipping Universal Login's choice. */
  readonly connection?: string;
}

/** When the app asks for DPoP-bound tokens; see AuthConfig.dpop. */
export type DpopMode = 'auto' | 'always' | 'never';

/** The environment variables the app reads; everything else is ignored. */
export type AuthEnv = Readonly<Record<string, string | undefined>>;

export const DEFAULT_SCOPE = 'openid profile email offline_access';
const DEFAULT_TIMEOUT_SECONDS = 300;
const DEFAULT_KEYCHAIN_SERVICE = 'Desktop Login';

const CLIENT_ID = /^[A-Za-z0-9._-]{1,128}$/;
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** A setting's trimmed value; blank counts as unset. */
type SettingReader = (name: string) => string | undefined;

/**
 * Validates the environment and explains every mistake at once, so a person fixes their
 * `.env` in one go instead of one error per start.
 */
export function loadConfig(env: AuthEnv): AuthConfig {
  const problems: string[] = [];
  const value: SettingReader = (name) => {
    const raw = env[name]?.trim();
    return raw === undefined || raw === '' ? undefined : raw;
  };

  if (value('AUTH0_CLIENT_SECRET') !== undefined) {
    problems.push(
      'AUTH0_CLIENT_SECRET is set, but a desktop app cannot keep a secret: anyone can read it from the installed app. ' +
        'Remove it, and in the Auth0 dashboard make the application type "Native" with Token Endpoint Authentication Method "None".',
    );
  }
  const { issuer, demo } = readIssuer(value, problems);
  const clientId = value('AUTH0_CLIENT_ID') ?? (demo ? DEMO_CLIENT_ID : undefined);
  // AUTH0_DOMAIN=127.0.0.1:4400 with no client id is someone looking for the demo provider; an
  // HTTPS server on this computer (a TLS proxy, a test tenant) comes with its client id.
  if (clientId === undefined && issuer !== undefined && isLoopbackHost(issuer.hostname)) {
    problems.push(demoProviderAdviceFor(issuer));
  }
  checkClientId(clientId, problems);
  const audience = value('AUTH0_AUDIENCE');
  if (audience !== undefined && (/\s/.test(audience) || audience.length > 600)) {
    problems.push(
      'AUTH0_AUDIENCE must be your API identifier from the Auth0 dashboard (APIs > Identifier), with no spaces.',
    );
  }
  const scope = readScope(value('AUTH0_SCOPE'), problems);
  const callback = parseCallback(value('AUTH0_CALLBACK_URL'), value('AUTH0_CALLBACK_PORTS'), demo, problems);
  const { loginTimeoutMs, refreshSkewMs } = readTimings(value, problems);
  const apiBaseUrl = parseApiBaseUrl(value('API_BASE_URL'), demo ? issuer : undefined, problems);
  const keychainService = value('KEYCHAIN_SERVICE') ?? DEFAULT_KEYCHAIN_SERVICE;
  if (keychainService.length > 100) problems.push('KEYCHAIN_SERVICE must be at most 100 characters.');
  const idTokenAlg = parseIdTokenAlg(value('AUTH0_ID_TOKEN_ALG'), problems);
  const dpop = parseDpopMode(value('AUTH0_DPOP'), problems);
  const organization = parseOrganization(value('AUTH0_ORGANIZATION'), problems);
  const connection = parseConnection(value('AUTH0_CONNECTION'), problems);

  if (problems.length > 0 || issuer === undefined || clientId === undefined || callback === undefined) {
    throw new AuthError(
      'config_invalid',
      `The sign-in settings need fixing:\n${problems.map((problem) => `- ${problem}`).join('\n')}`,
    );
  }
  return {
    issuer,
    clientId,
    ...(audience !== undefined ? { audience } : {}),
    scope,
    callback,
    loginTimeoutMs,
    refreshSkewMs,
    ...(apiBaseUrl !== undefined ? { apiBaseUrl } : {}),
    demo,
    keychainService: `${keychainService} (${issuer.host})`,
    ...(idTokenAlg !== undefined ? { idTokenAlg } : {}),
    dpop,
    ...(organization !== undefined ? { organization } : {}),
    ...(connection !== undefined ? { connection } : {}),
  };
}

/** AUTH0_DPOP: unset is auto, `true` always, `false` never (any case). */
function parseDpopMode(raw: string | undefined, problems: string[]): DpopMode {
  if (raw === undefined) return 'auto';
  const lower = raw.toLowerCase();
  if (lower === 'true') return 'always';
  if (lower === 'false') return 'never';
  const shown = raw.length <= 40 ? raw : `${raw.slice(0, 40)}…`;
  problems.push(
    `AUTH0_DPOP must be true or false, or left unset (it is "${shown}"). Unset, the app binds its tokens to a key (DPoP) ` +
      'when the tenant offers it; true always asks for DPoP; false never does.',
  );
  return 'auto';
}

/** The issuer from AUTH0_DOMAIN, else from the demo provider's variable; a tenant always wins over the demo. */
function readIssuer(value: SettingReader, problems: string[]): { issuer: URL | undefined; demo: boolean } {
  const domain = value('AUTH0_DOMAIN');
  const demoIssuer = value(DEMO_ISSUER_VARIABLE);
  if (domain !== undefined) {
    const parsed = issuerFromDomain(domain);
    if ('problem' in parsed) {
      problems.push(parsed.problem);
      // AUTH0_DOMAIN=localhost means the demo provider: no tenant's client id is asked for.
      return { issuer: undefined, demo: parsed.demo === true };
    }
    return { issuer: parsed.issuer, demo: false };
  }
  if (demoIssuer !== undefined) {
    const issuer = parseDemoIssuer(demoIssuer, problems);
    return { issuer, demo: issuer !== undefined };
  }
  problems.push(
    'AUTH0_DOMAIN is not set. Copy .env.example to .env and fill in your tenant (for example tenant.us.auth0.com), ' +
      'or run `npm start`, which uses the local demo identity provider when no tenant is configured.',
  );
  return { issuer: undefined, demo: false };
}

function checkClientId(clientId: string | undefined, problems: string[]): void {
  if (clientId === undefined) {
    problems.push(
      'AUTH0_CLIENT_ID is not set. Copy the Client ID from your Native application in the Auth0 dashboard.',
    );
  } else if (!CLIENT_ID.test(clientId)) {
    problems.push(
      `AUTH0_CLIENT_ID "${clientId}" does not look like a client id (letters, digits, "-", "_", "." only).`,
    );
  }
}

/** AUTH0_SCOPE with its whitespace collapsed; it must ask for OpenID Connect (`openid`). */
function readScope(raw: string | undefined, problems: string[]): string {
  const scope = (raw ?? DEFAULT_SCOPE).split(/\s+/).join(' ');
  const scopeTokens = scope.split(' ');
  if (!scopeTokens.includes('openid')) {
    problems.push(`AUTH0_SCOPE must include "openid" (it is "${scope}"); the app signs people in with OpenID Connect.`);
  } else if (!scopeTokens.every((token) => SCOPE_TOKEN.test(token))) {
    problems.push('AUTH0_SCOPE has characters a scope cannot contain (quotes, backslashes or control characters).');
  }
  return scope;
}

function readTimings(value: SettingReader, problems: string[]): { loginTimeoutMs: number; refreshSkewMs: number } {
  const loginTimeoutMs = parseSeconds(
    'LOGIN_TIMEOUT_SECONDS',
    value('LOGIN_TIMEOUT_SECONDS'),
    DEFAULT_TIMEOUT_SECONDS,
    1,
    3600,
    problems,
  );
  const refreshSkewMs = parseSeconds(
    'TOKEN_REFRESH_SKEW_SECONDS',
    value('TOKEN_REFRESH_SKEW_SECONDS'),
    60,
    0,
    3600,
    problems,
  );
  return { loginTimeoutMs, refreshSkewMs };
}

/** AUTH0_ID_TOKEN_ALG: one asymmetric algorithm, named as in JWA (any case); never HS* or none. */
function parseIdTokenAlg(raw: string | undefined, problems: string[]): IdTokenAlg | undefined {
  if (raw === undefined) return undefined;
  const name = registeredAlgNamed(raw);
  if (isIdTokenAlg(name)) return name;
  const accepted = `Use one of ${ID_TOKEN_ALGS.join(', ')}, or leave it unset to accept what the provider advertises.`;
  if (name?.startsWith('HS')) {
    problems.push(
      `AUTH0_ID_TOKEN_ALG is ${name}, a shared-secret algorithm a desktop app cannot verify (it has no client secret). ${accepted} ` +
        `Set ${ID_TOKEN_ALG_SETTING} to the same algorithm (RS256 or PS256).`,
    );
  } else if (name === 'none') {
    problems.push(`AUTH0_ID_TOKEN_ALG cannot be none: the app accepts only signed ID tokens. ${accepted}`);
  } else {
    const shown = name ?? (raw.length <= 40 ? raw : `${raw.slice(0, 40)}…`);
    problems.push(`AUTH0_ID_TOKEN_ALG "${shown}" is not an algorithm the app verifies ID tokens with. ${accepted}`);
  }
  return undefined;
}

function parseDemoIssuer(raw: string, problems: string[]): URL | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`${DEMO_ISSUER_VARIABLE} "${raw}" is not a URL.`);
    return undefined;
  }
  // The demo provider is plain http, so it is only ever accepted on loopback.
  if (url.protocol !== 'http:' || url.hostname !== '127.0.0.1') {
    problems.push(`${DEMO_ISSUER_VARIABLE} must be an http://127.0.0.1 URL (the local demo identity provider).`);
    return undefined;
  }
  return url;
}

function parseSeconds(
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
  problems: string[],
): number {
  if (raw === undefined) return fallback * 1000;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < min || seconds > max) {
    problems.push(`${name} must be a number of seconds from ${min} to ${max} (it is "${raw}").`);
    return fallback * 1000;
  }
  return Math.round(seconds * 1000);
}

function parseApiBaseUrl(raw: string | undefined, demoIssuer: URL | undefined, problems: string[]): URL | undefined {
  // The demo provider serves its protected demo API under /api/.
  if (raw === undefined) return demoIssuer ? new URL('api/', demoIssuer) : undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`API_BASE_URL "${raw}" is not a URL.`);
    return undefined;
  }
  const loopback = url.protocol === 'http:' && url.hostname === '127.0.0.1';
  if (url.protocol !== 'https:' && !loopback) {
    problems.push(
      'API_BASE_URL must use https:// (access tokens are never sent over plain http, except to 127.0.0.1).',
    );
    return undefined;
  }
  if (url.username || url.password || url.search || url.hash) {
    problems.push('API_BASE_URL must not contain a user name, query or fragment.');
    return undefined;
  }
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}
