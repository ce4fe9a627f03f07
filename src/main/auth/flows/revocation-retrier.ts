import type { Logger } from '../logger.js';
import type { DiscoveryCache } from '../oidc/oidc-discovery.js';
import { retryPendingRevocations, type PendingRevocations } from '../session/pending-revocations.js';

/** The delay once the configured ones have run out. */
const FALLBACK_DELAY_MS = 1_800_000;

/** Collaborators of the revocation retrier. */
export interface RevocationRetrierDeps {
  /** Refresh tokens logout could not revoke. */
  readonly pending: PendingRevocations;
  readonly discovery: DiscoveryCache;
  readonly logger: Logger;
  /** Delays between timed retries; the last repeats. */
  readonly delaysMs: readonly number[];
  /** Every pending revocation has gone through. */
  readonly onSettled: () => void;
}

/**
 * Retries revocations logout could not do (a refresh token left unrevoked stays valid at the
 * provider, RFC 7009): at start, whenever the provider has just answered (a sign-in, a renewal),
 * and on a backing-off timer until none is left.
 */
export interface RevocationRetrier {
  /** Retries now; a call while a retry runs joins it. */
  retry(): Promise<void>;
  /** Retries after the next back-off delay. */
  schedule(): void;
  /**
   * Keeps `token` pending (in the keychain, like logout's) and revokes it now: a session that a
   * sign-in replaced. A retry already running may have listed the tokens before this one, so the
   * new try starts once it is done. Never rejects.
   */
  revokeLater(token: string): Promise<void>;
  /** Stops for good (the app quits): no timer, no further retries. */
  stop(): void;
}

/** Creates the retrier; it owns the back-off timer and the attempt count. */
export function createRevocationRetrier(deps: RevocationRetrierDeps): RevocationRetrier {
  let timer: NodeJS.Timeout | undefined;
  let attempt = 0;
  let running: Promise<void> | undefined;
  let stopped = false;

  const schedule = (): void => {
    clearTimeout(timer);
    if (stopped) return;
    const delay = deps.delaysMs[Math.min(attempt, deps.delaysMs.length - 1)] ?? FALLBACK_DELAY_MS;
    attempt += 1;
    timer = setTimeout(() => void retry(), delay);
    timer.unref();
  };
  const retry = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    running ??= (async () => {
      clearTimeout(timer);
      if ((await retryPendingRevocations(deps.pending, deps.discovery, deps.logger)) > 0) {
        schedule();
        return;
      }
      attempt = 0;
      deps.onSettled();
    })().finally(() => {
      running = undefined;
    });
    return running;
  };

  return {
    retry,
    schedule,
    async revokeLater(token) {
      try {
        await deps.pending.add(token);
        await running;
        await retry();
      } catch {
        deps.logger.warn('the replaced session could not be queued for revocation');
      }
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
