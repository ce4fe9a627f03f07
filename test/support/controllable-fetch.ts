/** What a held request looks like to the test deciding whether to hold it. */
export interface OutgoingRequest {
  readonly method: string;
  readonly url: URL;
  /** The form body of token and revocation requests; undefined for anything else. */
  readonly form: URLSearchParams | undefined;
}

/** Requests held back by one hold(), until release(). */
export interface HeldRequests {
  /** Resolves once at least one matching request is being held. */
  whenHeld(): Promise<void>;
  /** Sends the held requests, in the order they were made, and stops holding. */
  release(): void;
  /** How many requests this hold has caught so far. */
  readonly caught: number;
}

/** A refresh token the provider handed out, the grant that produced it, and the refresh token it replaced. */
export interface IssuedRefreshToken {
  readonly grantType: string;
  readonly refreshToken: string;
  /** For a refresh: the refresh token the app sent (rotated into `refreshToken`). */
  readonly replaces?: string;
}

/**
 * The app's `fetch` to the provider (ProviderNetwork.fetch), with a test's hand on it: chosen
 * requests wait before they are sent until the test releases them, so "the provider is slow
 * to answer this one request" happens exactly when a test wants it, with no timer to race.
 */
export interface ControllableFetch {
  readonly fetch: typeof fetch;
  /** Holds every later request `match` accepts. */
  hold(match: (request: OutgoingRequest) => boolean): HeldRequests;
  /** Every refresh token the token endpoint answered with, so a test can tell whose was saved. */
  readonly issuedRefreshTokens: readonly IssuedRefreshToken[];
}

/** Every refresh token rotated, directly or in turn, from `first`: one session's line of refresh tokens. */
export function rotatedFrom(issued: readonly IssuedRefreshToken[], first: string): string[] {
  const line = [first];
  for (const token of issued)
    if (token.replaces !== undefined && line.includes(token.replaces)) line.push(token.refreshToken);
  return line.slice(1);
}

/** A token request for `grantType` (`refresh_token`, `authorization_code`). */
export function isTokenRequest(grantType: string): (request: OutgoingRequest) => boolean {
  return (request) => request.url.pathname === '/oauth/token' && request.form?.get('grant_type') === grantType;
}

/** A request to the revocation endpoint. */
export function isRevocation(request: OutgoingRequest): boolean {
  return request.url.pathname === '/oauth/revoke';
}

/** The error fetch rejects with when its signal aborts (openid-client's timeout sets a TimeoutError). */
function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error
    ? signal.reason
    : new Error('The request was aborted.', { cause: signal.reason });
}

interface Hold {
  readonly match: (request: OutgoingRequest) => boolean;
  active: boolean;
  readonly held: Array<() => void>;
  readonly waiters: Array<() => void>;
  caught: number;
}

/** Creates the stand-in around the real `fetch`. */
export function controllableFetch(): ControllableFetch {
  const holds: Hold[] = [];
  const issuedRefreshTokens: IssuedRefreshToken[] = [];

  const describe = (input: Parameters<typeof fetch>[0], init: RequestInit | undefined): OutgoingRequest => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const body = init?.body;
    const form =
      body instanceof URLSearchParams ? body : typeof body === 'string' ? new URLSearchParams(body) : undefined;
    return { method: init?.method ?? (input instanceof Request ? input.method : 'GET'), url, form };
  };

  // Waits like a request that has not gone out yet: an abort (openid-client's timeout) ends it.
  const waitForRelease = (hold: Hold, signal: AbortSignal | null | undefined): Promise<void> =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortError(signal));
        return;
      }
      const onAbort = (): void => reject(signal ? abortError(signal) : new Error('aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      hold.held.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      for (const waiter of hold.waiters.splice(0)) waiter();
    });

  const stand: typeof fetch = async (input, init) => {
    const request = describe(input, init);
    const hold = holds.find((candidate) => candidate.active && candidate.match(request));
    if (hold) {
      hold.caught += 1;
      await waitForRelease(hold, init?.signal);
    }
    const response = await fetch(input, init);
    if (request.url.pathname === '/oauth/token' && response.ok) {
      const grantType = request.form?.get('grant_type') ?? '';
      const answer = (await response
        .clone()
        .json()
        .catch(() => undefined)) as { refresh_token?: unknown } | undefined;
      const replaces = request.form?.get('refresh_token') ?? undefined;
      if (typeof answer?.refresh_token === 'string') {
        issuedRefreshTokens.push({ grantType, refreshToken: answer.refresh_token, ...(replaces ? { replaces } : {}) });
      }
    }
    return response;
  };

  return {
    fetch: stand,
    issuedRefreshTokens,
    hold(match) {
      const hold: Hold = { match, active: true, held: [], waiters: [], caught: 0 };
      holds.push(hold);
      return {
        whenHeld: () =>
          hold.held.length > 0 ? Promise.resolve() : new Promise<void>((resolve) => hold.waiters.push(resolve)),
        release() {
          hold.active = false;
          for (const send of hold.held.splice(0)) send();
        },
        get caught() {
          return hold.caught;
        },
      };
    },
  };
}
