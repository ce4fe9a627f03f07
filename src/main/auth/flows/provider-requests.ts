/** Every request to the provider goes through one fetch, so logout and quit can stop them all at once. */
export interface ProviderRequests {
  /** `fetch` whose requests also end when `abortAll` is called. */
  readonly fetch: typeof fetch;
  /** Aborts every request now in flight (they fail as aborted); later requests go out as usual. */
  abortAll(): void;
  /**
   * GETs `url` and drops the answer, so that the connection it opened is there for the next
   * request to that server. Never rejects; aborted with the rest.
   */
  preconnect(url: string): void;
}

/** A preconnect that takes longer than this is given up: it only saves time when it is quick. */
const PRECONNECT_TIMEOUT_MS = 10_000;

/** Wraps `baseFetch` so that every request it sends can be aborted together. */
export function createProviderRequests(baseFetch: typeof fetch): ProviderRequests {
  let requests = new AbortController();
  const providerFetch: typeof fetch = (input, init) =>
    baseFetch(input, {
      ...init,
      signal: init?.signal ? AbortSignal.any([init.signal, requests.signal]) : requests.signal,
    });
  return {
    fetch: providerFetch,
    abortAll() {
      requests.abort();
      requests = new AbortController();
    },
    preconnect(url) {
      providerFetch(url, { signal: AbortSignal.timeout(PRECONNECT_TIMEOUT_MS) })
        .then((response) => response.arrayBuffer())
        .catch(() => {
          // Nothing is lost: the request that follows opens its own connection.
        });
    },
  };
}
