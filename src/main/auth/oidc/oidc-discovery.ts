import * as client from 'openid-client';
import { AuthError } from '../auth-error.js';
import type { AuthConfig } from '../config/config.js';
import { acceptedIdTokenAlgs, withRsaKeysForEveryRsaAlg } from './id-token-algs.js';
import { mapProviderError } from './provider-errors.js';

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

/** What discovery listed in id_token_signing_alg_values_supported, for each configuration `discover` built. */
const advertisedAlgs = new WeakMap<client.Configuration, unknown>();

/** Loads and caches the provider's discovery document per issuer and client. */
export interface DiscoveryCache {
  get(): Promise<client.Configuration>;
  /** Drops the cached document, e.g. after the provider rotated keys or endpoints. */
  clear(): void;
}

/** Creates a discovery cache; a failed load is not cached, so the next login tries again. */
export function createDiscoveryCache(config: AuthConfig, network: ProviderNetwork = {}): DiscoveryCache {
  let pending: Promise<client.Configuration> | undefined;
  return {
    get() {
      pending ??= discover(config, network).catch((error: unknown) => {
        pending = undefined;
        throw error;
      });
      return pending;
    },
    clear() {
      pending = undefined;
    },
  };
}

async function discover(config: AuthConfig, network: ProviderNetwork): Promise<client.Configuration> {
  const metadata: Partial<client.ClientMetadata> = {
    // AUTH0_ID_TOKEN_ALG pins one algorithm: openid-client then accepts that one alone and says
    // "client configuration" when a token has another, which is how provider-errors.ts tells the cases apart.
    ...(config.idTokenAlg !== undefined ? { id_token_signed_response_alg: config.idTokenAlg } : {}),
    [client.clockTolerance]: CLOCK_TOLERANCE_SECONDS,
  };
  const options: client.DiscoveryRequestOptions = {
    // Plain http is allowed for the loopback demo provider only, never for a real tenant.
    ...(config.demo ? { execute: [client.allowInsecureRequests] } : {}),
    ...(network.fetch ? { [client.customFetch]: network.fetch } : {}),
    timeout: network.timeoutSeconds ?? 30,
  };
  let discovered: client.Configuration;
  try {
    // A public Native client: token endpoint auth method None, PKCE instead of a secret.
    discovered = await client.discovery(config.issuer, config.clientId, metadata, client.None(), options);
  } catch (error) {
    throw mapProviderError(error, 'discovery');
  }
  const advertised = discovered.serverMetadata();
  assertEndpointsOnIssuer(advertised, config.issuer);
  // Without a pinned algorithm oauth4webapi accepts every value of the discovery document's
  // id_token_signing_alg_values_supported, and Auth0 lists HS256 there (OIDC Core §10.1: an HS*
  // ID token is keyed with the client secret, which a public client lacks, so it proves nothing).
  // The configuration the app uses lists only the asymmetric algorithms instead. (serverMetadata()
  // adds its helpers as non-enumerable methods, so the spread copies the document only.)
  const document = { ...(advertised as client.ServerMetadata) };
  const configuration = new client.Configuration(
    {
      ...document,
      id_token_signing_alg_values_supported: [
        ...acceptedIdTokenAlgs(advertised.id_token_signing_alg_values_supported, config.idTokenAlg),
      ],
    },
    config.clientId,
    metadata,
    client.None(),
  );
  if (config.demo) client.allowInsecureRequests(configuration);
  const base: typeof fetch = (input, init) => (network.fetch ?? fetch)(input, init);
  if (advertised.jwks_uri !== undefined) {
    configuration[client.customFetch] = withRsaKeysForEveryRsaAlg(base, advertised.jwks_uri);
  } else if (network.fetch) {
    configuration[client.customFetch] = network.fetch;
  }
  configuration.timeout = network.timeoutSeconds ?? 30;
  // openid-client trusts TLS for ID tokens from the token endpoint (OIDC Core §3.1.3.7 step 6
  // allows it); the app verifies the signature against the JWKS as well, so a token signed by
  // an unknown key is refused even if the transport was fine.
  client.enableNonRepudiationChecks(configuration);
  advertisedAlgs.set(configuration, advertised.id_token_signing_alg_values_supported);
  return configuration;
}

/**
 * The provider's own id_token_signing_alg_values_supported, as discovery listed it (undefined
 * when absent): the configuration itself lists only the algorithms the app accepts.
 */
export function advertisedIdTokenAlgs(configuration: client.Configuration): unknown {
  return advertisedAlgs.get(configuration);
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
