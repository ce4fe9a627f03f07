/** Auth0 requires custom claims to be namespaced with a URL. */
export const GROUPS_CLAIM = 'https://desktop-login.example/groups';

/** Group names adding up to about `bytes` of JSON. */
export function groupNames(bytes: number): string[] {
  if (!Number.isInteger(bytes) || bytes <= 0) throw new TypeError('idTokenExtraClaimBytes must be a positive integer');
  const names: string[] = [];
  for (let size = 2; size < bytes; size += names.at(-1)!.length + 3) {
    names.push(`engineering-team-${String(names.length).padStart(5, '0')}-members`);
  }
  return names;
}
