import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { AuthError } from '../auth-error.js';
import {
  ID_TOKEN_ALGS,
  ID_TOKEN_ALG_SETTING,
  isIdTokenAlg,
  registeredAlgNamed,
  type IdTokenAlg,
} from '../oidc/id-token-algs.js';

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
}

/** Where the one-shot loopback server listens. */
export interface CallbackSettings {
  /** The IP literal, never `localhost` (RFC 8252 §8.3). */
  readonly host: '127.0.0.1';
  readonly path: string;
  /** Ports to try in order; a single 0 means "any free port" (only where the provider accepts any loopback port). */
  readonly ports: readonly number[];
}

/** The environment variables the app reads; everything else is ignored. */
export type AuthEnv = Readonly<Record<string, string | undefined>>;

/**
 * The default callback port lies below every operating system's ephemeral (dynamic) port range,
 * so no program's outgoing connection can be holding it when a sign-in starts (DESIGN checklist
 * 15): Linux hands out 32768–60999 (net.ipv4.ip_local_port_range), macOS and Windows
 * 49152–65535 (the IANA dynamic range). It also stays clear of the well-known ports (below 1024)
 * and of Kubernetes' NodePort range (30000–32767), which local clusters bind on the host.
 * The documented fallbacks are the two ports after it.
 */
export const DEFAULT_CALLBACK_PORT = 28460;
/** The callback URL to register in Auth0 when AUTH0_CALLBACK_URL is not set. */
export const DEFAULT_CALLBACK_URL = `http://127.0.0.1:${DEFAULT_CALLBACK_PORT}/callback`;
export const DEFAULT_SCOPE = 'openid profile email offline_access';
const DEFAULT_TIMEOUT_SECONDS = 300;
const DEFAULT_KEYCHAIN_SERVICE = 'Desktop Login';
/** Set by `npm start` and the tests to point the app at the local demo identity provider. */
export const DEMO_ISSUER_VARIABLE = 'DESKTOP_LOGIN_DEMO_ISSUER';
/** The client the local demo identity provider registers. */
export const DEMO_CLIENT_ID = 'desktop-login-demo';

const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const CLIENT_ID = /^[A-Za-z0-9._-]{1,128}$/;
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** Reads a `.env` file if it exists; variables already in `env` win, as with dotenv. */
export function withDotEnv(env: AuthEnv, dotEnvPath: string): AuthEnv {
  let text: string;
  try {
    text = readFileSync(dotEnvPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return env;
    throw new AuthError('config_invalid', `Could not read ${dotEnvPath}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return { ...parseEnv(text), ...env };
}

/**
 * Validates the environment and explains every mistake at once, so a person fixes their
 * `.env` in one go instead of one error per start.
 */
export function loadConfig(env: AuthEnv): AuthConfig {
  const problems: string[] = [];
  const value = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    return raw === undefined || raw === '' ? undefined : raw;
  };

  if (value('AUTH0_CLIENT_SECRET') !== undefined) {
    problems.push(
      'AUTH0_CLIENT_SECRET is set, but a desktop app cannot keep a secret: anyone can read it from the installed app. ' +
        'Remove it, and in the Auth0 dashboard make the application type "Native" with Token Endpoint Authentication Method "None".',
    );
  }

  const domain = value('AUTH0_DOMAIN');
  const demoIssuer = value(DEMO_ISSUER_VARIABLE);
  let issuer: URL | undefined;
  let demo = false;
  if (domain !== undefined) {
    const parsed = issuerFromDomain(domain);
    if ('problem' in parsed) problems.push(parsed.problem);
    else issuer = parsed.issuer;
  } else if (demoIssuer !== undefined) {
    issuer = parseDemoIssuer(demoIssuer, problems);
    demo = issuer !== undefined;
  } else {
    problems.push(
      'AUTH0_DOMAIN is not set. Copy .env.example to .env and fill in your tenant (for example tenant.us.auth0.com), ' +
        'or run `npm start`, which uses the local demo identity provider when no tenant is configured.',
    );
  }

  const clientId = value('AUTH0_CLIENT_ID') ?? (demo ? DEMO_CLIENT_ID : undefined);
  if (clientId === undefined) {
    problems.push(
      'AUTH0_CLIENT_ID is not set. Copy the Client ID from your Native application in the Auth0 dashboard.',
    );
  } else if (!CLIENT_ID.test(clientId)) {
    problems.push(
      `AUTH0_CLIENT_ID "${clientId}" does not look like a client id (letters, digits, "-", "_", "." only).`,
    );
  }

  const audience = value('AUTH0_AUDIENCE');
  if (audience !== undefined && (/\s/.test(audience) || audience.length > 600)) {
    problems.push(
      'AUTH0_AUDIENCE must be your API identifier from the Auth0 dashboard (APIs > Identifier), with no spaces.',
    );
  }

  const scope = (value('AUTH0_SCOPE') ?? DEFAULT_SCOPE).split(/\s+/).join(' ');
  const scopeTokens = scope.split(' ');
  if (!scopeTokens.includes('openid')) {
    problems.push(`AUTH0_SCOPE must include "openid" (it is "${scope}"); the app signs people in with OpenID Connect.`);
  } else if (!scopeTokens.every((token) => SCOPE_TOKEN.test(token))) {
    problems.push('AUTH0_SCOPE has characters a scope cannot contain (quotes, backslashes or control characters).');
  }

  const callback = parseCallback(value('AUTH0_CALLBACK_URL'), value('AUTH0_CALLBACK_PORTS'), demo, problems);
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
  const apiBaseUrl = parseApiBaseUrl(value('API_BASE_URL'), demo ? issuer : undefined, problems);

  const keychainService = value('KEYCHAIN_SERVICE') ?? DEFAULT_KEYCHAIN_SERVICE;
  if (keychainService.length > 100) problems.push('KEYCHAIN_SERVICE must be at most 100 characters.');
  const idTokenAlg = parseIdTokenAlg(value('AUTH0_ID_TOKEN_ALG'), problems);

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
  };
}

type DomainResult = { readonly issuer: URL } | { readonly problem: string };

/**
 * Turns AUTH0_DOMAIN into the issuer. An Auth0 tenant's issuer is `https://<domain>/` (OIDC
 * Discovery §4.3 compares it exactly), so the setting is a host name, with a port only for a
 * custom domain or staging tenant served on another port than 443. It is never a URL: the
 * scheme is always https and there is no path.
 */
function issuerFromDomain(domain: string): DomainResult {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(domain);
  const rest = scheme ? domain.slice(scheme[0].length) : domain;
  const cut = rest.search(/[/?#]/);
  const authority = cut === -1 ? rest : rest.slice(0, cut);
  const tail = cut === -1 ? '' : rest.slice(cut);
  const bare = issuerFromAuthority(authority);
  if (scheme === null && tail === '') return bare;

  // Name every part to remove (scheme, path, query), then the value to use, when there is one.
  const https = scheme === null || scheme[1]?.toLowerCase() === 'https' ? '' : ' (the app always uses https)';
  const parts = [...(scheme ? [`"${scheme[0]}"${https}`] : []), ...(tail !== '' ? [`"${tail}"`] : [])].join(' and ');
  if (scheme) {
    const base = `AUTH0_DOMAIN must be the bare host name (with a port only if it is not 443), for example tenant.us.auth0.com, not a URL: remove ${parts}`;
    return { problem: 'issuer' in bare ? `${base}, and use "${bare.issuer.host}".` : `${base}. ${bare.problem}` };
  }
  const what = tail.startsWith('/') ? 'no path' : 'no query or fragment';
  const base = `AUTH0_DOMAIN must be the bare host name with ${what}`;
  return {
    problem:
      'issuer' in bare
        ? `${base}: use "${bare.issuer.host}" (remove ${parts}).`
        : `${base}: remove ${parts}. ${bare.problem}`,
  };
}

/** `host` or `host:port` (1–65535; 443, the https default, is dropped as the URL parser does). */
function issuerFromAuthority(authority: string): DomainResult {
  const invalid = (why = ''): DomainResult => ({
    problem: `AUTH0_DOMAIN "${authority}" is not a valid host name; copy the Domain field of your application in the Auth0 dashboard, or your custom domain${why}.`,
  });
  if (authority.includes('@')) return invalid(', without a user name and "@"');
  const colons = authority.split(':').length - 1;
  if (authority.startsWith('[') || (colons > 1 && /^[0-9a-f:.]+$/i.test(authority))) {
    // Auth0 domains and custom domains are DNS names (their certificates are issued to names).
    return {
      problem: `AUTH0_DOMAIN "${authority}" looks like an IPv6 address, which the app does not accept; use the tenant's host name, for example tenant.us.auth0.com.`,
    };
  }
  if (colons > 1) {
    return {
      problem: `AUTH0_DOMAIN "${authority}" has more than one ":"; write host:port, as in login.example.com:8443.`,
    };
  }
  const colon = authority.indexOf(':');
  const host = (colon === -1 ? authority : authority.slice(0, colon)).toLowerCase();
  const port = colon === -1 ? undefined : authority.slice(colon + 1);
  if (port !== undefined && !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
    return {
      problem: `AUTH0_DOMAIN "${authority}" has ${port === '' ? 'a ":" but no port' : `the port "${port}"`}; a port is a number from 1 to 65535, as in login.example.com:8443 (leave it out for the default HTTPS port, 443).`,
    };
  }
  const labels = host.split('.');
  if (labels.length < 2 || !labels.every((label) => HOST_LABEL.test(label))) return invalid();
  let issuer: URL;
  try {
    issuer = new URL(`https://${host}${port === undefined ? '' : `:${Number(port)}`}/`);
  } catch {
    return invalid();
  }
  // The URL parser reads some names as IPv4 numbers ("0x7f.1" becomes 127.0.0.1): take the host only as written.
  if (issuer.hostname !== host) return invalid();
  return { issuer };
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

function parseCallback(
  rawUrl: string | undefined,
  rawPorts: string | undefined,
  demo: boolean,
  problems: string[],
): CallbackSettings | undefined {
  // The demo provider accepts any loopback port (RFC 8252 §7.3), so it can bind an ephemeral one.
  if (rawUrl === undefined && rawPorts === undefined && demo) {
    return { host: '127.0.0.1', path: '/callback', ports: [0] };
  }
  let url: URL;
  try {
    url = new URL(rawUrl ?? DEFAULT_CALLBACK_URL);
  } catch {
    problems.push(`AUTH0_CALLBACK_URL "${rawUrl}" is not a URL; use for example ${DEFAULT_CALLBACK_URL}.`);
    return undefined;
  }
  const before = problems.length;
  if (url.protocol !== 'http:') {
    problems.push(
      `AUTH0_CALLBACK_URL must use http:// on the loopback address (the browser hands the sign-in back to the app on this computer), for example ${DEFAULT_CALLBACK_URL}.`,
    );
  }
  if (url.hostname === 'localhost') {
    problems.push(
      'AUTH0_CALLBACK_URL must use 127.0.0.1, not localhost: "localhost" can resolve elsewhere or to IPv6 (RFC 8252 §8.3). Register http://127.0.0.1:<port>/callback in Auth0 too.',
    );
  } else if (url.hostname !== '127.0.0.1') {
    problems.push(`AUTH0_CALLBACK_URL must point at this computer (127.0.0.1), not "${url.hostname}".`);
  }
  if (url.username || url.password || url.search || url.hash) {
    problems.push('AUTH0_CALLBACK_URL must not contain a user name, query or fragment.');
  }
  if (url.port === '' && /^http:\/\/[^/]*:80(?:[/?#]|$)/i.test(rawUrl ?? '')) {
    problems.push('AUTH0_CALLBACK_URL port 80 is privileged; use a port from 1024 to 65535.');
  } else if (url.port === '') {
    problems.push(
      `AUTH0_CALLBACK_URL needs an explicit port, for example :${DEFAULT_CALLBACK_PORT}, and the same URL with that port in Allowed Callback URLs in Auth0 (Auth0 matches the port exactly).`,
    );
  }
  const ports: number[] = [];
  if (url.port !== '') {
    const port = Number(url.port);
    if (port < 1024) problems.push(`AUTH0_CALLBACK_URL port ${port} is privileged; use a port from 1024 to 65535.`);
    ports.push(port);
  }
  for (const entry of rawPorts
    ?.split(',')
    .map((part) => part.trim())
    .filter(Boolean) ?? []) {
    const port = Number(entry);
    if (!/^\d+$/.test(entry) || !Number.isInteger(port) || port < 1024 || port > 65535) {
      problems.push(`AUTH0_CALLBACK_PORTS has "${entry}", which is not a port from 1024 to 65535.`);
    } else if (ports.includes(port)) {
      problems.push(`AUTH0_CALLBACK_PORTS lists port ${port} twice.`);
    } else {
      ports.push(port);
    }
  }
  if (problems.length > before) return undefined;
  return { host: '127.0.0.1', path: url.pathname, ports };
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

/** The redirect URI for a bound port: the IP literal, never `localhost` (RFC 8252 §7.3). */
export function redirectUriFor(callback: CallbackSettings, port: number): string {
  return `http://${callback.host}:${port}${callback.path}`;
}
