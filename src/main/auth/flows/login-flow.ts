import * as client from 'openid-client';
import type { LoginStep, Profile } from '../../../shared/auth-state.js';
import { AuthError } from '../auth-error.js';
import type { AuthConfig } from '../config/config.js';
import { isAllowedExternalUrl } from '../oidc/external-url.js';
import type { Logger } from '../logger.js';
import { startCallbackServer, type CallbackResult, type CallbackServer } from '../loopback/loopback-server.js';
import { usesDpop, type DpopProofs } from '../oidc/dpop-proofs.js';
import type { DiscoveryCache } from '../oidc/oidc-discovery.js';
import { grantSurvivingKeyRotation } from '../oidc/token-response-replay.js';
import { providerDenied } from '../oidc/authorization-refusal.js';
import { organizationMismatch, wrongOrganizationMessage } from '../oidc/organization-claims.js';
import { profileFromClaims, profileNeedsUserinfo, withOrganization } from '../oidc/profile.js';
import { mapProviderError } from '../oidc/provider-errors.js';
import { preconnectUrl } from '../oidc/token-endpoint-preconnect.js';
import { createDpopKey, type DpopPrivateJwk } from '../session/dpop-key.js';
import type { Adoption } from '../session/session-keeper.js';
import { tokenSetFromResponse, type TokenSet } from '../session/token-set.js';

/** Extra authorization parameters a caller may pass through (Auth0 understands all three). */
export interface LoginOptions {
  readonly prompt?: 'login' | 'none' | 'consent' | 'select_account';
  readonly loginHint?: string;
  /** `signup` opens Universal Login's sign-up page instead of its login page. */
  readonly screenHint?: 'signup';
}

/** What one login needs from the outside world. */
export interface LoginFlowDeps {
  readonly config: AuthConfig;
  readonly discovery: DiscoveryCache;
  /** Opens the URL in the system browser (never an embedded window, RFC 8252 §8.12). */
  readonly openBrowser: (url: string) => Promise<void>;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  readonly now: () => number;
  readonly appName?: string;
  readonly onStep: (step: LoginStep, details?: { authorizationUrl?: string; browserOpenFailed?: boolean }) => void;
  /**
   * Takes the session: resolves once the app holds it (and shows the person signed in), with
   * the keychain write's outcome still to come; the browser tab is told after that.
   */
  readonly onAuthenticated: (tokens: TokenSet, profile: Profile, dpopKey?: DpopPrivateJwk) => Promise<Adoption>;
  /** The handles that sign DPoP proofs; a sign-in that uses DPoP makes a new key (dpop-proofs.ts). */
  readonly proofs: DpopProofs;
  /**
   * Handed the callback server once it listens. After the login it may linger for the tab's
   * last page; whoever needs the port next (another login, a logout's page) closes it first.
   */
  readonly onCallbackServer?: (server: { close(): Promise<void> }) => void;
  /** Opens a connection to the server at `url` for a request soon to follow (provider-requests.ts). */
  readonly preconnect?: (url: string) => void;
  /**
   * The provider issued tokens for a sign-in the app then refused (another organization): the
   * refresh token, and whose it is, so it does not stay valid with nobody holding it (RFC 7009).
   */
  readonly onRefusedTokens?: (refreshToken: string, sub: string) => void;
}

/**
 * Runs one authorization-code + PKCE login through the system browser and a one-shot
 * loopback server (RFC 8252), validating the ID token with openid-client.
 */
export async function runLogin(deps: LoginFlowDeps, options: LoginOptions = {}): Promise<Profile> {
  const { config, logger, signal } = deps;
  const oidc = await deps.discovery.get();
  throwIfCancelled(signal);

  // state and nonce are 256-bit random values, PKCE S256 always (RFC 9700 §2.1.1, RFC 7636).
  const state = client.randomState();
  const nonce = client.randomNonce();
  const codeVerifier = client.randomPKCECodeVerifier();
  const codeChallenge = await client.calculatePKCECodeChallenge(codeVerifier);

  const server = await startCallbackServer({
    settings: config.callback,
    expectedState: state,
    timeoutMs: config.loginTimeoutMs,
    signal,
    logger,
    ...(deps.appName ? { appName: deps.appName } : {}),
  });
  deps.onCallbackServer?.(server);
  try {
    const authorizationUrl = authorizationUrlFor(oidc, config, options, {
      redirectUri: server.redirectUri,
      state,
      nonce,
      codeChallenge,
    });
    await openSignInPage(deps, authorizationUrl.href, preconnectUrl(oidc));

    const callback = await server.callback;
    if (callback.kind === 'authorized') deps.onStep('exchanging-code');
    const currentUrl = new URL(server.redirectUri);
    currentUrl.search = callback.params.toString();
    const dpop = callback.kind === 'authorized' ? await sessionKey(deps, oidc) : undefined;
    let response: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      // An error answer goes through openid-client too: its RFC 9207 check of `iss` runs before
      // it looks at `error`, so a mixed-up provider cannot pass its refusal off as ours (§2.4).
      // No token request is made for an error answer.
      response = await exchangeCode(
        deps.discovery,
        oidc,
        currentUrl,
        {
          pkceCodeVerifier: codeVerifier,
          expectedState: state,
          expectedNonce: nonce,
          idTokenExpected: true,
        },
        dpop?.handle,
      );
    } catch (error) {
      throw codeExchangeFailure(callback, error, config);
    }
    throwIfCancelled(signal);

    const session = await sessionFrom(deps, oidc, response, dpop);
    await handOver(deps, server, session);
    logger.info('signed in');
    return session.profile;
  } catch (error) {
    const authError = error instanceof AuthError ? error : mapProviderError(error, 'token');
    server.finish({ kind: 'failed', message: authError.message });
    throw authError;
  }
}

/** What the app keeps of a sign-in: the tokens, the profile, and the key the tokens are bound to, if they are. */
interface NewSession {
  readonly tokens: TokenSet;
  readonly profile: Profile;
  readonly dpopKey?: DpopPrivateJwk;
}

/** The session the code exchange's answer makes, its profile from the ID token (and userinfo where it falls short). */
async function sessionFrom(
  deps: LoginFlowDeps,
  oidc: client.Configuration,
  response: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers,
  dpop: { key: DpopPrivateJwk; handle: client.DPoPHandle } | undefined,
): Promise<NewSession> {
  const claims = response.claims();
  if (claims === undefined)
    throw new AuthError('id_token_invalid', 'The identity provider sent no ID token. Try again.');
  const { organization } = deps.config;
  const mismatch = organizationMismatch(organization, claims);
  if (organization !== undefined && mismatch !== undefined) {
    // Before anything is kept: the session never reaches memory or the keychain.
    deps.logger.warn(`the ID token's ${mismatch} does not name AUTH0_ORGANIZATION; sign-in refused`);
    if (response.refresh_token !== undefined) deps.onRefusedTokens?.(response.refresh_token, claims.sub);
    throw new AuthError('id_token_invalid', wrongOrganizationMessage(organization));
  }
  const tokens = tokenSetFromResponse(response, deps.now(), undefined, deps.config.audience);
  // The token_type answered decides (RFC 9449 §5): a tenant without DPoP for this app issues Bearer tokens.
  const bound = tokens.tokenType === 'DPoP' ? dpop : undefined;
  if (dpop !== undefined && bound === undefined) {
    deps.logger.warn('DPoP was asked for, but the provider issued Bearer tokens; using them as Bearer tokens');
  }
  let profile = profileFromClaims(claims);
  if (profileNeedsUserinfo(profile) && oidc.serverMetadata().userinfo_endpoint !== undefined) {
    profile = (await fetchProfile(oidc, response.access_token, claims.sub, deps.logger, bound?.handle)) ?? profile;
  }
  return { tokens, profile: withOrganization(profile, claims), ...(bound ? { dpopKey: bound.key } : {}) };
}

/**
 * Gives the app the session, then tells the browser tab once the keychain write has settled:
 * "signed in" only when that holds after a restart too, else that it lasts for this run.
 */
async function handOver(
  deps: LoginFlowDeps,
  server: Pick<CallbackServer, 'finish'>,
  session: NewSession,
): Promise<void> {
  deps.onStep('saving-session');
  const { saved } = await deps.onAuthenticated(session.tokens, session.profile, session.dpopKey);
  const persistence = await saved;
  server.finish({ kind: 'signed-in', ...(persistence === 'keychain' ? {} : { thisRunOnly: true }) });
}

/** The code exchange; a signing key rotated moments ago must not cost the redeemed code (token-response-replay.ts). */
function exchangeCode(
  discovery: DiscoveryCache,
  oidc: client.Configuration,
  currentUrl: URL,
  checks: client.AuthorizationCodeGrantChecks,
  dpop: client.DPoPHandle | undefined,
): ReturnType<typeof client.authorizationCodeGrant> {
  return grantSurvivingKeyRotation(discovery, oidc, (configuration) =>
    client.authorizationCodeGrant(configuration, currentUrl, checks, undefined, dpop ? { DPoP: dpop } : undefined),
  );
}

/**
 * A new DPoP key for this sign-in when AUTH0_DPOP and discovery call for one (dpop-proofs.ts):
 * every sign-in gets its own, so signing in again, or as someone else, replaces the key with the
 * session, and a key never outlives the session it was made for.
 */
async function sessionKey(
  deps: LoginFlowDeps,
  oidc: client.Configuration,
): Promise<{ key: DpopPrivateJwk; handle: client.DPoPHandle } | undefined> {
  if (!usesDpop(deps.config.dpop, oidc.serverMetadata())) return undefined;
  const key = await createDpopKey();
  return { key, handle: await deps.proofs.handleFor(key) };
}

/** What the authorization request carries besides the configuration and the caller's options. */
interface AuthorizationRequest {
  readonly redirectUri: string;
  readonly state: string;
  readonly nonce: string;
  readonly codeChallenge: string;
}

/** The provider's sign-in page for this login; refused unless it is on the configured issuer (DESIGN checklist 6). */
function authorizationUrlFor(
  oidc: client.Configuration,
  config: AuthConfig,
  options: LoginOptions,
  request: AuthorizationRequest,
): URL {
  const parameters: Record<string, string> = {
    redirect_uri: request.redirectUri,
    scope: config.scope,
    state: request.state,
    nonce: request.nonce,
    code_challenge: request.codeChallenge,
    code_challenge_method: 'S256',
  };
  if (config.audience !== undefined) parameters['audience'] = config.audience;
  if (options.prompt !== undefined) parameters['prompt'] = options.prompt;
  if (options.loginHint !== undefined) parameters['login_hint'] = options.loginHint;
  if (options.screenHint !== undefined) parameters['screen_hint'] = options.screenHint;
  // Every login names them, sign-up and another account included: without `organization` Auth0
  // issues no org_id, and sessionFrom's check would refuse the sign-in.
  if (config.organization !== undefined) parameters['organization'] = config.organization;
  if (config.connection !== undefined) parameters['connection'] = config.connection;
  const authorizationUrl = client.buildAuthorizationUrl(oidc, parameters);
  if (!isAllowedExternalUrl(authorizationUrl, config)) {
    throw new AuthError(
      'untrusted_endpoint',
      `The sign-in page is not on ${config.issuer.host}, so the app will not open it. Check AUTH0_DOMAIN.`,
    );
  }
  return authorizationUrl;
}

/**
 * Opens the sign-in page in the system browser; a browser that will not open still leaves the
 * link. While the person signs in, a connection for the code exchange is opened (`warmUp`).
 */
async function openSignInPage(
  deps: LoginFlowDeps,
  authorizationUrl: string,
  warmUp: string | undefined,
): Promise<void> {
  deps.onStep('opening-browser', { authorizationUrl });
  let browserOpenFailed = false;
  try {
    await deps.openBrowser(authorizationUrl);
  } catch {
    // The person can still open or copy the link from the app, so keep waiting.
    browserOpenFailed = true;
    deps.logger.warn('the system browser could not be opened');
  }
  deps.onStep('waiting-for-user', { authorizationUrl, browserOpenFailed });
  if (warmUp !== undefined) deps.preconnect?.(warmUp);
}

/** Why the code exchange failed: the provider's refusal, when the callback carried one, or the token request. */
function codeExchangeFailure(callback: CallbackResult, error: unknown, config: AuthConfig): AuthError {
  if (callback.kind === 'denied' && error instanceof client.AuthorizationResponseError) {
    return providerDenied(callback.error, callback.description, config);
  }
  return mapProviderError(error, 'token');
}

async function fetchProfile(
  oidc: client.Configuration,
  accessToken: string,
  subject: string,
  logger: Logger,
  dpop: client.DPoPHandle | undefined,
): Promise<Profile | undefined> {
  try {
    // A DPoP-bound access token needs a proof at userinfo too (RFC 9449 §7).
    return profileFromClaims(await client.fetchUserInfo(oidc, accessToken, subject, dpop ? { DPoP: dpop } : undefined));
  } catch {
    // Userinfo only fills gaps; the ID token already proved who signed in.
    logger.warn('userinfo could not be read; showing the ID token profile');
    return undefined;
  }
}

function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new AuthError('login_cancelled', 'Sign-in was cancelled. Press Login to start again.');
}
