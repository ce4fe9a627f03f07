import { AuthError } from '../auth-error.js';
import { isOrganizationId } from '../config/auth0-login-params.js';
import type { AuthConfig } from '../config/config.js';
import { logSafeText, shownErrorCode } from './provider-text.js';

/** What of the settings decides how a refusal reads: the organization and connection sent. */
type RefusalContext = Pick<AuthConfig, 'organization' | 'connection'>;

/**
 * Auth0's access_denied for a user outside the organization: "user auth0|123 is not part of the
 * org_abc organization". Only matched here, in main, to choose the app's own words; the text
 * itself never crosses IPC.
 */
const NOT_A_MEMBER = /\bis not part of the\b.*\borganization\b/i;

/**
 * The callback's `error` crosses IPC only when it passes the allow rule, and its
 * `error_description` never does: it is provider free text, kept (scrubbed) in the cause for
 * the main process (RFC 6749 §4.1.2.1, DESIGN checklist 13). The description only picks which
 * of the app's own messages fits.
 */
export function providerDenied(error: string, description: string | undefined, context: RefusalContext): AuthError {
  const cause = { error: shownErrorCode(error), description: logSafeText(description) };
  const said = description ?? '';
  if (error === 'access_denied') {
    if (context.organization !== undefined && NOT_A_MEMBER.test(said)) {
      return new AuthError(
        'access_denied',
        `This account is not a member of the organization this app signs in to (${context.organization}). ` +
          'Sign in with another account, or ask an administrator of the organization to add you.',
        { cause },
      );
    }
    return new AuthError('access_denied', 'Sign-in was declined on the sign-in page.', { cause });
  }
  if (error === 'login_required' || error === 'consent_required' || error === 'interaction_required') {
    return new AuthError('provider_error', 'The identity provider needs you to sign in on its page in the browser.', {
      cause,
    });
  }
  if (error === 'invalid_request') {
    const refused = refusedSetting(said, context);
    if (refused !== undefined) return new AuthError('provider_error', refused, { cause });
  }
  return new AuthError(
    'provider_error',
    `The identity provider stopped the sign-in (${shownErrorCode(error)}). Check the application settings in Auth0 and try again.`,
    { cause },
  );
}

/** The app's words for an invalid_request about the connection or organization it sent (or did not send). */
function refusedSetting(description: string, { organization, connection }: RefusalContext): string | undefined {
  if (connection !== undefined && /\bconnection\b/i.test(description)) {
    return (
      `The identity provider refused the connection in AUTH0_CONNECTION (${connection}): it does not know it, ` +
      'or it is not enabled for this application. Check the name in Auth0 dashboard > Authentication, ' +
      'and turn the connection on in Applications > (your app) > Connections.'
    );
  }
  if (!/\borganization\b/i.test(description)) return undefined;
  if (organization === undefined) {
    // Auth0: "parameter organization is required for this client".
    if (!/\brequired\b/i.test(description)) return undefined;
    return (
      'The application in Auth0 signs people in only through an organization, and AUTH0_ORGANIZATION is not set. ' +
      "Set it to your organization's ID or name (Auth0 dashboard > Organizations)."
    );
  }
  return (
    `The identity provider refused the organization in AUTH0_ORGANIZATION (${organization}). ` +
    `Check ${isOrganizationId(organization) ? 'its ID' : 'its name'} in Auth0 dashboard > Organizations; ` +
    'in Applications > (your app) > Login Experience, Type of Users must be Business Users or Both' +
    (isOrganizationId(organization)
      ? '.'
      : ', and Settings > Advanced > Allow Organization Names in Authentication API must be on.')
  );
}
