import { AuthError } from '../auth-error.js';
import type { Logger } from '../logger.js';

/** What the background refresh works with. */
export interface RefreshSchedulerConfig {
  /** The keeper's single-flight refresh. */
  readonly refresh: () => Promise<unknown>;
  /** How long until the access token is due for renewal, or undefined when nothing should renew it. */
  readonly dueInMs: () => number | undefined;
  /** Whether a session is still kept, so a failed refresh is worth retrying. */
  readonly active: () => boolean;
  /** Delays between attempts when the provider is unreachable; the session is kept meanwhile. */
  readonly retryDelaysMs: readonly number[];
  readonly logger: Logger;
}

/** Renews the session in the background: when its access token is due, and again after a failure. */
export interface RefreshScheduler {
  /** Sets the timer for when the access token is due (after every refresh settles, and after an adopt). */
  schedule(): void;
  /** Refreshes now, off the caller's path; a failure is retried as a timed refresh's would be. */
  refreshNow(): Promise<void>;
  /** Stops the timer. */
  cancel(): void;
}

/** Creates the scheduler; it owns the timer and the count of failed attempts in a row. */
export function createRefreshScheduler(config: RefreshSchedulerConfig): RefreshScheduler {
  const { logger, retryDelaysMs } = config;
  let timer: NodeJS.Timeout | undefined;
  let retryIndex = 0;

  const startTimer = (delay: number): void => {
    timer = setTimeout(() => void refreshNow(), delay);
    timer.unref();
  };

  const schedule = (): void => {
    clearTimeout(timer);
    const delay = config.dueInMs();
    if (delay === undefined) return;
    startTimer(delay);
  };

  const refreshNow = async (): Promise<void> => {
    try {
      await config.refresh();
      retryIndex = 0;
    } catch (error) {
      if (!config.active() || (error instanceof AuthError && error.code === 'session_expired')) return;
      if (error instanceof AuthError && error.code === 'unexpected') {
        // A fault no one foresaw is not an outage: a timer would repeat it forever. The next use
        // of the session (an API call) tries again.
        clearTimeout(timer);
        logger.error('background refresh failed (unexpected); not retrying until the session is used again');
        return;
      }
      // Whatever else failed (an outage, a malformed answer, a refusal), back off and say so: never a silent loop.
      const code = error instanceof AuthError ? error.code : 'unexpected';
      const delay = retryDelaysMs[Math.min(retryIndex, retryDelaysMs.length - 1)] ?? 60_000;
      retryIndex += 1;
      logger.warn(`background refresh failed (${code}); retrying in ${Math.round(delay / 1000)} s`);
      clearTimeout(timer);
      startTimer(delay);
    }
  };

  return { schedule, refreshNow, cancel: () => clearTimeout(timer) };
}
