// oidc-provider ships no type declarations and @types/oidc-provider is not installed, so this
// declares just the surface the local identity provider uses, checked against oidc-provider 9.13.
declare module 'oidc-provider' {
  import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
  import type { EventEmitter } from 'node:events';
  import type { JWK } from 'jose';

  /** Options accepted by the `cookies` package Koa uses. */
  export interface CookieOptions {
    path?: string;
    domain?: string;
    httpOnly?: boolean;
    sameSite?: 'lax' | 'strict' | 'none' | boolean;
    signed?: boolean;
    secure?: boolean;
    maxAge?: number;
    overwrite?: boolean;
  }

  /** The part of a Koa 3 context the provider and our middleware touch. */
  export interface KoaContext {
    req: IncomingMessage;
    res: ServerResponse;
    method: string;
    /** Pathname only, without the query string. */
    path: string;
    url: string;
    host: string;
    origin: string;
    secure: boolean;
    headers: IncomingHttpHeaders;
    query: Record<string, string | string[] | undefined>;
    status: number;
    body: unknown;
    type: string;
    cookies: {
      get(name: string, options?: CookieOptions): string | undefined;
      set(name: string, value: string | null, options?: CookieOptions): unknown;
    };
    get(field: string): string;
    set(field: string, value: string | string[]): void;
    remove(field: string): void;
    redirect(url: string): void;
    accepts(...types: string[]): string | false;
  }

  export type KoaNext = () => Promise<unknown>;
  // Koa ignores what a middleware returns, so any value (or promise of one) is fine.
  export type KoaMiddleware = (ctx: KoaContext, next: KoaNext) => unknown;

  export type ClaimsParameterMember = null | { essential?: boolean; value?: unknown; values?: unknown[] };

  /** What `findAccount` resolves to. */
  export interface Account {
    accountId: string;
    claims(
      use: 'id_token' | 'userinfo',
      scope: string,
      claims: Record<string, ClaimsParameterMember>,
      rejected: string[],
    ): Promise<Record<string, unknown> & { sub: string }> | (Record<string, unknown> & { sub: string });
  }

  export interface ClientMetadata {
    client_id: string;
    client_name?: string;
    application_type?: 'native' | 'web';
    token_endpoint_auth_method?: string;
    grant_types?: string[];
    response_types?: string[];
    redirect_uris?: string[];
    post_logout_redirect_uris?: string[];
    id_token_signed_response_alg?: string;
    /** RFC 9449 §5.2: every token request must carry a DPoP proof. */
    dpop_bound_access_tokens?: boolean;
  }

  export interface Client {
    readonly clientId: string;
    readonly clientName?: string;
    readonly applicationType: 'native' | 'web';
    readonly clientAuthMethod: string;
    readonly redirectUris: string[];
    readonly postLogoutRedirectUris: string[];
    grantTypeAllowed(type: string): boolean;
    redirectUriAllowed(uri: string): boolean;
    postLogoutRedirectUriAllowed(uri: string): boolean;
  }

  export interface ClientStatic {
    find(id: string): Promise<Client | undefined>;
  }

  export interface Grant extends GrantContents {
    readonly jti: string;
    accountId?: string;
    clientId?: string;
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: string[]): void;
    addResourceScope(resource: string, scope: string): void;
    save(ttl?: number): Promise<string>;
  }

  /** What a grant has been given, as stored; copied when a sign-in needs a grant of its own. */
  export interface GrantContents {
    openid?: { scope?: string; claims?: string[] };
    resources?: Record<string, string>;
    rejected?: Omit<GrantContents, 'rejected'>;
  }

  export interface GrantStatic {
    new (properties: { accountId: string; clientId: string } & GrantContents): Grant;
    find(id: string): Promise<Grant | undefined>;
  }

  export interface Session {
    readonly new?: boolean;
    accountId?: string;
    destroy(): Promise<void>;
  }

  export interface SessionStatic {
    get(ctx: KoaContext): Promise<Session>;
  }

  export interface PromptDetails {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  }

  export interface Interaction {
    readonly uid: string;
    readonly returnTo: string;
    readonly grantId?: string;
    /** 'login' or 'consent' with the default interaction policy. */
    readonly prompt: { name: string; reasons: string[]; details: PromptDetails };
    readonly params: Record<string, string | undefined>;
    readonly session?: { uid: string; accountId?: string };
  }

  /** Result handed to `interactionResult`. */
  export type InteractionResults =
    | { login: { accountId: string; remember?: boolean } }
    | { consent: { grantId?: string } }
    | { error: string; error_description?: string };

  /** The token a hook such as `findAccount` or `extraTokenClaims` works for. */
  export interface TokenSource {
    readonly grantId?: string;
  }

  /** The token-like model handed to hooks such as `issueRefreshToken` or `useGrantedResource`. */
  export interface ScopedModel {
    readonly scopes: Set<string>;
    resource?: string | string[];
  }

  export interface ResourceServerInfo {
    scope: string;
    audience?: string;
    accessTokenTTL?: number;
    accessTokenFormat?: 'opaque' | 'jwt';
    jwt?: { sign?: { alg?: string; kid?: string } };
  }

  export interface OidcContext {
    readonly params: Record<string, string | undefined>;
    readonly client?: Client;
    readonly route: string;
  }

  export interface ContextWithOidc extends KoaContext {
    oidc: OidcContext;
  }

  export type ErrorOut = Record<string, string>;

  export interface Configuration {
    adapter?: (model: string) => Adapter;
    clients?: ClientMetadata[];
    jwks?: { keys: JWK[] };
    cookies?: {
      keys?: string[];
      names?: { session?: string; interaction?: string; resume?: string };
      long?: CookieOptions;
      short?: CookieOptions;
    };
    claims?: Record<string, string[] | null>;
    scopes?: string[];
    /** Names, or names mapped to a validator (undefined: none) that throws to refuse the request. */
    extraParams?:
      | string[]
      | Record<
          string,
          ((ctx: ContextWithOidc, value: string | undefined, client: Client) => void | Promise<void>) | undefined
        >;
    /** Claims added to access tokens (JWT payload or opaque `extra`). */
    extraTokenClaims?: (
      ctx: KoaContext,
      token: TokenSource,
    ) => Record<string, unknown> | undefined | Promise<Record<string, unknown> | undefined>;
    responseTypes?: string[];
    conformIdTokenClaims?: boolean;
    clientBasedCORS?: (ctx: KoaContext, origin: string, client: Client) => boolean;
    /** `token` is the code, refresh token or access token the claims are for, when there is one. */
    findAccount?: (
      ctx: KoaContext,
      sub: string,
      token?: TokenSource,
    ) => Account | undefined | Promise<Account | undefined>;
    interactions?: { url?: (ctx: KoaContext, interaction: Interaction) => string | Promise<string> };
    issueRefreshToken?: (ctx: KoaContext, client: Client, code: ScopedModel) => boolean | Promise<boolean>;
    pkce?: { required?: (ctx: KoaContext, client: Client) => boolean };
    rotateRefreshToken?: boolean | ((ctx: KoaContext) => boolean | Promise<boolean>);
    renderError?: (ctx: KoaContext, out: ErrorOut, error: Error) => void | Promise<void>;
    routes?: Partial<
      Record<
        'authorization' | 'token' | 'userinfo' | 'revocation' | 'jwks' | 'end_session' | 'pushed_authorization_request',
        string
      >
    >;
    ttl?: Partial<
      Record<
        'AccessToken' | 'AuthorizationCode' | 'IdToken' | 'RefreshToken' | 'Interaction' | 'Session' | 'Grant',
        number
      >
    >;
    enabledJWA?: { idTokenSigningAlgValues?: string[]; dPoPSigningAlgValues?: string[] };
    formats?: {
      customizers?: {
        jwt?: (
          ctx: KoaContext,
          token: unknown,
          jwt: { header: Record<string, unknown> | undefined; payload: Record<string, unknown> },
        ) => void | Promise<void>;
      };
    };
    features?: {
      devInteractions?: { enabled: boolean };
      dPoP?: {
        enabled: boolean;
        /** 32 bytes; turns on server-provided nonces (RFC 9449 §8). */
        nonceSecret?: Buffer;
        /** Whether this request's proof must carry a nonce; needs `nonceSecret`. */
        requireNonce?: (ctx: ContextWithOidc) => boolean;
        allowReplay?: boolean;
      };
      pushedAuthorizationRequests?: { enabled: boolean };
      userinfo?: { enabled: boolean };
      revocation?: {
        enabled: boolean;
        allowedPolicy?: (ctx: KoaContext, client: Client, token: { clientId?: string }) => boolean | Promise<boolean>;
      };
      rpInitiatedLogout?: {
        enabled: boolean;
        logoutSource?: (ctx: ContextWithOidc, form: string) => void | Promise<void>;
        postLogoutSuccessSource?: (ctx: ContextWithOidc) => void | Promise<void>;
      };
      resourceIndicators?: {
        enabled: boolean;
        defaultResource?: (
          ctx: ContextWithOidc,
          client: Client,
          oneOf?: string[],
        ) => string | string[] | undefined | Promise<string | string[] | undefined>;
        getResourceServerInfo?: (
          ctx: KoaContext,
          resourceIndicator: string,
          client: Client,
        ) => ResourceServerInfo | Promise<ResourceServerInfo>;
        useGrantedResource?: (ctx: KoaContext, model: ScopedModel) => boolean | Promise<boolean>;
      };
    };
  }

  /** A stored artifact as the provider hands it to the adapter. */
  export type AdapterPayload = Record<string, unknown> & {
    grantId?: string;
    uid?: string;
    userCode?: string;
    consumed?: number;
  };

  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export class Provider extends EventEmitter {
    constructor(issuer: string, configuration?: Configuration);
    readonly issuer: string;
    readonly Client: ClientStatic;
    readonly Grant: GrantStatic;
    readonly Session: SessionStatic;
    /** Koa's switch that stops its default error logging. */
    silent: boolean;
    use(middleware: KoaMiddleware): this;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    cookieName(type: 'session' | 'interaction' | 'resume'): string;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
    interactionResult(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResults,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<string>;
  }

  export class OIDCProviderError extends Error {
    error: string;
    error_description?: string;
    status: number;
    statusCode: number;
    expose: boolean;
  }

  export namespace errors {
    class AccessDenied extends OIDCProviderError {
      constructor(description?: string);
    }
    class InvalidRequest extends OIDCProviderError {
      constructor(description?: string);
    }
    class InvalidTarget extends OIDCProviderError {
      constructor(description?: string);
    }
    class SessionNotFound extends OIDCProviderError {
      constructor(description?: string);
    }
  }
}

// The nonce generator behind features.dPoP.nonceSecret, an internal module of oidc-provider 9.13
// (it has no package exports map, so the path resolves). The demo API uses it to hand out and check
// the same nonces as the token endpoint; see dpop-nonces.ts.
declare module 'oidc-provider/lib/helpers/challenge.js' {
  // eslint-disable-next-line no-restricted-syntax -- the module's own shape: its only export is the default one
  export default class ServerChallenge {
    /** `secret` must be 32 bytes; `info` separates uses of one secret ('DPoP' for DPoP nonces). */
    constructor(secret: Buffer, info: string);
    nextChallenge(): string;
    checkChallenge(challenge: string): boolean;
  }
}
