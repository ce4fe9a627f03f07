import type * as OidcProviderModule from 'oidc-provider';
import type { Configuration } from 'oidc-provider';
import { CONNECTION_NOT_FOUND, findConnection } from './connections.js';
import type { IdpSettings } from './idp-options.js';
import { ORGANIZATION_NOT_FOUND, findOrganization } from './organizations.js';

type ProviderErrors = typeof OidcProviderModule.errors;

/**
 * The /authorize parameters the request log keeps (see RunningIdp.requestLog): Auth0's own and
 * the prompt, so tests can see what the app asked for. Never state, nonce or the PKCE challenge.
 */
export const LOGGED_AUTHORIZE_PARAMS = ['audience', 'connection', 'organization', 'prompt', 'scope', 'screen_hint'];

/**
 * Auth0's extensions to the authorization request. oidc-provider drops parameters it does not
 * know, so each is declared; the validators run after the client and redirect_uri are checked,
 * which makes an unknown organization or connection an error redirect to the app, as at Auth0.
 */
export function auth0AuthorizeParams(settings: IdpSettings, errors: ProviderErrors): Configuration['extraParams'] {
  return {
    // Auth0 names the API with `audience`; resourceIndicators.defaultResource checks it.
    audience: undefined,
    // `signup` opens the sign-up page instead of the login page (see interactions.ts).
    screen_hint: undefined,
    organization: (_ctx, value) => {
      if (value !== undefined && !findOrganization(settings.organizations, value))
        throw new errors.InvalidRequest(ORGANIZATION_NOT_FOUND);
    },
    connection: (_ctx, value) => {
      if (value !== undefined && !findConnection(settings.connections, value))
        throw new errors.InvalidRequest(CONNECTION_NOT_FOUND);
    },
  };
}

/** The logged parameters of an /authorize request's query, when it has any. */
export function loggedAuthorizeParams(search: URLSearchParams): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (const name of LOGGED_AUTHORIZE_PARAMS) {
    const value = search.get(name);
    if (value !== null) params[name] = value;
  }
  return Object.keys(params).length > 0 ? params : undefined;
}
