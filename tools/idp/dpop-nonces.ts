import ServerChallenge from 'oidc-provider/lib/helpers/challenge.js';

/** Server-provided DPoP nonces (RFC 9449 §8, §9): derived from a secret and the time, so nothing is stored. */
export interface DpopNonces {
  /** The nonce to hand out now. */
  next(): string;
  /** Whether `nonce` is one this provider handed out (at the token endpoint or the API) a few minutes ago at most. */
  isCurrent(nonce: string): boolean;
}

/**
 * The nonces oidc-provider's token endpoint hands out for `features.dPoP.nonceSecret`, made with
 * its own generator and the same secret and label. The demo API shares the provider's origin, and
 * clients keep one nonce per origin (oauth4webapi's DPoP handle does), so a nonce from either
 * must be good at the other, or every switch between them costs a use_dpop_nonce round trip.
 */
export function createDpopNonces(secret: Buffer): DpopNonces {
  // 'DPoP' is the label oidc-provider passes for features.dPoP.nonceSecret (lib/provider.js).
  const challenges = new ServerChallenge(secret, 'DPoP');
  return {
    next: () => challenges.nextChallenge(),
    isCurrent: (nonce) => challenges.checkChallenge(nonce),
  };
}
