import * as client from 'openid-client';
import { AuthError } from '../auth-error.js';
import type { AuthConfig } from '../config/config.js';
import { isAllowedExternalUrl } from '../oidc/external-url.js';
import type { Logger } from '../logger.js';
import type { DiscoveryCache } from '../oidc/oidc-discovery.js';
import { revokeRefreshToken, type PendingRevocations } from '../session/pending-revocations.js';
import type { SessionKeeper } from '../session/session-keeper.js';
import { startSignedOutPage, type SignedOutPage } from '../loopback/signed-out-page.js';

/**
 * What became of the provider's browser session. A native app learns that it ended only when
 * the provider sends the browser back to the signed-out page; until then it may still be active.
 */
export type ProviderLogout =
  /** There was no session to end. */
  | { readonly kind: 'not-needed' }
  /** The provider could not be reached, so the browser was not sent there. */
  | { readonly kind: 'unreachable' }
  | { readonly kind: 'browser-not-opened' }
  /** The browser was sent to the provider's logout; the page (if any) sees it come back. */
  | { readonly kind: 'browser-sent'; readonly signedOutPage?: SignedOutPage };

/** What logout managed to do; local sign-out always happens. */
export interface LogoutOutcome {
  readonly keychainCleared: boolean;
  readonly provider: ProviderLogout;
  /** True when the refresh token could not be revoked and waits in `pending` for a retry. */
  readonly revocationPending: boolean;
}

/** Collaborators of logout. */
export interface LogoutDeps {
  readonly config: AuthConfig;
  readonly discovery: DiscoveryCache;
  readonly keeper: SessionKeeper;
  readonly openBrowser: (url: string) => Promise<void>;
  readonly logger: Logger;
  readonly appName: string;
  readonly signedOutPageTimeoutMs?: number;
  /** Where a refresh token that could not be revoked waits for the next try. */
  readonly pending?: PendingRevocations;
}

/**
 * Ends the session everywhere: local state and keychain first (nothing may stop that), then
 * the refresh token is revoked and the provider's browser session ended.
 */
export async function runLogout(deps: LogoutDeps): Promise<LogoutOutcome> {
  const { config, logger } = deps;
  const { session, keychainCleared } = await deps.keeper.end();
  if (!session) return { keychainCleared, provider: { kind: 'not-needed' }, revocationPending: false };
  const refreshToken = session.tokens.refreshToken;
  // A refresh token left unrevoked stays valid at the provider: keep it for a retry (RFC 7009).
  const keepPending = async (): Promise<boolean> => {
    if (refreshToken === undefined) return false;
    await deps.pending?.add(refreshToken);
    return true;
  };

  let oidc: client.Configuration;
  try {
    oidc = await deps.discovery.get();
  } catch {
    logger.warn('logout: the identity provider could not be reached');
    return { keychainCleared, provider: { kind: 'unreachable' }, revocationPending: await keepPending() };
  }

  let revocationPending = false;
  const failure =
    refreshToken === undefined ? undefined : await revokeRefreshToken(deps.discovery, refreshToken, logger);
  if (failure !== undefined) {
    revocationPending = await keepPending();
    // Offline: the browser could not reach the provider either, so do not open it.
    if (failure.code === 'provider_unreachable')
      return { keychainCleared, provider: { kind: 'unreachable' }, revocationPending };
  }

  let page: SignedOutPage | undefined;
  try {
    page = await startSignedOutPage({
      settings: config.callback,
      timeoutMs: deps.signedOutPageTimeoutMs ?? 120_000,
      appName: deps.appName,
      logger,
    });
  } catch {
    logger.warn('logout: no loopback port for the signed-out page; the provider will show its own page');
  }
  const url = logoutUrl(oidc, config, page?.url);
  if (!isAllowedExternalUrl(url, config)) {
    page?.close();
    throw new AuthError(
      'untrusted_endpoint',
      'The provider’s logout page is not on the configured domain; it was not opened.',
    );
  }
  try {
    await deps.openBrowser(url.href);
  } catch {
    page?.close();
    logger.warn('logout: the system browser could not be opened');
    return { keychainCleared, provider: { kind: 'browser-not-opened' }, revocationPending };
  }
  logger.info('signed out here; the browser is ending the provider session');
  return {
    keychainCleared,
    provider: { kind: 'browser-sent', ...(page ? { signedOutPage: page } : {}) },
    revocationPending,
  };
}

/**
 * The OIDC end_session_endpoint with `client_id` and `post_logout_redirect_uri` when discovery
 * lists it (Auth0 lists it only when the tenant turns it on), otherwise Auth0's own
 * `/v2/logout?client_id&returnTo`. Never `id_token_hint` (DESIGN checklist 12): the browser keeps
 * this URL in its history, session files and metrics database, and the command line that opens
 * it is visible to other local users. `client_id` is what lets the provider check the return URL
 * without the token (OIDC RP-Initiated Logout 1.0 §2).
 */
export function logoutUrl(oidc: client.Configuration, config: AuthConfig, returnTo: string | undefined): URL {
  if (oidc.serverMetadata().end_session_endpoint !== undefined) {
    const parameters: Record<string, string> = { client_id: config.clientId };
    if (returnTo !== undefined) parameters['post_logout_redirect_uri'] = returnTo;
    return client.buildEndSessionUrl(oidc, parameters);
  }
  const url = new URL('/v2/logout', config.issuer);
  url.searchParams.set('client_id', config.clientId);
  if (returnTo !== undefined) url.searchParams.set('returnTo', returnTo);
  return url;
}
