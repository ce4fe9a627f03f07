import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthError } from '../auth-error.js';
import { LOOPBACK_SECURITY_HEADERS, renderBrowserPage, type BrowserPageOutcome } from './callback-pages.js';
import { DONE_PATH, judgeCallbackRequest, type CallbackDecision } from './callback-request.js';
import type { CallbackSettings } from '../config/config.js';
import { silentLogger, type Logger } from '../logger.js';

/** The callback that ended the wait: the provider either authorized or refused. */
export type CallbackResult = Extract<CallbackDecision, { kind: 'authorized' | 'denied' }>;

/** Options for one login's callback server. */
export interface CallbackServerOptions {
  readonly settings: CallbackSettings;
  readonly expectedState: string;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  readonly appName?: string;
  readonly logger?: Logger;
  /** How long the tab may wait for the outcome page after the callback, before the server closes anyway. */
  readonly finishGraceMs?: number;
}

/** A bound, one-shot loopback server waiting for the provider's redirect. */
export interface CallbackServer {
  readonly redirectUri: string;
  readonly port: number;
  /** Resolves with the first callback carrying the right state; rejects with an AuthError on timeout or cancel. */
  readonly callback: Promise<CallbackResult>;
  /** Resolves once the socket is closed for good. */
  readonly closed: Promise<void>;
  /**
   * Shows the browser tab how the login ended, then closes the server: at once when the tab is
   * already waiting, else after the grace period (or earlier through close()).
   */
  finish(outcome: BrowserPageOutcome): void;
  /** Closes now; a pending wait rejects with `login_cancelled`. */
  close(): Promise<void>;
}

const DEFAULT_FINISH_GRACE_MS = 15_000;
const STOPPED_WAITING: BrowserPageOutcome = {
  kind: 'failed',
  message: 'The app stopped waiting for this sign-in. Return to the app to try again.',
};

/**
 * Binds the callback server first and reads the port from the bound socket, so no other
 * process can win a probe-then-bind race (RFC 8252 §7.3, §8.3).
 */
export async function startCallbackServer(options: CallbackServerOptions): Promise<CallbackServer> {
  const logger = options.logger ?? silentLogger;
  const appName = options.appName ?? 'Desktop Login';
  if (options.signal?.aborted) throw cancelled();

  const server = createServer({ maxHeaderSize: 8192, requestTimeout: 30_000, headersTimeout: 10_000 });
  const { port, authority: hostHeader } = await bindLoopback(server, options.settings.ports, logger);
  if (options.signal?.aborted) {
    // Cancelled while binding: the abort listener below would never fire for it.
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw cancelled();
  }
  const redirectUri = `http://${hostHeader}${options.settings.path}`;

  let consumed = false;
  let outcome: BrowserPageOutcome | undefined;
  const parked: ServerResponse[] = [];
  let settle: { resolve: (result: CallbackResult) => void; reject: (error: AuthError) => void } | undefined;
  const callback = new Promise<CallbackResult>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // A caller that never awaits (e.g. cancelled before waiting) must not cause an unhandled rejection.
  callback.catch(() => undefined);

  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  let closing = false;
  const shutDown = (): void => {
    if (closing) return;
    closing = true;
    clearTimeout(timeout);
    clearTimeout(graceTimer);
    options.signal?.removeEventListener('abort', onAbort);
    // Never "signed out" here: this tab belongs to a sign-in, which simply did not say how it ended.
    for (const response of parked.splice(0)) respondPage(response, 200, outcome ?? STOPPED_WAITING, appName);
    server.close(() => resolveClosed());
    server.closeAllConnections();
    logger.info('callback server closed');
  };
  const fail = (error: AuthError): void => {
    if (!consumed) {
      consumed = true;
      settle?.reject(error);
    }
    outcome ??= { kind: 'failed', message: error.message };
    shutDown();
  };

  const timeout = setTimeout(() => {
    logger.warn('login timed out waiting for the browser');
    fail(
      new AuthError(
        'login_timeout',
        'The sign-in was not completed in time. Press Login to try again; finish signing in within the browser tab that opens.',
      ),
    );
  }, options.timeoutMs);
  let graceTimer: NodeJS.Timeout | undefined;
  const onAbort = (): void => fail(cancelled());
  options.signal?.addEventListener('abort', onAbort, { once: true });

  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const decision = judgeCallbackRequest(
      { method: request.method, target: request.url, host: request.headers.host },
      { callbackPath: options.settings.path, expectedHost: hostHeader, expectedState: options.expectedState, consumed },
    );
    switch (decision.kind) {
      case 'reject':
        logger.warn(`callback server rejected a request (${decision.status}: ${decision.reason})`);
        rejectRequest(response, decision.status, appName);
        return;
      case 'done-page':
        if (outcome && consumed) {
          respondPage(response, 200, outcome, appName);
          // The tab has its answer; nothing else may reach this port.
          response.on('finish', shutDown);
        } else if (consumed) {
          parked.push(response);
        } else {
          rejectRequest(response, 404, appName);
        }
        return;
      case 'authorized':
      case 'denied':
        consumed = true;
        clearTimeout(timeout);
        logger.info(`callback received (${decision.kind})`);
        // 303 to a page without the code, so it does not stay in the browser history (RFC 9700 §4.2.4).
        response.writeHead(303, { ...LOOPBACK_SECURITY_HEADERS, Location: DONE_PATH, 'Content-Length': '0' });
        response.end();
        // No timer yet: the tab's /done request waits for finish(), however long the code
        // exchange or a keychain prompt takes; the grace period starts once the app has an answer.
        settle?.resolve(decision);
        return;
    }
  });

  return {
    redirectUri,
    port,
    callback,
    closed,
    finish(result: BrowserPageOutcome): void {
      outcome = result;
      if (!consumed) {
        // The login ended before any callback (e.g. an untrusted endpoint): stop listening now.
        fail(cancelled());
      } else if (parked.length > 0) {
        for (const response of parked.splice(0)) respondPage(response, 200, result, appName);
        shutDown();
      } else if (!closing) {
        clearTimeout(graceTimer);
        graceTimer = setTimeout(shutDown, options.finishGraceMs ?? DEFAULT_FINISH_GRACE_MS);
      }
    },
    async close(): Promise<void> {
      fail(cancelled());
      await closed;
    },
  };
}

function cancelled(): AuthError {
  return new AuthError('login_cancelled', 'Sign-in was cancelled. Press Login to start again.');
}

/** Binds `server` to the first free port of `ports` on the loopback IP literal; the port is read from the socket. */
export async function bindLoopback(
  server: Server,
  ports: readonly number[],
  logger: Logger,
): Promise<{ port: number; host: string; authority: string }> {
  const busy: number[] = [];
  for (const port of ports) {
    // RFC 8252 §7.3 asks for the IPv4 literal, and [::1] only where IPv4 loopback is missing.
    for (const host of ['127.0.0.1', '::1']) {
      try {
        await listen(server, port, host);
        const address = server.address() as AddressInfo;
        logger.info(`callback server listening on ${host} port ${address.port}`);
        // The authority is both the redirect URI's host:port and the only Host header accepted.
        const authority = host.includes(':') ? `[${host}]:${address.port}` : `${host}:${address.port}`;
        return { port: address.port, host, authority };
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT') continue;
        if (code === 'EADDRINUSE' || code === 'EACCES') {
          logger.warn(`callback port ${port} is not available (${code})`);
          busy.push(port);
          break;
        }
        throw new AuthError('callback_server_failed', 'The app could not listen for the sign-in on this computer.', {
          cause: error,
        });
      }
    }
  }
  if (busy.length === 0) {
    throw new AuthError(
      'callback_server_failed',
      'This computer has no loopback network address the sign-in can return to.',
    );
  }
  throw new AuthError(
    'port_in_use',
    `Another program is using port ${busy.join(', ')}, which the sign-in needs. Close that program, or add a free port to AUTH0_CALLBACK_PORTS and register http://127.0.0.1:<port>/callback in Auth0's Allowed Callback URLs.`,
  );
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ port, host, ipv6Only: host === '::1', exclusive: true });
  });
}

/** Writes one of the small browser pages with the loopback security headers. */
export function respondPage(
  response: ServerResponse,
  status: number,
  outcome: BrowserPageOutcome,
  appName: string,
  extraHeaders: Readonly<Record<string, string>> = {},
): void {
  if (response.headersSent) return;
  const body = renderBrowserPage(outcome, appName);
  response.writeHead(status, {
    ...LOOPBACK_SECURITY_HEADERS,
    ...extraHeaders,
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  response.end(body);
}

function rejectRequest(response: ServerResponse, status: number, appName: string): void {
  if (status === 404) {
    respondPage(response, 404, { kind: 'not-found' }, appName);
    return;
  }
  const message =
    status === 400 || status === 410
      ? 'This sign-in response does not belong to the sign-in the app is waiting for.'
      : 'This request is not accepted here.';
  respondPage(response, status, { kind: 'failed', message }, appName, status === 405 ? { Allow: 'GET' } : {});
}
