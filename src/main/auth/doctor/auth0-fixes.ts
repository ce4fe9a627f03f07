import { isOrganizationId } from '../config/auth0-login-params.js';
import type { AuthConfig } from '../config/config.js';

/** Where things live in the Auth0 dashboard; one place, so every check names them the same way. */
const APP = 'Auth0 dashboard > Applications > Applications > (your app)';

/** The fix texts the checks share: which dashboard field, which value. */
export const AUTH0_FIX = {
  /** A Native application: a public client with PKCE, never a secret (RFC 8252 §8.4). */
  nativeApp: [
    `${APP} > Settings > Application Properties > Application Type: Native.`,
    `${APP} > Credentials > Authentication Method (older dashboards: Settings > Token Endpoint Authentication Method): None.`,
    `${APP} > Settings > Advanced Settings > Grant Types: Authorization Code and Refresh Token on. Save, and keep no client secret in the app.`,
  ].join('\n'),

  grantTypes: `${APP} > Settings > Advanced Settings > Grant Types: turn on Authorization Code and Refresh Token, then Save.`,

  clientId(config: AuthConfig): string {
    return `AUTH0_CLIENT_ID does not match an application in ${config.issuer.host}: copy the Client ID from ${APP} > Settings > Basic Information (a Native application) into AUTH0_CLIENT_ID.`;
  },

  callbackUrls(uris: readonly string[]): string {
    const list = uris.join(', ');
    const each = uris.length > 1 ? ', comma-separated' : '';
    return `Add ${list} to Allowed Callback URLs (${APP} > Settings > Application URIs${each}), exactly as written, port included (Auth0 matches the port), then Save.`;
  },

  audience(config: AuthConfig): string {
    return `AUTH0_AUDIENCE "${config.audience ?? ''}" is not an API of this tenant: copy the Identifier from Auth0 dashboard > Applications > APIs > (your API) > Settings into AUTH0_AUDIENCE, or leave AUTH0_AUDIENCE empty.`;
  },

  offlineAccess: 'Add offline_access to AUTH0_SCOPE (the default is "openid profile email offline_access").',

  allowOfflineAccess:
    'Auth0 dashboard > Applications > APIs > (your API) > Settings > Access Settings > Allow Offline Access: on',

  organization(config: AuthConfig): string {
    const organization = config.organization ?? '';
    const byName = !isOrganizationId(organization);
    return [
      `AUTH0_ORGANIZATION "${organization}" must be an organization of ${config.issuer.host} this application signs in through:`,
      `copy its ${byName ? 'Name' : 'ID'} from Auth0 dashboard > Organizations > (your organization) > Settings.`,
      `${APP} > Login Experience (older dashboards: the Organizations tab) > Type of Users: Business Users or Both, then Save.`,
      'Auth0 dashboard > Organizations > (your organization) > Connections: turn on the connection your users sign in with.',
      ...(byName
        ? [
            'Auth0 dashboard > Settings > Advanced > Allow Organization Names in Authentication API: on (or use the org_… ID).',
          ]
        : []),
    ].join('\n');
  },

  connection(config: AuthConfig): string {
    return [
      `AUTH0_CONNECTION "${config.connection ?? ''}" must name a connection of ${config.issuer.host} that is on for this application:`,
      'copy its name from Auth0 dashboard > Authentication (Database, Social or Enterprise), exactly, case included,',
      `and turn it on in ${APP} > Connections${config.organization !== undefined ? ' and in Organizations > (your organization) > Connections' : ''}.`,
    ].join('\n');
  },

  /** The fix for an error the provider returned to an authorization request. */
  forAuthorizationError(config: AuthConfig, error: string, description: string): string {
    const said = `${error} ${description}`;
    // Auth0 names the parameter it refuses ("the connection was not found", "parameter organization is ...").
    if (config.connection !== undefined && /\bconnection\b/i.test(description)) return AUTH0_FIX.connection(config);
    if (config.organization !== undefined && /\borganization\b/i.test(description)) {
      return AUTH0_FIX.organization(config);
    }
    if (/\borganization\b.*\brequired\b/i.test(description)) {
      return `${APP} > Login Experience > Type of Users is Business Users, so every sign-in needs an organization: set AUTH0_ORGANIZATION to your organization's ID or name (Auth0 dashboard > Organizations), or set Type of Users to Both.`;
    }
    if (/service not found|audience|invalid_target/i.test(said)) return AUTH0_FIX.audience(config);
    if (error === 'invalid_scope' || /scope/i.test(description)) {
      return `Set AUTH0_SCOPE to scopes the tenant knows; the default "openid profile email offline_access" works with every Auth0 tenant.`;
    }
    if (/code_challenge|pkce/i.test(description)) {
      return 'The provider refuses PKCE S256, which the app always uses; check that AUTH0_DOMAIN names your Auth0 tenant.';
    }
    if (error === 'unauthorized_client' || /grant type|not allowed/i.test(description)) return AUTH0_FIX.nativeApp;
    if (error === 'access_denied') {
      return 'An Auth0 Action or rule denied the request: see Auth0 dashboard > Monitoring > Logs for the reason.';
    }
    return `See Auth0 dashboard > Monitoring > Logs for "${error}"; the application must be Native:\n${AUTH0_FIX.nativeApp}`;
  },
} as const;
