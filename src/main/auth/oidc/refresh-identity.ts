import { decodeJwt } from 'jose';

/** The claims that name who is signed in, to whom, and since when (OIDC Core §12.2). */
export type IdentityClaim = 'iss' | 'sub' | 'aud' | 'azp' | 'auth_time' | 'nonce' | 'org_id';

/** What the session knew before the refresh: its stored ID token and the profile's subject. */
export interface OriginalIdentity {
  /** The ID token stored with the session; it was verified when it was received. */
  readonly idToken?: string | undefined;
  /** The profile's `sub`, taken from that ID token at sign-in. */
  readonly sub: string;
}

/** What the session's end says when a refresh answered for someone else. */
export const IDENTITY_CHANGED_MESSAGE =
  'The identity provider answered the session renewal for a different account, so you were signed out and nothing from that answer was kept. Please sign in again.';

/**
 * OIDC Core §12.2: a refreshed ID token must keep the original's `iss`, `sub`, `aud` and `azp`,
 * its `auth_time` (when both carry one) and, if it has a `nonce`, the original's nonce; and
 * Auth0's `org_id`, when both carry one. Returns the claims that changed; empty when none did or
 * the refresh brought no ID token (§12.2 allows that). Pure: the caller ends the session on a
 * change and stores nothing of the answer.
 */
export function changedIdentityClaims(
  original: OriginalIdentity,
  refreshed: Readonly<Record<string, unknown>> | undefined,
): IdentityClaim[] {
  if (refreshed === undefined) return [];
  const before = decodeStored(original.idToken);
  const changed: IdentityClaim[] = [];
  // The profile's subject is the sign-in's, whatever became of the stored ID token.
  if (refreshed['sub'] !== original.sub || (before !== undefined && refreshed['sub'] !== before['sub'])) {
    changed.push('sub');
  }
  if (before === undefined) return changed;
  if (refreshed['iss'] !== before['iss']) changed.push('iss');
  if (!sameAudience(refreshed['aud'], before['aud'])) changed.push('aud');
  if (refreshed['azp'] !== undefined && before['azp'] !== undefined && refreshed['azp'] !== before['azp']) {
    changed.push('azp');
  }
  // "its value MUST represent the time of the original authentication - not the time that the new ID token is issued"
  if (
    refreshed['auth_time'] !== undefined &&
    before['auth_time'] !== undefined &&
    refreshed['auth_time'] !== before['auth_time']
  ) {
    changed.push('auth_time');
  }
  // Auth0 Organizations: the organization is part of who signed in, and a renewal keeps it.
  if (refreshed['org_id'] !== undefined && before['org_id'] !== undefined && refreshed['org_id'] !== before['org_id']) {
    changed.push('org_id');
  }
  // "it SHOULD NOT have a nonce Claim Value ...; however, if it is present, its value MUST be the same".
  if (refreshed['nonce'] !== undefined && refreshed['nonce'] !== before['nonce']) changed.push('nonce');
  return changed;
}

/** The stored ID token's claims; undefined when there is none or it cannot be read. */
function decodeStored(idToken: string | undefined): Readonly<Record<string, unknown>> | undefined {
  if (idToken === undefined) return undefined;
  try {
    return decodeJwt(idToken);
  } catch {
    return undefined;
  }
}

/** `aud` is a string or an array of strings (RFC 7519 §4.1.3); the same set either way. */
function sameAudience(left: unknown, right: unknown): boolean {
  const normalise = (value: unknown): string[] | undefined => {
    if (typeof value === 'string') return [value];
    if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return [...value].sort();
    return undefined;
  };
  const a = normalise(left);
  const b = normalise(right);
  return a !== undefined && b !== undefined && a.length === b.length && a.every((value, index) => value === b[index]);
}
