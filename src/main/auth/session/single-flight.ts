/**
 * Runs one task at a time, and every caller that asks while it runs shares its outcome (VS Code's
 * `Throttler`, without a queued follow-up): concurrent callers share one refresh.
 */
export interface SingleFlight<T> {
  /** The task under way, or a new one when none is. */
  run(): Promise<T>;
  /** The task under way, if any. */
  current(): Promise<T> | undefined;
}

/** Creates the single flight of `task`; `settled` runs each time a task has settled, before its callers resume. */
export function createSingleFlight<T>(task: () => Promise<T>, settled: () => void): SingleFlight<T> {
  let inFlight: Promise<T> | undefined;
  return {
    run() {
      inFlight ??= task().finally(() => {
        inFlight = undefined;
        settled();
      });
      return inFlight;
    },
    current: () => inFlight,
  };
}
