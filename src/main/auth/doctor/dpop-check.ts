import type * as client from 'openid-client';
import type { AuthConfig } from '../config/config.js';
import { advertisedDpopAlgs, DPOP_ALG, usesDpop } from '../oidc/dpop-proofs.js';
import { CHECK_TITLES, result, type CheckResult } from './check-result.js';

/** Where Auth0 turns DPoP on for the app and for the API its tokens are for. */
export const AUTH0_DPOP_SETTINGS =
  'Auth0 dashboard > Applications > Applications > (your app) > Settings > Token Sender-Constraining > Require Sender Constraining (DPoP), ' +
  'and for the API: Auth0 dashboard > Applications > APIs > (your API) > Settings > Token Sender-Constraining.';

/** What AUTH0_DPOP says, in the words of the check. */
const SETTING_TEXT = {
  auto: 'AUTH0_DPOP is unset (auto)',
  always: 'AUTH0_DPOP is true',
  never: 'AUTH0_DPOP is false',
} as const;

/**
 * Says whether the tenant advertises DPoP (dpop_signing_alg_values_supported, RFC 9449 §5.1) and
 * with which algorithms, and whether the app will bind its tokens to a key given AUTH0_DPOP. The
 * app asking for DPoP from a tenant that does not offer it is a warning: the tenant then issues
 * Bearer tokens, which the app uses as such.
 */
export function checkDpop(config: AuthConfig, metadata: client.ServerMetadata): CheckResult {
  const listed = advertisedDpopAlgs(metadata);
  const offered = listed?.includes(DPOP_ALG) === true;
  const setting = SETTING_TEXT[config.dpop];
  const advertised =
    listed === undefined
      ? 'The tenant does not advertise DPoP (no dpop_signing_alg_values_supported in discovery)'
      : `The tenant advertises DPoP with ${[...new Set(listed.map(shownDpopAlg))].join(', ') || 'no algorithms'}`;
  const withoutEs256 = listed !== undefined && !offered ? `, not ${DPOP_ALG}, the one the app signs proofs with` : '';
  if (config.dpop === 'never') {
    return result('dpop', 'pass', `${advertised}${withoutEs256}. ${setting}, so the app uses Bearer tokens.`);
  }
  if (usesDpop(config.dpop, metadata) && offered) {
    return titled(
      result(
        'dpop',
        'pass',
        `${advertised}. ${setting}, so the app binds its tokens to a key of its own, kept in the OS keychain, and signs a proof for every token request and API call.`,
      ),
    );
  }
  if (config.dpop === 'auto') {
    return result(
      'dpop',
      'pass',
      `${advertised}${withoutEs256}. ${setting}, so the app uses Bearer tokens. To bind them to a key instead, turn DPoP on: ${AUTH0_DPOP_SETTINGS}`,
    );
  }
  return result(
    'dpop',
    'warn',
    `${advertised}${withoutEs256}. ${setting}, so the app asks for DPoP anyway; a tenant without it issues Bearer tokens, which the app then uses as Bearer tokens.`,
    `Turn DPoP on for this application: ${AUTH0_DPOP_SETTINGS} Or leave AUTH0_DPOP unset to use DPoP only where the tenant offers it.`,
  );
}

/** An algorithm name as the check may show it: JWA names are short and plain; anything else is not echoed. */
function shownDpopAlg(alg: string): string {
  return /^[A-Za-z0-9_-]{1,20}$/.test(alg) ? alg : 'an unrecognised algorithm';
}

/** Names the algorithm in the check's title when the app uses DPoP. */
function titled(check: CheckResult): CheckResult {
  return { ...check, title: `${CHECK_TITLES['dpop']}: ${DPOP_ALG}` };
}
