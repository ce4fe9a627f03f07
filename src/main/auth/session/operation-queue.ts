/**
 * Runs operations one at a time, in the order they were asked for (VS Code's `Sequencer`).
 * Every change to the session or the keychain goes through one of these, so no two of them
 * interleave and "what if X happens during Y?" has one answer: X waits.
 */
export interface OperationQueue {
  /** Runs `operation` after everything queued before it; its result or error is the caller's. */
  run<T>(operation: () => Promise<T>): Promise<T>;
  /** Resolves once everything queued so far has finished, successfully or not. */
  idle(): Promise<void>;
}

/** Creates an empty queue. */
export function createOperationQueue(): OperationQueue {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run<T>(operation: () => Promise<T>): Promise<T> {
      const result = tail.then(operation);
      // The next operation waits for this one to settle, whatever its outcome.
      tail = result.catch(() => undefined);
      return result;
    },
    idle: () => tail.then(() => undefined),
  };
}
