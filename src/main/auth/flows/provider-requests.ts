/** Every request to the provider goes through one fetch, so logout and quit can stop them all at once. */
export interface ProviderRequests {
  /** `fetch` whose requests also end when `abortAll` is called. */
  readonly fetch: typeof fetch;
  /** Aborts every request now in flight (they fail as aborted); later requests go out as usual. */
  abortAll(): void;
}

/** Wraps `baseFetch` so that every request it sends can be aborted together. */
export function createProviderRequests(baseFetch: typeof fetch): ProviderRequests {
  let requests = new AbortController();
  return {
    fetch: (input, init) =>
      baseFetch(input, {
        ...init,
        signal: init?.signal ? AbortSignal.any([init.signal, requests.signal]) : requests.signal,
      }),
    abortAll() {
      requests.abort();
      requests = new AbortController();
    },
  };
}
