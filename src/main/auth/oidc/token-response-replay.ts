import { AsyncLocalStorage } from 'node:async_hooks';
import * as client from 'openid-client';

/** One grant's token endpoint answer, kept so that it can be verified again after a key rotation. */
interface TokenExchange {
  captured?: Response;
  /** When set, the token endpoint is not called again: this earlier answer is processed instead. */
  readonly replay?: Response;
}

/** The grant a token request belongs to; requests outside `grantSurvivingKeyRotation` pass through untouched. */
const exchanges = new AsyncLocalStorage<TokenExchange>();

/** What `grantSurvivingKeyRotation` needs from the discovery cache. */
export interface FreshKeysSource {
  /** The same configuration with no signing keys yet, so its next verification fetches the JWKS once. */
  withFreshKeys(stale: client.Configuration): client.Configuration;
}

/**
 * Wraps the configuration's fetch: inside `grantSurvivingKeyRotation`, the token endpoint's
 * answer is kept (a clone, whose body is read only if it is replayed), or an earlier answer is
 * handed back instead of a new request.
 */
export function withTokenResponseReplay(base: typeof fetch, tokenEndpoint: string | undefined): typeof fetch {
  if (tokenEndpoint === undefined) return base;
  const target = new URL(tokenEndpoint).href;
  return async (input, init) => {
    const exchange = exchanges.getStore();
    if (exchange === undefined || requestUrl(input) !== target) return base(input, init);
    if (exchange.replay !== undefined) return exchange.replay;
    const response = await base(input, init);
    exchange.captured = response.clone();
    return response;
  };
}

/**
 * Runs a token grant (code exchange or refresh) so that an ID token signed by a key published
 * moments ago still verifies.
 *
 * oauth4webapi refetches the JWKS for an unknown `kid` only once its copy is 60 s old (a guard
 * against kid probing), and it keeps that copy per configuration, out of reach of
 * openid-client's setJwksCache. A key rotated within that minute would fail verification after
 * the provider has already redeemed the code or rotated the refresh token, and losing that
 * answer ends the session. So the grant's token response is kept, and on "no applicable keys"
 * the same answer is processed again, through openid-client's own code path, with a
 * configuration of the same document that has no keys yet: it fetches the JWKS exactly once.
 * The common path costs one response clone and no request.
 */
export async function grantSurvivingKeyRotation<T>(
  keys: FreshKeysSource,
  configuration: client.Configuration,
  grant: (configuration: client.Configuration) => Promise<T>,
): Promise<T> {
  const exchange: TokenExchange = {};
  try {
    return await exchanges.run(exchange, () => grant(configuration));
  } catch (error) {
    const answer = exchange.captured;
    if (answer === undefined || !namesUnknownKey(error)) throw error;
    // A key still missing from the fresh JWKS fails the same way, and is refused as before.
    return exchanges.run({ replay: answer }, () => grant(keys.withFreshKeys(configuration)));
  }
}

/** oauth4webapi's "no applicable keys found": the token's `kid` (or key type) is not in the JWKS copy. */
function namesUnknownKey(error: unknown): boolean {
  if (!(error instanceof client.ClientError) || error.code !== 'OAUTH_KEY_SELECTION_FAILED') return false;
  const detail: unknown = error.cause instanceof Error ? error.cause.cause : undefined;
  const candidates: unknown =
    typeof detail === 'object' && detail !== null ? Reflect.get(detail, 'candidates') : undefined;
  return Array.isArray(candidates) && candidates.length === 0;
}

function requestUrl(input: Parameters<typeof fetch>[0]): string | undefined {
  const raw = input instanceof Request ? input.url : String(input);
  return URL.canParse(raw) ? new URL(raw).href : undefined;
}
