import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';
import type { Configuration, CookieOptions, KoaMiddleware } from 'oidc-provider';
import { auth0LogoutRoute } from './auth0-logout.js';
import { offlineAccessAsAuth0 } from './auth0-offline-access.js';
import { demoApiRoute } from './demo-api.js';
import { createFaults } from './faults.js';
import type { FaultControls } from './faults.js';
import { interactionPath, interactionRoutes } from './interactions.js';
import { loadOidcProvider } from './load-provider.js';
import { MemoryStore } from './memory-store.js';
import { errorPage, logoutConfirmPage, sendHtml, sendMessagePage } from './pages.js';
import {
  assertUsableKeys,
  generateProviderKeys,
  labelRsaKeysAsAuth0,
  toPublicJwks,
  type IdpIdTokenAlg,
} from './signing-keys.js';
import { TEST_USERS, findUserBySub } from './test-users.js';
import type { TestUser } from './test-users.js';

export { MemoryStore } from './memory-store.js';
export { generateSigningKey } from './signing-keys.js';
export type { IdpIdTokenAlg } from './signing-keys.js';
export { DEMO_PASSWORD, TEST_USERS } from './test-users.js';
export type { TestUser } from './test-users.js';
export type { Fault, FaultControls, IdTokenDefect } from './faults.js';

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
   * Where grants, tokens and sessions live. Pass the same store to a restarted provider (same
   * port) to model an outage or a key rotation: its refresh tokens stay valid. Default: a new one.
   */
  store?: MemoryStore;
}

/** A started provider and the handles tests use to inspect and break it. */
export interface RunningIdp {
  /** With the trailing slash, exactly as discovery and tokens state it (Auth0's issuers end in "/"). */
  readonly issuer: string;
  readonly origin: string;
  readonly port: number;
  readonly clientId: string;
  readonly audience: string;
  readonly users: readonly TestUser[];
  readonly faults: FaultControls;
  /** Method and pathname of every request received; never the query or body, which carry codes and tokens. */
  readonly requestLog: ReadonlyArray<{ method: string; path: string }>;
  countRequests(path: string): number;
  /** Deletes every grant and grant-bound token server-side, so refreshes fail with invalid_grant. */
  revokeAllGrants(): Promise<void>;
  close(): Promise<void>;
}

const ROUTES = {
  authorization: '/authorize',
  token: '/oauth/token',
  userinfo: '/userinfo',
  revocation: '/oauth/revoke',
  jwks: '/.well-known/jwks.json',
  end_session: '/oidc/logout',
  pushed_authorization_request: '/oauth/par',
} as const;

const DISCOVERY_PATHS = ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'];
const API_SCOPE = 'openid profile email offline_access';
const CLIENT_NAME = 'Desktop Login';
const INTERACTION_TTL_SECONDS = 30 * 60;
const SESSION_TTL_SECONDS = 3 * 24 * 3600;

/** Starts an Auth0-like OpenID provider on 127.0.0.1 with one public native client. */
export async function startIdp(options: IdpOptions = {}): Promise<RunningIdp> {
  const clientId = options.clientId ?? 'desktop-login-demo';
  const audience = options.audience ?? 'https://api.desktop-login.example';
  const callbackPaths = checkPaths('callbackPaths', options.callbackPaths ?? ['/callback']);
  const logoutPaths = checkPaths('logoutPaths', options.logoutPaths ?? ['/signed-out']);
  const accessTokenTtl = checkSeconds('accessTokenTtlSeconds', options.accessTokenTtlSeconds ?? 600);
  const idTokenTtl = checkSeconds('idTokenTtlSeconds', options.idTokenTtlSeconds ?? 3600);
  const refreshTokenTtl = checkSeconds('refreshTokenTtlSeconds', options.refreshTokenTtlSeconds ?? 86400);
  const groups = options.idTokenExtraClaimBytes === undefined ? undefined : groupNames(options.idTokenExtraClaimBytes);
  const grantTypes = options.grantTypes ?? ['authorization_code', 'refresh_token'];
  if (!grantTypes.includes('authorization_code'))
    throw new TypeError('grantTypes must include authorization_code (the only response type is code)');
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new TypeError('port must be an integer from 0 to 65535');
  if (!URL.canParse(audience))
    throw new TypeError('audience must be an absolute URI (resource indicators require one)');

  const idTokenAlg = options.idTokenSigningAlg ?? 'RS256';
  const keys = options.keys ? options.keys.map((key) => ({ ...key })) : await generateProviderKeys(idTokenAlg);
  assertUsableKeys(keys, idTokenAlg);
  const idTokenSecret = idTokenAlg === 'HS256' ? randomBytes(32).toString('base64url') : undefined;

  const { Provider, errors } = await loadOidcProvider();

  // The issuer contains the port, so the socket is bound before the provider exists and
  // requests are handed over once it does.
  let handle: ((req: IncomingMessage, res: ServerResponse) => void) | undefined = undefined;
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    // No keep-alive: tests open and close providers all the time, and a client reusing a
    // socket the provider is about to drop turns into a hung request. Loopback connects are cheap.
    res.setHeader('Connection', 'close');
    if (handle) {
      handle(req, res);
      return;
    }
    res.statusCode = 503;
    res.end();
  };
  const server: ProviderServer = options.tls
    ? createTlsServer({ key: options.tls.key, cert: options.tls.cert }, onRequest)
    : createServer(onRequest);
  const boundPort = await listen(server, port);
  const origin = `${options.tls ? 'https' : 'http'}://127.0.0.1:${boundPort}`;
  const issuer = `${origin}/`;

  const store = options.store ?? new MemoryStore();
  const closing = new AbortController();
  const sessionCookie: CookieOptions = { httpOnly: true, sameSite: 'lax' };

  const configuration: Configuration = {
    adapter: store.adapterFactory,
    clients: [
      {
        client_id: clientId,
        client_name: CLIENT_NAME,
        application_type: 'native',
        ...(options.tokenEndpointAuthMethod === 'client_secret_post'
          ? { token_endpoint_auth_method: 'client_secret_post', client_secret: randomBytes(32).toString('base64url') }
          : { token_endpoint_auth_method: 'none' }),
        grant_types: [...grantTypes],
        response_types: ['code'],
        redirect_uris: loopbackUris(callbackPaths),
        post_logout_redirect_uris: loopbackUris(logoutPaths),
        ...(idTokenSecret !== undefined ? { client_secret: idTokenSecret } : {}),
        id_token_signed_response_alg: idTokenAlg,
      },
    ],
    jwks: { keys },
    cookies: {
      keys: [randomBytes(32).toString('base64url')],
      long: { ...sessionCookie },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    scopes: ['openid', 'profile', 'email', 'offline_access'],
    claims: {
      openid: ['sub'],
      profile: ['name', 'nickname', 'picture', 'updated_at', ...(groups ? [GROUPS_CLAIM] : [])],
      email: ['email', 'email_verified'],
      acr: null,
      auth_time: null,
      iss: null,
      sid: null,
    },
    // Auth0 puts the profile and email claims in the ID token itself, not only at /userinfo.
    conformIdTokenClaims: false,
    extraParams: ['audience'],
    responseTypes: ['code'],
    pkce: { required: () => true },
    routes: { ...ROUTES },
    enabledJWA: { idTokenSigningAlgValues: idTokenAlg === 'HS256' ? ['HS256', 'RS256', 'PS256'] : [idTokenAlg] },
    ttl: {
      AccessToken: accessTokenTtl,
      AuthorizationCode: 60,
      IdToken: idTokenTtl,
      RefreshToken: refreshTokenTtl,
      Interaction: INTERACTION_TTL_SECONDS,
      Session: SESSION_TTL_SECONDS,
      // A grant must outlive the refresh tokens issued from it, or refreshes fail early.
      Grant: Math.max(refreshTokenTtl, SESSION_TTL_SECONDS) + 3600,
    },
    findAccount(_ctx, sub) {
      const user = findUserBySub(sub);
      if (!user) return undefined;
      return {
        accountId: user.sub,
        // oidc-provider keeps only the claims the granted scopes allow.
        claims: () => ({
          sub: user.sub,
          name: user.name,
          nickname: user.nickname,
          picture: user.picture,
          email: user.email,
          email_verified: user.email_verified,
          updated_at: user.updated_at,
          ...(groups ? { [GROUPS_CLAIM]: groups } : {}),
        }),
      };
    },
    interactions: { url: (_ctx, interaction) => interactionPath(interaction.uid) },
    // oidc-provider's default rule, stated so it stays visible: offline_access granted, refresh
    // token issued. offlineAccessAsAuth0 makes sure offline_access survives to the grant.
    issueRefreshToken: (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    ...(options.refreshTokenRotation === false ? { rotateRefreshToken: false } : {}),
    clientBasedCORS: () => false,
    formats: {
      customizers: {
        // Auth0 access tokens name the client in azp as well as client_id.
        jwt: (_ctx, _token, jwt) => {
          jwt.payload.azp = jwt.payload.client_id;
        },
      },
    },
    renderError: (ctx, out) => {
      sendHtml(ctx, ctx.status, errorPage(out.error ?? 'server_error', out.error_description));
    },
    features: {
      devInteractions: { enabled: false },
      // Plain bearer tokens and no PAR, like a default Auth0 tenant.
      dPoP: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      userinfo: { enabled: true },
      revocation: {
        enabled: true,
        allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId,
      },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => sendHtml(ctx, 200, logoutConfirmPage(ctx.host, form)),
        postLogoutSuccessSource: (ctx) => sendMessagePage(ctx, 200, 'You are signed out', 'You can close this window.'),
      },
      resourceIndicators: {
        enabled: true,
        // Auth0 names the API with `audience`; oidc-provider's equivalent is the resource indicator.
        defaultResource: (ctx, _client, oneOf) => {
          if (oneOf) return oneOf.length === 1 ? oneOf[0] : oneOf;
          const requested = ctx.oidc.params.audience;
          if (requested === undefined || requested === '') return undefined;
          if (requested !== audience) throw new errors.AccessDenied(`Service not found: ${requested}`);
          return requested;
        },
        getResourceServerInfo: (_ctx, resource) => {
          if (resource !== audience) throw new errors.InvalidTarget(`Service not found: ${resource}`);
          return {
            scope: API_SCOPE,
            audience,
            accessTokenTTL: accessTokenTtl,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
        // Refreshes keep minting access tokens for the API the sign-in asked for, as Auth0 does.
        useGrantedResource: () => true,
      },
    },
  };

  let provider: InstanceType<typeof Provider>;
  try {
    provider = new Provider(issuer, configuration);
  } catch (error) {
    await closeServer(server);
    throw error;
  }

  // Only names and codes: messages and contexts can carry request details.
  provider.on('server_error', (_ctx: unknown, error: unknown) => logError('server_error', error));
  // A listener here also replaces Koa's default handler, which prints whole stack traces.
  provider.on('error', (error: unknown) => logError('error', error));

  const requestLog: { method: string; path: string }[] = [];
  const recordRequest: KoaMiddleware = (ctx, next) => {
    requestLog.push({ method: ctx.method, path: ctx.path });
    return next();
  };

  const faults = createFaults({
    tokenPath: ROUTES.token,
    discoveryPaths: DISCOVERY_PATHS,
    hiddenDiscoveryMembers: options.endSessionInDiscovery === false ? ['end_session_endpoint'] : [],
    signingKeys: keys,
    ...(idTokenSecret !== undefined ? { hmacSecret: idTokenSecret } : {}),
    closing: closing.signal,
  });

  provider.use(recordRequest);
  provider.use(faults.middleware);
  provider.use(labelRsaKeysAsAuth0(ROUTES.jwks));
  provider.use(offlineAccessAsAuth0(ROUTES.authorization));
  provider.use(interactionRoutes(provider));
  provider.use(auth0LogoutRoute(provider, sessionCookie));
  provider.use(demoApiRoute({ issuer, audience, publicKeys: toPublicJwks(keys) }));
  handle = provider.callback();

  let closed: Promise<void> | undefined;
  return {
    issuer,
    origin,
    port: boundPort,
    clientId,
    audience,
    users: TEST_USERS,
    faults: faults.controls,
    requestLog,
    countRequests: (path) => requestLog.filter((entry) => entry.path === path).length,
    revokeAllGrants: () => {
      store.revokeAll();
      return Promise.resolve();
    },
    close: () => {
      closed ??= (async () => {
        closing.abort();
        await closeServer(server);
      })();
      return closed;
    },
  };
}

function loopbackUris(paths: readonly string[]): string[] {
  // Registered without a port: for native clients oidc-provider then accepts any loopback port.
  return paths.flatMap((path) => [`http://127.0.0.1${path}`, `http://[::1]${path}`]);
}

function checkPaths(name: string, paths: readonly string[]): string[] {
  if (paths.length === 0) throw new TypeError(`${name} must name at least one path`);
  for (const path of paths) {
    if (!/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/.test(path)) throw new TypeError(`${name}: "${path}" is not a URL path`);
  }
  return [...paths];
}

function checkSeconds(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw new TypeError(`${name} must be a positive whole number of seconds`);
  return value;
}

type ProviderServer = HttpServer | HttpsServer;

/** Auth0 requires custom claims to be namespaced with a URL. */
const GROUPS_CLAIM = 'https://desktop-login.example/groups';

/** Group names adding up to about `bytes` of JSON. */
function groupNames(bytes: number): string[] {
  if (!Number.isInteger(bytes) || bytes <= 0) throw new TypeError('idTokenExtraClaimBytes must be a positive integer');
  const names: string[] = [];
  for (let size = 2; size < bytes; size += names.at(-1)!.length + 3) {
    names.push(`engineering-team-${String(names.length).padStart(5, '0')}-members`);
  }
  return names;
}

function listen(server: ProviderServer, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: ProviderServer): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // Browsers keep idle connections open; without this close() waits for them to time out.
    server.closeAllConnections();
  });
}

function logError(event: string, error: unknown): void {
  const name = error instanceof Error ? error.name : typeof error;
  const code =
    typeof error === 'object' && error !== null && 'error' in error && typeof error.error === 'string'
      ? error.error
      : typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
        ? error.code
        : '';
  console.error(`[idp] ${event} ${name}${code ? ` ${code}` : ''}`);
}
