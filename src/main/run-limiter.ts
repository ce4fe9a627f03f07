/** Clock and timer for `limitRuns`; tests pass their own. */
export interface LimiterTime {
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

const realTime: LimiterTime = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Wraps `work` so it runs one at a time and never sooner than `minGapMs` after the previous run
 * ended (VS Code's Throttler, with a pause). A call while a run is under way or waiting for its
 * turn shares that run's result instead of starting another, so a page that calls again and
 * again costs at most one run per gap.
 */
export function limitRuns<T>(work: () => Promise<T>, minGapMs: number, time: LimiterTime = realTime): () => Promise<T> {
  let current: Promise<T> | undefined;
  let lastEnded = Number.NEGATIVE_INFINITY;
  const start = async (): Promise<T> => {
    const wait = lastEnded + minGapMs - time.now();
    if (wait > 0) await time.sleep(wait);
    return work();
  };
  return () => {
    // `finally` runs as a later reaction, so it never clears `current` before it is set.
    current ??= start().finally(() => {
      lastEnded = time.now();
      current = undefined;
    });
    return current;
  };
}
