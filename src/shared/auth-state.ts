/** The session states and profile shape the main process pushes to the renderer. No tokens live here. */

/** What the renderer may know about the signed-in person (claims from the ID token). */
export interface Profile {
  readonly sub: string;
  readonly name?: string;
  readonly nickname?: string;
  readonly email?: string;
  readonly emailVerified?: boolean;
  readonly picture?: string;
  readonly updatedAt?: string;
  /**
   * The Auth0 Organization the person signed in through: the ID token's `org_id`, and its
   * `org_name` when the tenant sends names. Present only for a sign-in through an organization.
   */
  readonly organization?: { readonly id: string; readonly name?: string };
}

/** Every failure the app can report; the UI switches on these, never on message text. */
export const AUTH_ERROR_CODES = [
  'config_invalid',
  'port_in_use',
  'callback_server_failed',
  'browser_open_failed',
  'login_in_progress',
  'login_timeout',
  'login_cancelled',
  'access_denied',
  'provider_error',
  'provider_unreachable',
  'discovery_invalid',
  'untrusted_endpoint',
  'token_exchange_failed',
  'id_token_invalid',
  'state_mismatch',
  'session_expired',
  'keychain_unavailable',
  'revocation_pending',
  'provider_logout_unconfirmed',
  'api_error',
  'not_signed_in',
  'unexpected',
] as const;

/** A stable error code; see AUTH_ERROR_CODES. */
export type AuthErrorCode = (typeof AUTH_ERROR_CODES)[number];

/** An error as it crosses into the renderer: a code to switch on and a message a person can act on. */
export interface AuthErrorInfo {
  readonly code: AuthErrorCode;
  readonly message: string;
}

/** Where a login in progress has got to, so the UI can show each step. */
export type LoginStep = 'opening-browser' | 'waiting-for-user' | 'exchanging-code' | 'saving-session';

/**
 * Whether the session survives a restart: `saving` while the OS keychain write is under way
 * (the person is already signed in), `keychain` once it is there, `unavailable` when the
 * keychain refused and the session lives for this run only.
 */
export type Persistence = 'saving' | 'keychain' | 'unavailable';

/** The one state the app is in at any moment. */
export type AuthState =
  | {
      readonly status: 'signed-out';
      readonly reason?: AuthErrorInfo;
      /**
       * Present when Logout ended the session, and until the next sign-in starts: the UI confirms
       * "You're signed out." then, and says nothing of the kind when the app has just started.
       */
      readonly afterLogout?: true;
    }
  | {
      readonly status: 'signing-in';
      readonly step: LoginStep;
      readonly startedAt: number;
      /**
       * True once the sign-in page exists, so the UI can offer "open again" and "copy link".
       * The URL itself stays in main: it carries the login's state and PKCE challenge.
       */
      readonly linkAvailable: boolean;
      /** True when the system browser could not be opened, so the UI offers the link instead. */
      readonly browserOpenFailed?: boolean;
    }
  | { readonly status: 'signed-in'; readonly profile: Profile; readonly persistence: Persistence }
  /** Logout is running: the session is ending here, at the provider and in the keychain. */
  | { readonly status: 'signing-out' }
  | { readonly status: 'error'; readonly error: AuthErrorInfo };

/** Static facts about how the app is configured that the UI may show. */
export interface AppInfo {
  /** True when running against the local demo identity provider rather than an Auth0 tenant. */
  readonly demo: boolean;
  readonly issuerHost: string;
}
