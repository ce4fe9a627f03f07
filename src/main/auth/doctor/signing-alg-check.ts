import type * as client from 'openid-client';
import type { AuthConfig } from '../config/config.js';
import {
  ID_TOKEN_ALG_SETTING,
  acceptedIdTokenAlgs,
  isSharedSecretAlg,
  shownAlg,
  type IdTokenAlg,
} from '../oidc/id-token-algs.js';
import { advertisedIdTokenAlgs } from '../oidc/oidc-discovery.js';
import { CHECK_TITLES, result, type CheckResult } from './check-result.js';
import { networkReason } from './error-causes.js';

/** What a tenant publishes about how it signs ID tokens. */
export interface TenantSigning {
  /** Discovery's id_token_signing_alg_values_supported as listed; undefined when absent. */
  readonly advertised: unknown;
  /** The JWKS's keys (public members only). */
  readonly keys: readonly Readonly<Record<string, unknown>>[];
}

const EC_CURVES: Readonly<Record<string, string>> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };
const SHOWN_KEY_TYPES = new Set(['RSA', 'EC', 'OKP', 'oct']);
const SHOWN_CURVES = new Set(['P-256', 'P-384', 'P-521', 'Ed25519', 'Ed448']);

/**
 * Says which algorithms the tenant signs ID tokens with (discovery's list and the JWKS's keys)
 * and whether the app accepts them, with AUTH0_ID_TOKEN_ALG when it is set. Which algorithm one
 * application uses is not published anywhere short of a sign-in, so a tenant that also offers
 * HS256 (every Auth0 tenant does) gets a warning naming the dashboard setting, unless
 * AUTH0_ID_TOKEN_ALG states the algorithm.
 */
export async function checkIdTokenSigning(
  config: AuthConfig,
  oidc: client.Configuration,
  network: { fetch?: typeof fetch; timeoutMs: number },
): Promise<CheckResult> {
  const jwksUri = oidc.serverMetadata().jwks_uri;
  if (jwksUri === undefined) {
    return result(
      'id-token-alg',
      'fail',
      'Discovery lists no jwks_uri, so the app has no keys to verify a signed-in ID token with.',
      'Check AUTH0_DOMAIN: every Auth0 tenant publishes /.well-known/jwks.json.',
    );
  }
  let keys: Readonly<Record<string, unknown>>[];
  try {
    // jwks_uri is on the issuer's origin: the app's discovery refuses it otherwise.
    const response = await (network.fetch ?? fetch)(jwksUri, {
      headers: { accept: 'application/json, application/jwk-set+json' },
      redirect: 'manual',
      signal: AbortSignal.timeout(network.timeoutMs),
    });
    if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
    const body = (await response.json()) as { keys?: unknown };
    if (!Array.isArray(body.keys)) throw new Error('no "keys" array');
    keys = body.keys.filter(
      (key): key is Record<string, unknown> => typeof key === 'object' && key !== null && !Array.isArray(key),
    );
  } catch (error) {
    const reason = /^HTTP \d{3}$|^no "keys" array$/.test((error as Error).message)
      ? (error as Error).message
      : networkReason(error);
    return result(
      'id-token-alg',
      'fail',
      `The tenant's signing keys (${jwksUri}) could not be read (${reason}), so no sign-in could be verified.`,
      'Check the network or proxy, and that AUTH0_DOMAIN names your tenant.',
    );
  }
  return judgeIdTokenSigning({ advertised: advertisedIdTokenAlgs(oidc), keys }, config.idTokenAlg);
}

/** What the verdict is drawn from: the tenant's lists and keys, as the app reads them. */
interface SigningFacts {
  /** The algorithms the app accepts from this tenant. */
  readonly accepted: readonly IdTokenAlg[];
  /** The accepted algorithms the JWKS has a key for. */
  readonly usable: readonly IdTokenAlg[];
  /** Discovery's list, shown safely; undefined when discovery has none. */
  readonly listed: readonly string[] | undefined;
  readonly advertisedText: string;
  readonly keysText: string;
  /** The first shared-secret algorithm discovery lists (Auth0 always lists HS256). */
  readonly sharedSecret: string | undefined;
  readonly hmacWarning: string;
}

/** The verdict on what a tenant publishes, given AUTH0_ID_TOKEN_ALG (`pinned`). */
export function judgeIdTokenSigning(tenant: TenantSigning, pinned?: IdTokenAlg): CheckResult {
  const accepted = acceptedIdTokenAlgs(tenant.advertised, pinned);
  const listed = Array.isArray(tenant.advertised) ? [...new Set(tenant.advertised.map(shownAlg))] : undefined;
  const sharedSecret = listed?.find(isSharedSecretAlg);
  const facts: SigningFacts = {
    accepted,
    usable: accepted.filter((alg) => tenant.keys.some((key) => verifies(key, alg))),
    listed,
    advertisedText: listed === undefined ? 'no list' : listed.join(', ') || 'an empty list',
    keysText: describeKeys(tenant.keys),
    sharedSecret,
    hmacWarning:
      sharedSecret === undefined
        ? ''
        : ` An application set to ${sharedSecret} cannot sign in: a desktop app has no client secret to verify ${sharedSecret} with.`,
  };
  return pinned !== undefined ? judgePinned(facts, pinned) : judgeAdvertised(facts);
}

/** Names the usable algorithms in the check's title, when there are any. */
function titled(check: CheckResult, usable: readonly IdTokenAlg[]): CheckResult {
  return usable.length === 0 ? check : { ...check, title: `${CHECK_TITLES['id-token-alg']}: ${usable.join(', ')}` };
}

/** AUTH0_ID_TOKEN_ALG is set: the JWKS must have a key for it, and discovery should list it. */
function judgePinned(facts: SigningFacts, pinned: IdTokenAlg): CheckResult {
  const { usable, listed, advertisedText, keysText, hmacWarning } = facts;
  if (usable.length === 0) {
    return result(
      'id-token-alg',
      'fail',
      `AUTH0_ID_TOKEN_ALG is ${pinned}, but the tenant's JWKS has no key that verifies ${pinned} (it has ${keysText}), so every sign-in would be refused. Discovery advertises ${advertisedText}.`,
      `Set AUTH0_ID_TOKEN_ALG to the algorithm your application signs with, or remove it. With Auth0 that is ${ID_TOKEN_ALG_SETTING} (RS256 or PS256).`,
    );
  }
  if (listed !== undefined && !listed.includes(pinned)) {
    return titled(
      result(
        'id-token-alg',
        'warn',
        `AUTH0_ID_TOKEN_ALG is ${pinned}, which discovery does not advertise (it lists ${advertisedText}); sign-in works only if your application really signs with ${pinned}. JWKS: ${keysText}.`,
        `Set ${ID_TOKEN_ALG_SETTING} to ${pinned}, or set AUTH0_ID_TOKEN_ALG to the algorithm the application is set to, or remove it.`,
      ),
      usable,
    );
  }
  return titled(
    result(
      'id-token-alg',
      'pass',
      `AUTH0_ID_TOKEN_ALG pins ${pinned}: discovery advertises ${advertisedText}, and the JWKS has a key for it (${keysText}).${hmacWarning}`,
    ),
    usable,
  );
}

/** AUTH0_ID_TOKEN_ALG is unset: the app accepts what discovery advertises, and the JWKS must have a key for it. */
function judgeAdvertised(facts: SigningFacts): CheckResult {
  const { accepted, usable, listed, advertisedText, keysText, sharedSecret, hmacWarning } = facts;
  if (usable.length === 0) {
    return result(
      'id-token-alg',
      'fail',
      `The app accepts ${accepted.join(', ')} (discovery advertises ${advertisedText}), but the tenant's JWKS has no key for any of them (it has ${keysText}), so no sign-in could be verified.`,
      `Check that AUTH0_DOMAIN names your tenant. With Auth0, set ${ID_TOKEN_ALG_SETTING} to RS256 (or PS256).`,
    );
  }
  const missing = accepted.filter((alg) => !usable.includes(alg));
  const partly = missing.length === 0 ? '' : ` The JWKS has no key for ${missing.join(', ')}.`;
  if (sharedSecret !== undefined) {
    return titled(
      result(
        'id-token-alg',
        'warn',
        `Discovery advertises ${advertisedText}; the app accepts ${usable.join(', ')} (JWKS: ${keysText}).${partly} Which one this application is set to cannot be seen without signing in.${hmacWarning}`,
        `Make sure ${ID_TOKEN_ALG_SETTING} is ${usable.join(' or ')}. To have this check confirm it, set AUTH0_ID_TOKEN_ALG to that value.`,
      ),
      usable,
    );
  }
  const source =
    listed === undefined
      ? 'discovery does not list id_token_signing_alg_values_supported, so the app accepts the default'
      : `discovery advertises ${advertisedText}`;
  return titled(
    result(
      'id-token-alg',
      'pass',
      `The tenant signs ID tokens with ${usable.join(' or ')}: ${source}, and the JWKS has ${keysText}. The app accepts ${usable.join(', ')}.${partly}`,
    ),
    usable,
  );
}

/**
 * Whether the app can verify `alg` with `key`: the right key type and curve, and a label that
 * does not name another algorithm. RSA labels do not count, as the app reads RSA keys without
 * them (id-token-algs.ts: Auth0 labels its PS256 key RS256).
 */
function verifies(key: Readonly<Record<string, unknown>>, alg: IdTokenAlg): boolean {
  if (key['use'] !== undefined && key['use'] !== 'sig') return false;
  if (/^(?:RS|PS)/.test(alg)) return key['kty'] === 'RSA';
  if (key['alg'] !== undefined && key['alg'] !== alg) return false;
  const curve = EC_CURVES[alg];
  if (curve !== undefined) return key['kty'] === 'EC' && key['crv'] === curve;
  return key['kty'] === 'OKP' && key['crv'] === 'Ed25519';
}

/** "RSA (alg RS256), EC P-256 (alg ES256)": key types, curves and labels, never key material. */
function describeKeys(keys: readonly Readonly<Record<string, unknown>>[]): string {
  if (keys.length === 0) return 'no keys';
  const counts = new Map<string, number>();
  for (const key of keys) {
    const kty = typeof key['kty'] === 'string' && SHOWN_KEY_TYPES.has(key['kty']) ? key['kty'] : 'unknown';
    const crv = typeof key['crv'] === 'string' && SHOWN_CURVES.has(key['crv']) ? ` ${key['crv']}` : '';
    const label = key['alg'] === undefined ? 'no alg' : `alg ${shownAlg(key['alg'])}`;
    const text = `${kty}${crv} (${label})`;
    counts.set(text, (counts.get(text) ?? 0) + 1);
  }
  return [...counts].map(([text, count]) => (count > 1 ? `${count} × ${text}` : text)).join(', ');
}
