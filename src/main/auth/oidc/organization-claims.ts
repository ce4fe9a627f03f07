import type { Profile } from '../../../shared/auth-state.js';
import { isOrganizationId } from '../config/auth0-login-params.js';

/** Claims as they come from a verified ID token. */
type Claims = Readonly<Record<string, unknown>>;

const ORG_ID_CLAIM = /^org_[A-Za-z0-9]{1,60}$/;
const ORG_NAME_CLAIM = /^[a-z0-9_-]{1,50}$/;

/**
 * The claim that fails to name the configured organization, or undefined when the ID token is
 * for it (or none is configured). Auth0 requires this check of every app that sends
 * `organization`: an ID is compared with `org_id` exactly, a name with `org_name` lower-cased, as
 * Auth0's own SDKs do. Without it, a token issued through another organization (or none) of the
 * same tenant would be accepted as a member's of this one.
 */
export function organizationMismatch(expected: string | undefined, claims: Claims): 'org_id' | 'org_name' | undefined {
  if (expected === undefined) return undefined;
  if (isOrganizationId(expected)) return claims['org_id'] === expected ? undefined : 'org_id';
  const name = claims['org_name'];
  return typeof name === 'string' && name.toLowerCase() === expected.toLowerCase() ? undefined : 'org_name';
}

/**
 * True when a saved session was not signed in through the configured organization (another one,
 * or none): AUTH0_ORGANIZATION changed since, and the sign-in's check never ran for this setting.
 */
export function savedForOtherOrganization(expected: string | undefined, profile: Profile): boolean {
  const saved = profile.organization;
  const claims = saved ? { org_id: saved.id, ...(saved.name !== undefined ? { org_name: saved.name } : {}) } : {};
  return organizationMismatch(expected, claims) !== undefined;
}

/** Why the saved session was not restored: it is from before AUTH0_ORGANIZATION changed. */
export const OTHER_ORGANIZATION_SAVED_MESSAGE =
  'This app now signs in through a different organization than your saved session was for, so that session was removed. Please sign in again.';

/** The organization an ID token names, for the profile; a malformed claim is dropped, not trusted. */
export function organizationFromClaims(claims: Claims): Profile['organization'] {
  const id = claims['org_id'];
  if (typeof id !== 'string' || !ORG_ID_CLAIM.test(id)) return undefined;
  const name = claims['org_name'];
  return { id, ...(typeof name === 'string' && ORG_NAME_CLAIM.test(name) ? { name } : {}) };
}

/** Why a sign-in whose ID token names another organization was refused. */
export function wrongOrganizationMessage(expected: string): string {
  return (
    `The sign-in was for a different organization than the one this app signs in to (${expected}), ` +
    'so it was refused and nothing was kept. Try again; if it happens again, check AUTH0_ORGANIZATION.'
  );
}

/** Why a session ended when its renewal named another organization. */
export function organizationChangedMessage(expected: string): string {
  return (
    `The identity provider renewed the session for a different organization than the one this app signs in to (${expected}), ` +
    'so you were signed out and nothing from that answer was kept. Please sign in again.'
  );
}
