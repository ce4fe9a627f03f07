import * as client from 'openid-client';
import { AuthError } from '../auth-error.js';
import type { AuthConfig } from '../config/config.js';
import { acceptedIdTokenAlgs, withRsaKeysForEveryRsaAlg } from './id-token-algs.js';
import { mapProviderError } from './provider-errors.js';
import { prefetchSigningKeys } from './signing-keys-prefetch.js';
import { withTokenResponseReplay, type FreshKeysSource } from './token-response-replay.js';

/** Network knobs for talking to the provider; `fetch` is injectable so tests can count or break requests. */
export interface ProviderNetwork {
  readonly fetch?: typeof fetch;
  /** Per-request timeout in seconds (openid-client's default is 30). */
  readonly timeoutSeconds?: number;
}

/** The endpoints that must live on the issuer's own origin before the app talks to them. */
const ENDPOINTS_ON_ISSUER = [
  'authorization_endpoint',
  'token_endpoint',
  'jwks_uri',
  'userinfo_endpoint',
  'revocation_endpoint',
  'end_session_endpoint',
] as const;

/** Small tolerance for exp/iat, as OIDC Core §3.1.3.7 allows; clocks on desktops drift. */
const CLOCK_TOLERANCE_SECONDS = 60;

/** How long a discovered configuration serves before `prefetch` loads it again in the background. */
export const DISCOVERY_MAX_AGE_MS = 6 * 60 * 60 * 1000;

/** The discovery document each configuration was built from, and the fetch it talks through. */
const builtFrom = new WeakMap<client.Configuration, { document: client.ServerMetadata; fetch: typeof fetch }>();

/** Loads and caches the provider's discovery document per issuer and client. */
export interface DiscoveryCache extends FreshKeysSource {
  get(): Promise<client.Configuration>;
  /**
   * Off every visible path (start-up, a renewed session): loads discovery and the JWKS when
   * missing, or both again once the configuration is DISCOVERY_MAX_AGE_MS old (the old one
   * serves until the new one is ready). Never rejects.
   */
  prefetch(): Promise<void>;
  /** Drops the cached document, e.g. after the provider rotated keys or endpoints. */
  clear(): void;
}

/** Creates a discovery cache; a failed load is not cached, so the next login tries again. */
export function createDiscoveryCache(config: AuthConfig, network: ProviderNetwork = {}): DiscoveryCache {
  let pending: Promise<client.Configuration> | undefined;
  let current: { configuration: client.Configuration; loadedAt: number } | undefined;
  let reloading: Promise<void> | undefined;
  const use = (configuration: client.Configuration): client.Configuration => {
    current = { configuration, loadedAt: Date.now() };
    return configuration;
  };
  const get = (): Promise<client.Configuration> => {
    if (pending !== undefined) return pending;
    const loading = discover(config, network).then(use);
    pending = loading;
    loading.catch(() => {
      if (pending === loading) pending = undefined;
    });
    return loading;
  };
  const reload = (): Promise<void> =>
    (reloading ??= discover(config, network)
      .then(async (configuration) => {
        await prefetchKeysOf(configuration, network);
        pending = Promise.resolve(use(configuration));
      })
      .catch(() => undefined)
      .finally(() => (reloading = undefined)));
  return {
    get,
    async prefetch() {
      if (current !== undefined && Date.now() - current.loadedAt >= DISCOVERY_MAX_AGE_MS) return reload();
      const configuration = await get().catch(() => undefined);
      if (configuration !== undefined) await prefetchKeysOf(configuration, network);
    },
    withFreshKeys(stale) {
      const from = builtFrom.get(stale);
      if (from === undefined) return stale;
      const renewed = configure(config, network, from.document);
      // Later grants use the new keys too; the document itself is as old as before.
      if (current?.configuration === stale) {
        current = { configuration: renewed, loadedAt: current.loadedAt };
        pending = Promise.resolve(renewed);
      }
      return renewed;
    },
    clear() {
      pending = undefined;
      current = undefined;
    },
  };
}

function prefetchKeysOf(configuration: client.Configuration, network: ProviderNetwork): Promise<void> {
  const from = builtFrom.get(configuration);
  return from ? prefetchSigningKeys(configuration, from.fetch, network.timeoutSeconds ?? 30) : Promise.resolve();
}

/** The client's registered settings, as openid-client takes them. */
function clientMetadata(config: AuthConfig): Partial<client.ClientMetadata> {
  return {
    // AUTH0_ID_TOKEN_ALG pins one algorithm: openid-client then accepts that one alone and says
    // "client configuration" when a token has another, which is how provider-errors.ts tells the cases apart.
    ...(config.idTokenAlg !== undefined ? { id_token_signed_response_alg: config.idTokenAlg } : {}),
    [client.clockTolerance]: CLOCK_TOLERANCE_SECONDS,
  };
}

async function discover(config: AuthConfig, network: ProviderNetwork): Promise<client.Configuration> {
  const options: client.DiscoveryRequestOptions = {
    // Plain http is allowed for the loopback demo provider only, never for a real tenant.
    ...(config.demo ? { execute: [client.allowInsecureRequests] } : {}),
    ...(network.fetch ? { [client.customFetch]: network.fetch } : {}),
    timeout: network.timeoutSeconds ?? 30,
  };
  let discovered: client.Configuration;
  try {
    // A public Native client: token endpoint auth method None, PKCE instead of a secret.
    discovered = await client.discovery(config.issuer, config.clientId, clientMetadata(config), client.None(), options);
  } catch (error) {
    throw mapProviderError(error, 'discovery');
  }
  const advertised = discovered.serverMetadata();
  assertEndpointsOnIssuer(advertised, config.issuer);
  // serverMetadata() adds its helpers as non-enumerable methods, so the spread copies the document only.
  return configure(config, network, { ...(advertised as client.ServerMetadata) });
}

/** Builds the configuration the app uses from a checked discovery document, without a request. */
function configure(
  config: AuthConfig,
  network: ProviderNetwork,
  document: client.ServerMetadata,
): client.Configuration {
  // Without a pinned algorithm oauth4webapi accepts every value of the discovery document's
  // id_token_signing_alg_values_supported, and Auth0 lists HS256 there (OIDC Core §10.1: an HS*
  // ID token is keyed with the client secret, which a public client lacks, so it proves nothing).
  // The configuration the app uses lists only the asymmetric algorithms instead.
  const configuration = new client.Configuration(
    {
      ...document,
      id_token_signing_alg_values_supported: [
        ...acceptedIdTokenAlgs(document.id_token_signing_alg_values_supported, config.idTokenAlg),
      ],
    },
    config.clientId,
    clientMetadata(config),
    client.None(),
  );
  if (config.demo) client.allowInsecureRequests(configuration);
  const base: typeof fetch = (input, init) => (network.fetch ?? fetch)(input, init);
  const keysFetch = document.jwks_uri !== undefined ? withRsaKeysForEveryRsaAlg(base, document.jwks_uri) : base;
  configuration[client.customFetch] = withTokenResponseReplay(keysFetch, document.token_endpoint);
  configuration.timeout = network.timeoutSeconds ?? 30;
  // openid-client trusts TLS for ID tokens from the token endpoint (OIDC Core §3.1.3.7 step 6
  // allows it); the app verifies the signature against the JWKS as well, so a token signed by
  // an unknown key is refused even if the transport was fine.
  client.enableNonRepudiationChecks(configuration);
  builtFrom.set(configuration, { document, fetch: keysFetch });
  return configuration;
}

/**
 * The provider's own id_token_signing_alg_values_supported, as discovery listed it (undefined
 * when absent): the configuration itself lists only the algorithms the app accepts.
 */
export function advertisedIdTokenAlgs(configuration: client.Configuration): unknown {
  return builtFrom.get(configuration)?.document.id_token_signing_alg_values_supported;
}

/** Refuses discovery documents that send the browser or tokens to another origin (CVE-2025-6514). */
export function assertEndpointsOnIssuer(metadata: client.ServerMetadata, issuer: URL): void {
  for (const name of ENDPOINTS_ON_ISSUER) {
    const value = metadata[name];
    if (value === undefined) continue;
    let origin: string;
    try {
      origin = new URL(value).origin;
    } catch {
      throw new AuthError('discovery_invalid', `The identity provider's ${name} is not a valid URL.`);
    }
    if (origin !== issuer.origin) {
      throw new AuthError(
        'untrusted_endpoint',
        `The identity provider's ${name} points to ${origin}, not to ${issuer.origin}; the app refuses to use it. Check AUTH0_DOMAIN.`,
      );
    }
  }
  if (metadata.authorization_endpoint === undefined || metadata.token_endpoint === undefined) {
    throw new AuthError(
      'discovery_invalid',
      'The identity provider does not publish an authorization and token endpoint.',
    );
  }
}
