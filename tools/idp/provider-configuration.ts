import { randomBytes } from 'node:crypto';
import type { JWK } from 'jose';
import type * as OidcProviderModule from 'oidc-provider';
import type { ClientMetadata, Configuration, CookieOptions } from 'oidc-provider';
import { auth0AuthorizeParams } from './auth0-authorize-params.js';
import { DPOP_SIGNING_ALGS } from './dpop-proof.js';
import { GROUPS_CLAIM } from './groups-claim.js';
import type { IdpSettings } from './idp-options.js';
import { interactionPath } from './interaction-step.js';
import type { MemoryStore } from './memory-store.js';
import { organizationClaims } from './organizations.js';
import type { OrganizationClaims } from './organizations.js';
import { errorPage, logoutConfirmPage, sendHtml, sendMessagePage } from './pages.js';

/** The endpoints at the paths an Auth0 tenant serves them on. */
export const ROUTES = {
  authorization: '/authorize',
  token: '/oauth/token',
  userinfo: '/userinfo',
  revocation: '/oauth/revoke',
  jwks: '/.well-known/jwks.json',
  end_session: '/oidc/logout',
  pushed_authorization_request: '/oauth/par',
} as const;

const API_SCOPE = 'openid profile email offline_access';
const CLIENT_NAME = 'Desktop Login';
const INTERACTION_TTL_SECONDS = 30 * 60;
const SESSION_TTL_SECONDS = 3 * 24 * 3600;

type ProviderErrors = typeof OidcProviderModule.errors;
type Features = NonNullable<Configuration['features']>;

/** What the provider's configuration is made from, beyond the checked options. */
export interface ConfigurationInput {
  readonly settings: IdpSettings;
  /** Private JWKs, checked by assertUsableKeys. */
  readonly keys: JWK[];
  /** The client secret HS256 ID tokens are keyed with, when they are. */
  readonly idTokenSecret: string | undefined;
  /** The session cookie's options; /v2/logout clears the cookie with the same ones. */
  readonly sessionCookie: CookieOptions;
  /** oidc-provider's error classes, from the module loadOidcProvider imported. */
  readonly errors: ProviderErrors;
  /** The 32-byte secret DPoP nonces are derived from, when any server requires them (see dpop-nonces.ts). */
  readonly dpopNonceSecret: Buffer | undefined;
}

/** The oidc-provider configuration of an Auth0-like tenant with one native client and one API. */
export function providerConfiguration({
  settings,
  keys,
  idTokenSecret,
  sessionCookie,
  errors,
  dpopNonceSecret,
}: ConfigurationInput): Configuration {
  const { groups, idTokenSigningAlg: idTokenAlg } = settings;
  return {
    adapter: settings.store.adapterFactory,
    clients: [clientMetadata(settings, idTokenSecret)],
    jwks: { keys },
    cookies: {
      keys: [randomBytes(32).toString('base64url')],
      long: { ...sessionCookie },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    scopes: ['openid', 'profile', 'email', 'offline_access'],
    claims: {
      // Present only in ID tokens of a sign-in through an organization (see accountFinder).
      openid: ['sub', 'org_id', 'org_name'],
      profile: ['name', 'nickname', 'picture', 'updated_at', ...(groups ? [GROUPS_CLAIM] : [])],
      email: ['email', 'email_verified'],
      acr: null,
      auth_time: null,
      iss: null,
      sid: null,
    },
    // Auth0 puts the profile and email claims in the ID token itself, not only at /userinfo.
    conformIdTokenClaims: false,
    extraParams: auth0AuthorizeParams(settings, errors),
    responseTypes: ['code'],
    pkce: { required: () => true },
    routes: { ...ROUTES },
    enabledJWA: {
      idTokenSigningAlgValues: idTokenAlg === 'HS256' ? ['HS256', 'RS256', 'PS256'] : [idTokenAlg],
      // The same list the demo API accepts, so a client choosing its key from discovery is good at both.
      dPoPSigningAlgValues: [...DPOP_SIGNING_ALGS],
    },
    ttl: tokenLifetimes(settings),
    findAccount: accountFinder(settings.store, groups),
    // Auth0 puts org_id and org_name in the access token too.
    extraTokenClaims: (_ctx, token) => grantOrganizationClaims(settings.store, token.grantId),
    interactions: { url: (_ctx, interaction) => interactionPath(interaction.uid) },
    // oidc-provider's default rule, stated so it stays visible: offline_access granted, refresh
    // token issued. offlineAccessAsAuth0 makes sure offline_access survives to the grant.
    issueRefreshToken: (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    // Stated rather than left to oidc-provider's default, which stops rotating refresh tokens once
    // they are DPoP-bound: Auth0's rotation setting applies to every refresh, bound or not.
    rotateRefreshToken: settings.refreshTokenRotation,
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
    features: providerFeatures(settings, errors, dpopNonceSecret),
  };
}

function clientMetadata(settings: IdpSettings, idTokenSecret: string | undefined): ClientMetadata {
  return {
    client_id: settings.clientId,
    client_name: CLIENT_NAME,
    application_type: 'native',
    ...(settings.tokenEndpointAuthMethod === 'client_secret_post'
      ? { token_endpoint_auth_method: 'client_secret_post', client_secret: randomBytes(32).toString('base64url') }
      : { token_endpoint_auth_method: 'none' }),
    grant_types: [...settings.grantTypes],
    response_types: ['code'],
    redirect_uris: loopbackUris(settings.callbackPaths),
    post_logout_redirect_uris: loopbackUris(settings.logoutPaths),
    ...(idTokenSecret !== undefined ? { client_secret: idTokenSecret } : {}),
    id_token_signed_response_alg: settings.idTokenSigningAlg,
    // RFC 9449 §5.2: token requests without a proof are refused (invalid_grant).
    ...(settings.dpop.required ? { dpop_bound_access_tokens: true } : {}),
  };
}

function loopbackUris(paths: readonly string[]): string[] {
  // Registered without a port: for native clients oidc-provider then accepts any loopback port.
  return paths.flatMap((path) => [`http://127.0.0.1${path}`, `http://[::1]${path}`]);
}

function tokenLifetimes(settings: IdpSettings): Configuration['ttl'] {
  return {
    AccessToken: settings.accessTokenTtlSeconds,
    AuthorizationCode: 60,
    IdToken: settings.idTokenTtlSeconds,
    RefreshToken: settings.refreshTokenTtlSeconds,
    Interaction: INTERACTION_TTL_SECONDS,
    Session: SESSION_TTL_SECONDS,
    // A grant must outlive the refresh tokens issued from it, or refreshes fail early.
    Grant: Math.max(settings.refreshTokenTtlSeconds, SESSION_TTL_SECONDS) + 3600,
  };
}

/** The organization claims of tokens from this grant, when it was made through an organization. */
function grantOrganizationClaims(store: MemoryStore, grantId: string | undefined): OrganizationClaims | undefined {
  const organization = grantId === undefined ? undefined : store.grantOrganizations.get(grantId);
  return organization && organizationClaims(organization);
}

function accountFinder(store: MemoryStore, groups: readonly string[] | undefined): Configuration['findAccount'] {
  return (_ctx, sub, token) => {
    const user = store.users.findBySub(sub);
    if (!user) return undefined;
    return {
      accountId: user.sub,
      // oidc-provider keeps only the claims the granted scopes allow. The organization is the
      // sign-in's, not the user's, so /userinfo does not report it.
      claims: (use) => ({
        sub: user.sub,
        name: user.name,
        nickname: user.nickname,
        picture: user.picture,
        email: user.email,
        email_verified: user.email_verified,
        updated_at: user.updated_at,
        ...(groups ? { [GROUPS_CLAIM]: groups } : {}),
        ...(use === 'id_token' ? grantOrganizationClaims(store, token?.grantId) : undefined),
      }),
    };
  };
}

function providerFeatures(settings: IdpSettings, errors: ProviderErrors, nonceSecret: Buffer | undefined): Features {
  return {
    devInteractions: { enabled: false },
    dPoP: dpopFeature(settings, nonceSecret),
    // No PAR, like a default Auth0 tenant.
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
    resourceIndicators: resourceIndicators(settings, errors),
  };
}

/**
 * DPoP at the token endpoint. oidc-provider binds the access token to the proof's key (a JWT one
 * carries `cnf.jkt`) and, for this public client, the refresh token too (RFC 9449 §5). With a nonce
 * secret it hands out nonces on DPoP responses and accepts them, also when only the demo API
 * requires them: clients keep one nonce per origin and send the API's to the token endpoint too.
 */
function dpopFeature(settings: IdpSettings, nonceSecret: Buffer | undefined): Features['dPoP'] {
  const { enabled, nonce } = settings.dpop;
  const tokenNeedsNonce = nonce === 'token' || nonce === 'both';
  return {
    enabled,
    ...(nonceSecret !== undefined ? { nonceSecret } : {}),
    requireNonce: (ctx) => tokenNeedsNonce && ctx.oidc.route === 'token',
    allowReplay: false,
  };
}

function resourceIndicators(settings: IdpSettings, errors: ProviderErrors): Features['resourceIndicators'] {
  const { audience } = settings;
  return {
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
        accessTokenTTL: settings.accessTokenTtlSeconds,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'RS256' } },
      };
    },
    // Refreshes keep minting access tokens for the API the sign-in asked for, as Auth0 does.
    useGrantedResource: () => true,
  };
}
