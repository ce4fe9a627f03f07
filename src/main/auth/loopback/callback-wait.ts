import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { AuthError } from '../auth-error.js';
import type { Logger } from '../logger.js';
import { rejectRequest, respondPage } from './browser-responses.js';
import { LOOPBACK_SECURITY_HEADERS, type BrowserPageOutcome } from './callback-pages.js';
import { DONE_PATH, judgeCallbackRequest, type CallbackDecision } from './callback-request.js';

/** The callback that ended the wait: the provider either authorized or refused. */
export type CallbackResult = Extract<CallbackDecision, { kind: 'authorized' | 'denied' }>;

/** What one wait needs: the bound server and the login it belongs to. */
export interface CallbackWaitOptions {
  readonly server: Server;
  /** The bound `host:port`: the only `Host` header accepted (DNS-rebinding defence). */
  readonly hostHeader: string;
  readonly callbackPath: string;
  readonly expectedState: string;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
  readonly appName: string;
  readonly logger: Logger;
  readonly finishGraceMs: number;
}

const STOPPED_WAITING: BrowserPageOutcome = {
  kind: 'failed',
  message: 'The app stopped waiting for this sign-in. Return to the app to try again.',
};

/** The error a cancelled sign-in ends with. */
export function loginCancelled(): AuthError {
  return new AuthError('login_cancelled', 'Sign-in was cancelled. Press Login to start again.');
}

/**
 * One login's wait on a bound loopback server: accepts the first callback with the right
 * state (single use), shows the browser tab how the login ended, then closes the server for
 * good. The timeout and the abort signal end the wait too.
 */
export class CallbackWait {
  /** Resolves with the first callback carrying the right state; rejects with an AuthError on timeout or cancel. */
  readonly callback: Promise<CallbackResult>;
  /** Resolves once the socket is closed for good. */
  readonly closed: Promise<void>;
  readonly #options: CallbackWaitOptions;
  readonly #parked: ServerResponse[] = [];
  readonly #timeout: NodeJS.Timeout;
  readonly #onAbort = (): void => this.fail(loginCancelled());
  #settle!: { resolve: (result: CallbackResult) => void; reject: (error: AuthError) => void };
  #resolveClosed!: () => void;
  #consumed = false;
  #closing = false;
  #outcome: BrowserPageOutcome | undefined;
  #graceTimer: NodeJS.Timeout | undefined;

  constructor(options: CallbackWaitOptions) {
    this.#options = options;
    this.callback = new Promise<CallbackResult>((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    // A caller that never awaits (e.g. cancelled before waiting) must not cause an unhandled rejection.
    this.callback.catch(() => undefined);
    this.closed = new Promise<void>((resolve) => (this.#resolveClosed = resolve));
    this.#timeout = setTimeout(() => {
      options.logger.warn('login timed out waiting for the browser');
      this.fail(
        new AuthError(
          'login_timeout',
          'The sign-in was not completed in time. Next time, finish signing in within the browser tab that opens.',
        ),
      );
    }, options.timeoutMs);
    options.signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  /** Answers one request to the loopback server; only the right callback ends the wait. */
  handleRequest(request: IncomingMessage, response: ServerResponse): void {
    const { appName, logger } = this.#options;
    const decision = judgeCallbackRequest(
      { method: request.method, target: request.url, host: request.headers.host },
      {
        callbackPath: this.#options.callbackPath,
        expectedHost: this.#options.hostHeader,
        expectedState: this.#options.expectedState,
        consumed: this.#consumed,
      },
    );
    switch (decision.kind) {
      case 'reject':
        logger.warn(`callback server rejected a request (${decision.status}: ${decision.reason})`);
        rejectRequest(response, decision.status, appName);
        return;
      case 'done-page':
        this.#answerDonePage(response);
        return;
      case 'authorized':
      case 'denied':
        this.#consumed = true;
        clearTimeout(this.#timeout);
        logger.info(`callback received (${decision.kind})`);
        // 303 to a page without the code, so it does not stay in the browser history (RFC 9700 §4.2.4).
        response.writeHead(303, { ...LOOPBACK_SECURITY_HEADERS, Location: DONE_PATH, 'Content-Length': '0' });
        response.end();
        // No timer yet: the tab's /done request waits for finish(), however long the code
        // exchange or a keychain prompt takes; the grace period starts once the app has an answer.
        this.#settle.resolve(decision);
        return;
    }
  }

  /**
   * Shows the browser tab how the login ended, then closes the server: at once when the tab is
   * already waiting, else after the grace period (or earlier through fail()).
   */
  finish(result: BrowserPageOutcome): void {
    this.#outcome = result;
    if (!this.#consumed) {
      // The login ended before any callback (e.g. an untrusted endpoint): stop listening now.
      this.fail(loginCancelled());
    } else if (this.#parked.length > 0) {
      for (const response of this.#parked.splice(0)) respondPage(response, 200, result, this.#options.appName);
      this.#shutDown();
    } else if (!this.#closing) {
      clearTimeout(this.#graceTimer);
      this.#graceTimer = setTimeout(() => this.#shutDown(), this.#options.finishGraceMs);
    }
  }

  /** Ends the wait with `error` (unless a callback already ended it) and closes the server. */
  fail(error: AuthError): void {
    if (!this.#consumed) {
      this.#consumed = true;
      this.#settle.reject(error);
    }
    this.#outcome ??= { kind: 'failed', message: error.message };
    this.#shutDown();
  }

  #answerDonePage(response: ServerResponse): void {
    const { appName } = this.#options;
    if (this.#outcome && this.#consumed) {
      respondPage(response, 200, this.#outcome, appName);
      // The tab has its answer; nothing else may reach this port.
      response.on('finish', () => this.#shutDown());
    } else if (this.#consumed) {
      this.#parked.push(response);
    } else {
      rejectRequest(response, 404, appName);
    }
  }

  #shutDown(): void {
    if (this.#closing) return;
    this.#closing = true;
    clearTimeout(this.#timeout);
    clearTimeout(this.#graceTimer);
    this.#options.signal?.removeEventListener('abort', this.#onAbort);
    // Never "signed out" here: this tab belongs to a sign-in, which simply did not say how it ended.
    for (const response of this.#parked.splice(0)) {
      respondPage(response, 200, this.#outcome ?? STOPPED_WAITING, this.#options.appName);
    }
    this.#options.server.close(() => this.#resolveClosed());
    this.#options.server.closeAllConnections();
    this.#options.logger.info('callback server closed');
  }
}
