import type { Profile } from '../../../shared/auth-state.js';
import { organizationFromClaims } from './organization-claims.js';

/** Claims as they come from an ID token or userinfo response. */
export type Claims = Readonly<Record<string, unknown>>;

/** Picks the profile fields the renderer may show from OIDC claims; anything malformed is dropped, not trusted. */
export function profileFromClaims(claims: Claims): Profile {
  const text = (name: string, max = 512): string | undefined => {
    const value = claims[name];
    return typeof value === 'string' && value.length > 0 && value.length <= max ? value : undefined;
  };
  const sub = text('sub', 255);
  if (sub === undefined) throw new TypeError('claims without a subject');
  const picture = text('picture', 2048);
  const updated = claims['updated_at'];
  const updatedAt =
    typeof updated === 'string'
      ? updated
      : typeof updated === 'number' && Number.isFinite(updated)
        ? new Date(updated * 1000).toISOString()
        : undefined;
  const profile: { -readonly [K in keyof Profile]: Profile[K] } = { sub };
  const name = text('name');
  const nickname = text('nickname');
  const email = text('email', 320);
  if (name !== undefined) profile.name = name;
  if (nickname !== undefined) profile.nickname = nickname;
  if (email !== undefined) profile.email = email;
  if (typeof claims['email_verified'] === 'boolean') profile.emailVerified = claims['email_verified'];
  // Only https pictures: anything else could be a tracking or local URL. The renderer's CSP further
  // limits pictures to the avatar hosts Auth0 uses (src/renderer/index.html).
  if (picture !== undefined && isHttpsUrl(picture)) profile.picture = picture;
  if (updatedAt !== undefined) profile.updatedAt = updatedAt;
  return profile;
}

/**
 * `profile` with the organization the ID token names: only a verified ID token says which
 * organization the sign-in went through, so userinfo's answer (which may replace the profile)
 * never decides it.
 */
export function withOrganization(profile: Profile, idTokenClaims: Claims): Profile {
  const { organization: _previous, ...rest } = profile;
  const organization = organizationFromClaims(idTokenClaims);
  return organization ? { ...rest, organization } : rest;
}

/** True when the profile lacks the fields a person expects to see, so userinfo is worth asking. */
export function profileNeedsUserinfo(profile: Profile): boolean {
  return profile.name === undefined && profile.email === undefined;
}

function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}
