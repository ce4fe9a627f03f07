import type * as client from 'openid-client';

/**
 * A URL on the token endpoint's server that is harmless to GET (the JWKS, public and cached by
 * the provider), so a connection to that server can be opened while the person is on the sign-in
 * page and the code exchange then costs one round trip instead of a TCP (and TLS) handshake
 * plus one. Undefined when the keys live on another server: a request there opens nothing useful.
 */
export function preconnectUrl(oidc: client.Configuration): string | undefined {
  const { token_endpoint: tokenEndpoint, jwks_uri: jwksUri } = oidc.serverMetadata();
  if (tokenEndpoint === undefined || jwksUri === undefined) return undefined;
  return new URL(jwksUri).origin === new URL(tokenEndpoint).origin ? jwksUri : undefined;
}
