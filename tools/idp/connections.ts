/**
 * An Auth0 connection: where users' identities come from. A database connection signs in with
 * email and password; a social one stands in for a provider such as Google, which here just
 * vouches for the first test user.
 */
export interface IdpConnection {
  readonly name: string;
  readonly kind: 'database' | 'social';
}

/** Auth0's default database connection and a Google-like social one. */
export const DEFAULT_CONNECTIONS: readonly IdpConnection[] = Object.freeze([
  Object.freeze({ name: 'Username-Password-Authentication', kind: 'database' }),
  Object.freeze({ name: 'google-oauth2', kind: 'social' }),
]);

/** Auth0's error_description for a `connection` parameter naming no connection of the tenant. */
export const CONNECTION_NOT_FOUND = 'the connection was not found';

/** The connection with exactly this name. */
export function findConnection(connections: readonly IdpConnection[], name: string): IdpConnection | undefined {
  return connections.find((connection) => connection.name === name);
}

/** Checks the connections option, throwing a TypeError that names the first bad entry. */
export function checkConnections(connections: readonly IdpConnection[]): IdpConnection[] {
  const names = new Set<string>();
  return connections.map(({ name, kind }, index) => {
    if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,127}$/.test(name))
      throw new TypeError(`connections[${index}].name must be letters, digits and "-"`);
    if (kind !== 'database' && kind !== 'social')
      throw new TypeError(`connections[${index}].kind must be "database" or "social"`);
    if (names.has(name)) throw new TypeError(`connections[${index}] repeats the name ${name}`);
    names.add(name);
    return Object.freeze({ name, kind });
  });
}
