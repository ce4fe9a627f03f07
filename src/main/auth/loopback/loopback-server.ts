import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthError } from '../auth-error.js';
import type { BrowserPageOutcome } from './callback-pages.js';
import { CallbackWait, loginCancelled, type CallbackResult } from './callback-wait.js';
import type { CallbackSettings } from '../config/config.js';
import { silentLogger, type Logger } from '../logger.js';

export type { CallbackResult } from './callback-wait.js';

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

/**
 * Binds the callback server first and reads the port from the bound socket, so no other
 * process can win a probe-then-bind race (RFC 8252 §7.3, §8.3).
 */
export async function startCallbackServer(options: CallbackServerOptions): Promise<CallbackServer> {
  const logger = options.logger ?? silentLogger;
  if (options.signal?.aborted) throw loginCancelled();

  const server = createServer({ maxHeaderSize: 8192, requestTimeout: 30_000, headersTimeout: 10_000 });
  const { port, authority: hostHeader } = await bindLoopback(server, options.settings.ports, logger);
  if (options.signal?.aborted) {
    // Cancelled while binding: the wait's abort listener would never fire for it.
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw loginCancelled();
  }
  const wait = new CallbackWait({
    server,
    hostHeader,
    callbackPath: options.settings.path,
    expectedState: options.expectedState,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    appName: options.appName ?? 'Desktop Login',
    logger,
    finishGraceMs: options.finishGraceMs ?? DEFAULT_FINISH_GRACE_MS,
  });
  server.on('request', (request, response) => wait.handleRequest(request, response));

  return {
    redirectUri: `http://${hostHeader}${options.settings.path}`,
    port,
    callback: wait.callback,
    closed: wait.closed,
    finish(result: BrowserPageOutcome): void {
      wait.finish(result);
    },
    async close(): Promise<void> {
      wait.fail(loginCancelled());
      await wait.closed;
    },
  };
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
