import { randomBytes } from 'node:crypto';
import type { JWK } from 'jose';
import type { CookieOptions, KoaMiddleware, Provider } from 'oidc-provider';
import { loggedAuthorizeParams } from './auth0-authorize-params.js';
import { auth0LogoutRoute } from './auth0-logout.js';
import { offlineAccessAsAuth0 } from './auth0-offline-access.js';
import { demoApiRoute } from './demo-api.js';
import type { DemoApiOptions } from './demo-api.js';
import { createDpopNonces } from './dpop-nonces.js';
import { createFaults } from './faults.js';
import type { FaultControls } from './faults.js';
import type { IdpConnection } from './connections.js';
import { resolveIdpSettings } from './idp-options.js';
import type { IdpOptions, IdpSettings } from './idp-options.js';
import { interactionRoutes } from './interactions.js';
import { loadOidcProvider } from './load-provider.js';
import { ROUTES, providerConfiguration } from './provider-configuration.js';
import type { IdpOrganization } from './organizations.js';
import { logProviderErrors } from './provider-error-log.js';
import { bindProviderServer } from './provider-server.js';
import type { ProviderServer } from './provider-server.js';
import { assertUsableKeys, generateProviderKeys, labelRsaKeysAsAuth0, toPublicJwks } from './signing-keys.js';
import { TEST_USERS } from './test-users.js';
import type { TestUser } from './test-users.js';

export type { IdpDpopNonce, IdpDpopOptions, IdpOptions } from './idp-options.js';
export { MemoryStore } from './memory-store.js';
export { generateSigningKey } from './signing-keys.js';
export type { IdpIdTokenAlg } from './signing-keys.js';
export { DEMO_PASSWORD, TEST_USERS } from './test-users.js';
export type { TestUser } from './test-users.js';
export type { Fault, FaultControls, IdTokenDefect } from './faults.js';
export type { IdpConnection } from './connections.js';
export type { IdpOrganization } from './organizations.js';

/** A started provider and the handles tests use to inspect and break it. */
export interface RunningIdp {
  /** With the trailing slash, exactly as discovery and tokens state it (Auth0's issuers end in "/"). */
  readonly issuer: string;
  readonly origin: string;
  readonly port: number;
  readonly clientId: string;
  readonly audience: string;
  readonly users: readonly TestUser[];
  /** The tenant's organizations and connections (IdpOptions, or their defaults). */
  readonly organizations: readonly IdpOrganization[];
  readonly connections: readonly IdpConnection[];
  readonly faults: FaultControls;
  /**
   * Method and pathname of every request received; never the query or body, which carry codes and
   * tokens. A GET /authorize also has `params`: the LOGGED_AUTHORIZE_PARAMS it carried (audience,
   * connection, organization, prompt, scope, screen_hint), as the app sent them.
   */
  readonly requestLog: ReadonlyArray<RequestLogEntry>;
  countRequests(path: string): number;
  /** Deletes every grant and grant-bound token server-side, so refreshes fail with invalid_grant. */
  revokeAllGrants(): Promise<void>;
  /** How many refresh tokens the provider would still honour (issued, not rotated, revoked or expired). */
  liveRefreshTokens(): number;
  close(): Promise<void>;
}

const DISCOVERY_PATHS = ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'];

/** One request as the provider's log keeps it. */
export interface RequestLogEntry {
  readonly method: string;
  readonly path: string;
  readonly params?: Readonly<Record<string, string>>;
}

type RequestLog = RequestLogEntry[];

/** Starts an Auth0-like OpenID provider on 127.0.0.1 with one public native client. */
export async function startIdp(options: IdpOptions = {}): Promise<RunningIdp> {
  const settings = resolveIdpSettings(options);
  const idTokenAlg = settings.idTokenSigningAlg;
  const keys = options.keys ? options.keys.map((key) => ({ ...key })) : await generateProviderKeys(idTokenAlg);
  assertUsableKeys(keys, idTokenAlg);
  const idTokenSecret = idTokenAlg === 'HS256' ? randomBytes(32).toString('base64url') : undefined;
  const dpopNonceSecret = settings.dpop.nonce === 'none' ? undefined : randomBytes(32);

  const { Provider, errors } = await loadOidcProvider();
  const server = await bindProviderServer(settings.tls, settings.port, settings);
  const issuer = `${server.origin}/`;
  const closing = new AbortController();
  const sessionCookie: CookieOptions = { httpOnly: true, sameSite: 'lax' };

  let provider: Provider;
  try {
    const configuration = providerConfiguration({
      settings,
      keys,
      idTokenSecret,
      sessionCookie,
      errors,
      dpopNonceSecret,
    });
    provider = new Provider(issuer, configuration);
  } catch (error) {
    await server.close();
    throw error;
  }
  logProviderErrors(provider);

  const requestLog: RequestLog = [];
  const faults = createFaults({
    tokenPath: ROUTES.token,
    discoveryPaths: DISCOVERY_PATHS,
    hiddenDiscoveryMembers: settings.endSessionInDiscovery ? [] : ['end_session_endpoint'],
    signingKeys: keys,
    ...(idTokenSecret !== undefined ? { hmacSecret: idTokenSecret } : {}),
    closing: closing.signal,
  });
  provider.use(recordRequests(requestLog, ROUTES.authorization));
  provider.use(faults.middleware);
  const api = demoApiOptions(issuer, settings, keys, dpopNonceSecret);
  for (const route of auth0Routes(provider, { api, sessionCookie, settings })) {
    provider.use(route);
  }
  server.attach(provider.callback());

  return runningIdp({ issuer, server, settings, faults: faults.controls, requestLog, closing });
}

function recordRequests(requestLog: RequestLog, authorizationPath: string): KoaMiddleware {
  return (ctx, next) => {
    // Read before offlineAccessAsAuth0 rewrites the prompt: the log shows what the app sent.
    const params =
      ctx.method === 'GET' && ctx.path === authorizationPath
        ? loggedAuthorizeParams(new URL(ctx.url, 'http://127.0.0.1').searchParams)
        : undefined;
    requestLog.push({ method: ctx.method, path: ctx.path, ...(params ? { params } : {}) });
    return next();
  };
}

/** The demo API's settings: DPoP as the tenant offers it, with the token endpoint's nonces. */
function demoApiOptions(
  issuer: string,
  settings: IdpSettings,
  keys: readonly JWK[],
  nonceSecret: Buffer | undefined,
): DemoApiOptions {
  const { enabled, nonce } = settings.dpop;
  return {
    issuer,
    audience: settings.audience,
    publicKeys: toPublicJwks(keys),
    ...(enabled
      ? {
          dpop: {
            nonces: nonceSecret === undefined ? undefined : createDpopNonces(nonceSecret),
            requireNonce: nonce === 'api' || nonce === 'both',
          },
        }
      : {}),
  };
}

/** What makes the provider look like an Auth0 tenant, in the order it is mounted after the faults. */
function auth0Routes(
  provider: Provider,
  tenant: { api: DemoApiOptions; sessionCookie: CookieOptions; settings: IdpSettings },
): KoaMiddleware[] {
  return [
    labelRsaKeysAsAuth0(ROUTES.jwks),
    offlineAccessAsAuth0(ROUTES.authorization),
    interactionRoutes(provider, tenant.settings),
    auth0LogoutRoute(provider, tenant.sessionCookie),
    demoApiRoute(tenant.api),
  ];
}

function runningIdp(parts: {
  issuer: string;
  server: ProviderServer;
  settings: IdpSettings;
  faults: FaultControls;
  requestLog: RequestLog;
  closing: AbortController;
}): RunningIdp {
  const { server, requestLog, closing } = parts;
  let closed: Promise<void> | undefined;
  return {
    issuer: parts.issuer,
    origin: server.origin,
    port: server.port,
    clientId: parts.settings.clientId,
    audience: parts.settings.audience,
    users: TEST_USERS,
    organizations: parts.settings.organizations,
    connections: parts.settings.connections,
    faults: parts.faults,
    requestLog,
    countRequests: (path) => requestLog.filter((entry) => entry.path === path).length,
    revokeAllGrants: () => {
      parts.settings.store.revokeAll();
      return Promise.resolve();
    },
    liveRefreshTokens: () => parts.settings.store.liveRefreshTokens(),
    close: () => {
      closed ??= (async () => {
        closing.abort();
        await server.close();
      })();
      return closed;
    },
  };
}
