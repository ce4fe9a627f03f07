/**
 * Which JWS algorithms an ID token may be signed with, and what the app says when one is not
 * (OIDC Core §3.1.3.7 steps 6–8, DESIGN checklist 7).
 */

/**
 * The asymmetric algorithms openid-client (oauth4webapi) verifies against a JWKS. Never `none`
 * (no signature at all) and never HS*: an HMAC is checked with the client secret, and a public
 * Native client has none (RFC 8252 §8.5), so anyone holding the secret-less client id could
 * forge one.
 */
export const ID_TOKEN_ALGS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;

/** One algorithm the app verifies ID tokens with. */
export type IdTokenAlg = (typeof ID_TOKEN_ALGS)[number];

/**
 * What the app accepts when discovery lists none of the above: RS256, the default of
 * `id_token_signed_response_alg` (OIDC Dynamic Client Registration §2) and the one algorithm
 * OIDC Discovery §3 requires every provider to support.
 */
export const DEFAULT_ID_TOKEN_ALG: IdTokenAlg = 'RS256';

/** Where an Auth0 application chooses how its ID tokens are signed. */
export const ID_TOKEN_ALG_SETTING =
  'Auth0 dashboard > Applications > Applications > (your app) > Settings > Advanced Settings > OAuth > JsonWebToken Signature Algorithm';

const ACCEPTED = new Set<string>(ID_TOKEN_ALGS);
const RSA_ALGS = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']);

/**
 * The names of the IANA "JSON Web Signature and Encryption Algorithms" registry's signature
 * algorithms: the only `alg` values a message repeats (DESIGN checklist 13). An ID token's
 * header is the provider's text; anything else is shown as a generic phrase.
 */
const REGISTERED_JWS_ALGS = new Set([
  ...ID_TOKEN_ALGS,
  'HS256',
  'HS384',
  'HS512',
  'none',
  'ES256K',
  'Ed448',
  'ML-DSA-44',
  'ML-DSA-65',
  'ML-DSA-87',
]);

/** True for an algorithm the app verifies ID tokens with. */
export function isIdTokenAlg(value: unknown): value is IdTokenAlg {
  return typeof value === 'string' && ACCEPTED.has(value);
}

/** True for an HMAC algorithm (HS256, HS384, HS512), which only a holder of the client secret can check. */
export function isSharedSecretAlg(value: unknown): boolean {
  return typeof value === 'string' && /^HS(?:256|384|512)$/.test(value);
}

/** The registered name a setting means, ignoring case ("es256" is ES256); undefined when it names none. */
export function registeredAlgNamed(value: string): string | undefined {
  const wanted = value.toLowerCase();
  return [...REGISTERED_JWS_ALGS].find((name) => name.toLowerCase() === wanted);
}

/** An `alg` value as a message may show it: a registered algorithm name, or a generic phrase. */
export function shownAlg(value: unknown): string {
  return typeof value === 'string' && REGISTERED_JWS_ALGS.has(value) ? value : 'an unrecognised algorithm';
}

/**
 * The algorithms the app accepts for ID tokens: the pinned one (AUTH0_ID_TOKEN_ALG), or else the
 * asymmetric ones discovery advertises in `id_token_signing_alg_values_supported` (Auth0 tenants
 * list HS256, RS256, PS256: HS256 is dropped), or else RS256.
 */
export function acceptedIdTokenAlgs(advertised: unknown, pinned?: IdTokenAlg): readonly IdTokenAlg[] {
  if (pinned !== undefined) return [pinned];
  const offered = Array.isArray(advertised) ? advertised.filter(isIdTokenAlg) : [];
  return offered.length > 0 ? [...new Set(offered)] : [DEFAULT_ID_TOKEN_ALG];
}

/**
 * A fetch for openid-client under which the JWKS lists RSA keys without their `alg` label, so
 * one RSA key verifies each RS and PS algorithm the app accepts. Auth0 signs a PS256 ID token
 * with its tenant key, which its JWKS labels RS256, and oauth4webapi passes over a key whose
 * label differs from the token's `alg`. Nothing is loosened that matters: the accepted list still
 * decides the algorithm, oauth4webapi still matches key type, `kid`, `use` and key size, and RFC
 * 7517 §4.4 makes `alg` optional. Every other request and answer passes through untouched.
 */
export function withRsaKeysForEveryRsaAlg(base: typeof fetch, jwksUri: string): typeof fetch {
  const target = new URL(jwksUri).href;
  return async (input, init) => {
    const response = await base(input, init);
    if (requestUrl(input) !== target || response.status !== 200) return response;
    let body: unknown;
    try {
      body = await response.clone().json();
    } catch {
      return response;
    }
    if (!isRecord(body) || !Array.isArray(body['keys'])) return response;
    const keys = body['keys'].map((key: unknown) => {
      if (!isRecord(key) || key['kty'] !== 'RSA' || typeof key['alg'] !== 'string' || !RSA_ALGS.has(key['alg'])) {
        return key;
      }
      const { alg: _label, ...unlabelled } = key;
      return unlabelled;
    });
    const headers = new Headers();
    const type = response.headers.get('content-type');
    if (type !== null) headers.set('content-type', type);
    return new Response(JSON.stringify({ ...body, keys }), { status: 200, statusText: response.statusText, headers });
  };
}

/** What the app knows about an ID token it refused for its algorithm. */
export interface RefusedAlg {
  /** The token header's `alg`, as the provider sent it (shown only through `shownAlg`). */
  readonly alg: unknown;
  /** The algorithms the app accepted. */
  readonly accepted: readonly IdTokenAlg[];
  /** True when AUTH0_ID_TOKEN_ALG chose them, false when discovery did. */
  readonly pinned: boolean;
}

/**
 * The message for an ID token refused for its algorithm: which algorithm came, which the app
 * accepts, and the one setting to change. Only registered algorithm names appear (DESIGN
 * checklist 13).
 */
export function refusedAlgMessage(stage: 'token' | 'refresh', refused: RefusedAlg): string {
  const came = shownAlg(refused.alg);
  const accepted = refused.accepted.length > 0 ? refused.accepted.join(', ') : DEFAULT_ID_TOKEN_ALG;
  const what = stage === 'refresh' ? 'The renewed sign-in' : 'The sign-in response';
  const outcome =
    stage === 'refresh'
      ? 'so you were signed out and nothing from that answer was kept'
      : 'so the app did not trust it and saved nothing';
  if (isSharedSecretAlg(refused.alg)) {
    return (
      `${what} was signed with ${came}, a shared-secret algorithm that a desktop app cannot verify (it has no client secret), ${outcome}. ` +
      `In ${ID_TOKEN_ALG_SETTING}, choose RS256 (or PS256), save, and sign in again.`
    );
  }
  if (refused.alg === 'none') {
    return `${what} was not signed at all (alg none), ${outcome}. Sign in again; if it keeps happening, check AUTH0_DOMAIN.`;
  }
  if (!isIdTokenAlg(refused.alg)) {
    return (
      `${what} was signed with ${came}, which the app does not support (it accepts ${accepted}), ${outcome}. ` +
      `With Auth0, set ${ID_TOKEN_ALG_SETTING} to RS256 (or PS256).`
    );
  }
  if (refused.pinned) {
    return (
      `${what} was signed with ${came}, but AUTH0_ID_TOKEN_ALG allows only ${accepted}, ${outcome}. ` +
      `Set AUTH0_ID_TOKEN_ALG to ${came} or remove it, or set ${ID_TOKEN_ALG_SETTING} to ${accepted}.`
    );
  }
  return (
    `${what} was signed with ${came}, which the identity provider does not list among its signing algorithms (the app accepts ${accepted}), ${outcome}. ` +
    `If your provider does sign with ${came}, set AUTH0_ID_TOKEN_ALG=${came}; with Auth0, set ${ID_TOKEN_ALG_SETTING} to RS256 (or PS256).`
  );
}

function requestUrl(input: Parameters<typeof fetch>[0]): string | undefined {
  const raw = input instanceof Request ? input.url : String(input);
  return URL.canParse(raw) ? new URL(raw).href : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
