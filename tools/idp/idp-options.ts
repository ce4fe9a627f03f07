import type { JWK } from 'jose';
import { DEFAULT_CONNECTIONS, checkConnections } from './connections.js';
import type { IdpConnection } from './connections.js';
import { groupNames } from './groups-claim.js';
import { MemoryStore } from './memory-store.js';
import { DEFAULT_ORGANIZATIONS, checkOrganizations } from './organizations.js';
import type { IdpOrganization } from './organizations.js';
import type { IdpIdTokenAlg } from './signing-keys.js';

/** How to start the local identity provider; every member is optional. */
export interface IdpOptions {
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /** Default 'desktop-login-demo'. */
  clientId?: string;
  /** The one API (resource server) the provider knows. Default 'https://api.desktop-login.example'. */
  audience?: string;
  /** Registered redirect paths; any loopback port is accepted (RFC 8252 §7.3). Default ['/callback']. */
  callbackPaths?: string[];
  /** Registered post-logout redirect paths, any loopback port. Default ['/signed-out']. */
  logoutPaths?: string[];
  /** False hides end_session_endpoint from discovery, like a tenant without that discovery setting. Default true. */
  endSessionInDiscovery?: boolean;
  /**
   * How the client authenticates at the token endpoint. 'client_secret_post' makes it a
   * confidential client, like an Auth0 Regular Web Application: its random secret is never
   * handed out, so a public client's token requests fail with invalid_client. Default 'none'.
   */
  tokenEndpointAuthMethod?: 'none' | 'client_secret_post';
  /** The client's allowed grants, like Auth0's Advanced > Grant Types. Default both. */
  grantTypes?: Array<'authorization_code' | 'refresh_token'>;
  /** Default 600. */
  accessTokenTtlSeconds?: number;
  /** Default 3600. */
  idTokenTtlSeconds?: number;
  /** Default 86400. */
  refreshTokenTtlSeconds?: number;
  /**
   * Private JWKs with kids; the first that fits signs. One must sign RS256 (the demo API's access
   * tokens) and one `idTokenSigningAlg`. Default: fresh keys per start (generateProviderKeys).
   */
  keys?: JWK[];
  /**
   * How ID tokens are signed, like Auth0's Advanced Settings > OAuth > JsonWebToken Signature
   * Algorithm (RS256, PS256, HS256) or another provider's choice (ES256 …); access tokens stay
   * RS256. Discovery advertises this one algorithm, except HS256, where it advertises what an
   * Auth0 tenant does: HS256, RS256, PS256. RSA algorithms other than RS256 sign with one RSA key
   * that the JWKS labels RS256, as Auth0's does. HS256 is keyed with a client secret the provider
   * keeps to itself (OIDC Core §10.1): never handed out, and the client stays public (token
   * endpoint auth method none), like an Auth0 Native application set to HS256. Default RS256.
   */
  idTokenSigningAlg?: IdpIdTokenAlg;
  /** False turns refresh token rotation off (Auth0: Refresh Token Rotation off). Default true. */
  refreshTokenRotation?: boolean;
  /**
   * Adds a namespaced custom claim of about this many bytes to every ID token, like a tenant
   * whose Action adds group memberships: a 26 KB ID token is what some enterprise tenants issue.
   */
  idTokenExtraClaimBytes?: number;
  /**
   * Serves HTTPS with this certificate (PEM) instead of plain HTTP, like a real tenant; the
   * certificate must name 127.0.0.1. The issuer becomes https://127.0.0.1:<port>/.
   */
  tls?: { key: string; cert: string };
  /**
   * True keeps client connections open between requests, as a real tenant does (the bench measures
   * with it). Default false: every response says `Connection: close`, see provider-server.ts.
   */
  keepAlive?: boolean;
  /**
   * The port clients reach the provider on when something (the bench's delaying proxy) forwards
   * 127.0.0.1:<issuerPort> to it; the issuer names this port. Default: the bound port.
   */
  issuerPort?: number;
  /**
   * Where grants, tokens and sessions live. Pass the same store to a restarted provider (same
   * port) to model an outage or a key rotation: its refresh tokens stay valid. Default: a new one.
   */
  store?: MemoryStore;
  /** Sender-constrained tokens (DPoP, RFC 9449) at the token endpoint and the demo API; see IdpDpopOptions. */
  dpop?: IdpDpopOptions;
  /**
   * The tenant's Organizations, for `/authorize?organization=<id or name>`, with organization names
   * allowed in the Authentication API (tokens carry org_id and org_name). Default
   * DEFAULT_ORGANIZATIONS: `org_demo1` "acme" with alice@example.com, `org_demo2` "globex" with
   * bob@example.com. An empty list makes every `organization` parameter unknown.
   */
  organizations?: IdpOrganization[];
  /**
   * The tenant's connections, for `/authorize?connection=<name>`. Default DEFAULT_CONNECTIONS:
   * `Username-Password-Authentication` (database) and `google-oauth2` (social).
   */
  connections?: IdpConnection[];
}

/**
 * Where a server-provided DPoP nonce (RFC 9449 §8, §9) is required: at the token endpoint, at the
 * demo API, at both, or nowhere. Both share one nonce source, because they share an origin and
 * clients keep one nonce per origin.
 */
export type IdpDpopNonce = 'none' | 'token' | 'api' | 'both';

/** DPoP as a tenant offers it; every member is optional. */
export interface IdpDpopOptions {
  /**
   * False turns DPoP off, like a tenant without it: discovery does not advertise it, proofs at the
   * token endpoint are ignored (Bearer tokens) and the demo API accepts only Bearer. Default true.
   */
  enabled?: boolean;
  /** Where the first proof without a nonce is answered with use_dpop_nonce. Default 'none'. */
  nonce?: IdpDpopNonce;
  /**
   * Token requests without a proof are refused with invalid_grant, like Auth0's "Require Sender
   * Constraining" on the application (client metadata dpop_bound_access_tokens). Default false.
   */
  required?: boolean;
}

/** IdpOptions checked and with every default filled in; the signing keys are settled separately. */
export interface IdpSettings {
  readonly port: number;
  readonly clientId: string;
  readonly audience: string;
  readonly callbackPaths: readonly string[];
  readonly logoutPaths: readonly string[];
  readonly endSessionInDiscovery: boolean;
  readonly tokenEndpointAuthMethod: 'none' | 'client_secret_post';
  readonly grantTypes: ReadonlyArray<'authorization_code' | 'refresh_token'>;
  readonly accessTokenTtlSeconds: number;
  readonly idTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  readonly idTokenSigningAlg: IdpIdTokenAlg;
  readonly refreshTokenRotation: boolean;
  /** Values of the groups claim, when idTokenExtraClaimBytes asks for one. */
  readonly groups: readonly string[] | undefined;
  readonly tls: { key: string; cert: string } | undefined;
  readonly keepAlive: boolean;
  readonly issuerPort: number | undefined;
  readonly store: MemoryStore;
  readonly dpop: Readonly<Required<IdpDpopOptions>>;
  readonly organizations: readonly IdpOrganization[];
  readonly connections: readonly IdpConnection[];
}

/** Checks the options, throwing a TypeError that names the first bad one, and fills in the defaults. */
export function resolveIdpSettings(options: IdpOptions): IdpSettings {
  const clientId = options.clientId ?? 'desktop-login-demo';
  const audience = options.audience ?? 'https://api.desktop-login.example';
  const callbackPaths = checkPaths('callbackPaths', options.callbackPaths ?? ['/callback']);
  const logoutPaths = checkPaths('logoutPaths', options.logoutPaths ?? ['/signed-out']);
  const accessTokenTtlSeconds = checkSeconds('accessTokenTtlSeconds', options.accessTokenTtlSeconds ?? 600);
  const idTokenTtlSeconds = checkSeconds('idTokenTtlSeconds', options.idTokenTtlSeconds ?? 3600);
  const refreshTokenTtlSeconds = checkSeconds('refreshTokenTtlSeconds', options.refreshTokenTtlSeconds ?? 86400);
  const groups = options.idTokenExtraClaimBytes === undefined ? undefined : groupNames(options.idTokenExtraClaimBytes);
  const grantTypes = options.grantTypes ?? ['authorization_code', 'refresh_token'];
  if (!grantTypes.includes('authorization_code'))
    throw new TypeError('grantTypes must include authorization_code (the only response type is code)');
  const port = checkPort('port', options.port ?? 0);
  const issuerPort = options.issuerPort === undefined ? undefined : checkPort('issuerPort', options.issuerPort);
  if (!URL.canParse(audience))
    throw new TypeError('audience must be an absolute URI (resource indicators require one)');
  return {
    port,
    clientId,
    audience,
    callbackPaths,
    logoutPaths,
    endSessionInDiscovery: options.endSessionInDiscovery !== false,
    tokenEndpointAuthMethod: options.tokenEndpointAuthMethod === 'client_secret_post' ? 'client_secret_post' : 'none',
    grantTypes: [...grantTypes],
    accessTokenTtlSeconds,
    idTokenTtlSeconds,
    refreshTokenTtlSeconds,
    idTokenSigningAlg: options.idTokenSigningAlg ?? 'RS256',
    refreshTokenRotation: options.refreshTokenRotation !== false,
    groups,
    tls: options.tls,
    keepAlive: options.keepAlive === true,
    issuerPort,
    store: options.store ?? new MemoryStore(),
    dpop: checkDpop(options.dpop ?? {}),
    organizations: checkOrganizations(options.organizations ?? DEFAULT_ORGANIZATIONS),
    connections: checkConnections(options.connections ?? DEFAULT_CONNECTIONS),
  };
}

const DPOP_NONCE_MODES: readonly IdpDpopNonce[] = ['none', 'token', 'api', 'both'];

function checkDpop(options: IdpDpopOptions): Required<IdpDpopOptions> {
  const enabled = options.enabled !== false;
  const nonce = options.nonce ?? 'none';
  const required = options.required === true;
  if (!DPOP_NONCE_MODES.includes(nonce))
    throw new TypeError(`dpop.nonce must be one of ${DPOP_NONCE_MODES.join(', ')}`);
  if (!enabled && (nonce !== 'none' || required))
    throw new TypeError('dpop.nonce and dpop.required need DPoP enabled (dpop.enabled is false)');
  return { enabled, nonce, required };
}

function checkPaths(name: string, paths: readonly string[]): string[] {
  if (paths.length === 0) throw new TypeError(`${name} must name at least one path`);
  for (const path of paths) {
    if (!/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/.test(path)) throw new TypeError(`${name}: "${path}" is not a URL path`);
  }
  return [...paths];
}

function checkPort(name: string, port: number): number {
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new TypeError(`${name} must be an integer from 0 to 65535`);
  return port;
}

function checkSeconds(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw new TypeError(`${name} must be a positive whole number of seconds`);
  return value;
}
