/** An Auth0 Organization: the tenant's record of one business customer and who belongs to it. */
export interface IdpOrganization {
  /** `org_` and letters or digits, as Auth0 issues them. */
  readonly id: string;
  /** Lower-case, as Auth0 requires of organization names; this is what `org_name` carries. */
  readonly name: string;
  /** The members' email addresses; a user who signs up later with one of them is a member too. */
  readonly members: readonly string[];
}

/**
 * Two organizations: alice@example.com belongs to `acme` and not to `globex`, so one test user
 * shows both a member's sign-in and a refused one.
 */
export const DEFAULT_ORGANIZATIONS: readonly IdpOrganization[] = Object.freeze([
  Object.freeze({ id: 'org_demo1', name: 'acme', members: Object.freeze(['alice@example.com']) }),
  Object.freeze({ id: 'org_demo2', name: 'globex', members: Object.freeze(['bob@example.com']) }),
]);

/** The claims Auth0 adds to ID and access tokens of an organization sign-in (names allowed in the Authentication API). */
// A type alias, not an interface, so it fits the Record<string, unknown> that token hooks return.
export type OrganizationClaims = {
  readonly org_id: string;
  readonly org_name: string;
};

/**
 * The error_description of an `organization` the tenant does not know. Auth0's own wording for
 * this case is not published; this one follows its "the connection was not found".
 */
export const ORGANIZATION_NOT_FOUND = 'the organization was not found';

/** Auth0's error_description when the signed-in user is no member, e.g. "user auth0|123 is not part of the org_abc organization". */
export function notAMemberDescription(sub: string, organization: IdpOrganization): string {
  return `user ${sub} is not part of the ${organization.id} organization`;
}

/**
 * The organization an `organization` parameter names: an `org_…` value is an ID, compared
 * exactly; anything else a name, compared without regard to case.
 */
export function findOrganization(
  organizations: readonly IdpOrganization[],
  value: string,
): IdpOrganization | undefined {
  if (value.startsWith('org_')) return organizations.find((organization) => organization.id === value);
  const name = value.toLowerCase();
  return organizations.find((organization) => organization.name === name);
}

/** Whether the user with this email belongs to the organization; emails compare without regard to case. */
export function isMember(organization: IdpOrganization, email: string): boolean {
  const wanted = email.toLowerCase();
  return organization.members.some((member) => member.toLowerCase() === wanted);
}

/** The org_id and org_name claims of a sign-in through the organization. */
export function organizationClaims(organization: IdpOrganization): OrganizationClaims {
  return { org_id: organization.id, org_name: organization.name };
}

/** Checks the organizations option, throwing a TypeError that names the first bad entry. */
export function checkOrganizations(organizations: readonly IdpOrganization[]): IdpOrganization[] {
  const ids = new Set<string>();
  const names = new Set<string>();
  return organizations.map((organization, index) => {
    const { id, name, members } = organization;
    if (!/^org_[A-Za-z0-9]+$/.test(id)) throw new TypeError(`organizations[${index}].id must look like org_abc123`);
    // Auth0: lower-case letters, digits, "-" and "_", starting with a letter or digit.
    if (!/^[a-z0-9][a-z0-9_-]{0,49}$/.test(name))
      throw new TypeError(`organizations[${index}].name must be a lower-case name such as "acme"`);
    if (ids.has(id) || names.has(name))
      throw new TypeError(`organizations[${index}] repeats the id or name of another organization`);
    const list: unknown = members;
    if (!Array.isArray(list) || !list.every((member) => typeof member === 'string' && member.includes('@')))
      throw new TypeError(`organizations[${index}].members must be email addresses`);
    ids.add(id);
    names.add(name);
    return Object.freeze({ id, name, members: Object.freeze([...members]) });
  });
}
