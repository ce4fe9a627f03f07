/**
 * AUTH0_ORGANIZATION and AUTH0_CONNECTION: Auth0 parameters every login sends. Checked here, at
 * the boundary, so a typo is a settings problem at start-up, not a provider error page later.
 */

/**
 * An organization ID as Auth0 issues them: `org_` and letters or digits (`org_9ybsU1dN2dKfDkBi`).
 * Auth0 treats an `organization` value starting with `org_` as an ID, anything else as a name.
 */
const ORGANIZATION_ID = /^org_[A-Za-z0-9]{1,60}$/;
/**
 * Auth0's rule for organization names: lower-case letters, digits, `_` and `-`, 1 to 50
 * characters (Auth0 dashboard > Organizations > Create Organization > Name).
 */
const ORGANIZATION_NAME = /^[a-z0-9_-]{1,50}$/;
/**
 * Auth0's rule for connection names (Management API ConnectionName): letters, digits and `-`,
 * starting and ending with a letter or digit, no `--`, at most 128 characters.
 */
const CONNECTION_NAME = /^[A-Za-z0-9](?:-?[A-Za-z0-9])*$/;
const MAX_CONNECTION_LENGTH = 128;

/** Whether an organization setting names the organization by ID (`org_…`) rather than by name. */
export function isOrganizationId(organization: string): boolean {
  return organization.startsWith('org_');
}

/**
 * AUTH0_ORGANIZATION: an ID as written, or a name lower-cased, since Auth0 keeps names in lower
 * case and sends `org_name` so (its SDKs compare the lower-cased name, too).
 */
export function parseOrganization(raw: string | undefined, problems: string[]): string | undefined {
  if (raw === undefined) return undefined;
  if (isOrganizationId(raw) ? ORGANIZATION_ID.test(raw) : ORGANIZATION_NAME.test(raw.toLowerCase())) {
    return isOrganizationId(raw) ? raw : raw.toLowerCase();
  }
  problems.push(
    `AUTH0_ORGANIZATION "${shown(raw)}" is neither an organization ID (org_ followed by letters and digits, ` +
      'e.g. org_9ybsU1dN2dKfDkBi) nor an organization name (1 to 50 lower-case letters, digits, "-" and "_", e.g. acme). ' +
      'Copy the ID or the name from Auth0 dashboard > Organizations, or leave it empty.',
  );
  return undefined;
}

/** AUTH0_CONNECTION: the connection's name exactly as Auth0 spells it (names are case-sensitive). */
export function parseConnection(raw: string | undefined, problems: string[]): string | undefined {
  if (raw === undefined) return undefined;
  if (raw.length <= MAX_CONNECTION_LENGTH && CONNECTION_NAME.test(raw)) return raw;
  problems.push(
    `AUTH0_CONNECTION "${shown(raw)}" is not a connection name: 1 to 128 letters, digits and single "-", ` +
      'starting and ending with a letter or digit (e.g. Username-Password-Authentication or google-oauth2). ' +
      'Copy it from Auth0 dashboard > Authentication, or leave it empty.',
  );
  return undefined;
}

/** A setting's value as a message may quote it: the person's own text, cut short. */
function shown(raw: string): string {
  return raw.length <= 40 ? raw : `${raw.slice(0, 40)}…`;
}
