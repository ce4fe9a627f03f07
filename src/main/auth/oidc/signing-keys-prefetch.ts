import * as client from 'openid-client';

/**
 * Fetches the provider's JWKS into `configuration` ahead of its first ID token, so a sign-in
 * that follows soon verifies without a request of its own. oauth4webapi uses a handed-in copy
 * only while it is under five minutes old and fetches the keys itself otherwise, so a copy
 * that is malformed or old costs nothing but that request. Never rejects: a failure leaves
 * the fetch to the first verification, as before.
 */
export async function prefetchSigningKeys(
  configuration: client.Configuration,
  fetchKeys: typeof fetch,
  timeoutSeconds: number,
): Promise<void> {
  const jwksUri = configuration.serverMetadata().jwks_uri;
  if (jwksUri === undefined || client.getJwksCache(configuration) !== undefined) return;
  try {
    const response = await fetchKeys(jwksUri, {
      headers: { accept: 'application/json, application/jwk-set+json' },
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutSeconds * 1000),
    });
    if (response.status !== 200) return;
    const jwks: unknown = await response.json();
    if (!isKeySet(jwks) || client.getJwksCache(configuration) !== undefined) return;
    client.setJwksCache(configuration, { jwks, uat: Math.floor(Date.now() / 1000) });
  } catch {
    // Offline or refused: the first verification fetches the keys itself.
  }
}

function isKeySet(value: unknown): value is client.JWKS {
  if (typeof value !== 'object' || value === null) return false;
  const keys: unknown = Reflect.get(value, 'keys');
  return Array.isArray(keys) && keys.every((key) => typeof key === 'object' && key !== null && !Array.isArray(key));
}
