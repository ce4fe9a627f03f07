import { createServer } from 'node:http';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** A socket bound on 127.0.0.1 that answers 503 until the provider's request handler is attached. */
export interface ProviderServer {
  readonly port: number;
  /** http(s)://127.0.0.1:<port>, without a trailing slash; the issuer port when one was given. */
  readonly origin: string;
  /** Hands every request from now on to the provider. */
  attach(handle: RequestHandler): void;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/**
 * Binds the provider's socket on 127.0.0.1 (port 0 picks a free one), serving HTTPS when given a
 * certificate. The issuer contains the port, so the socket is bound before the provider exists
 * and requests are handed over once it does.
 */
export async function bindProviderServer(
  tls: { key: string; cert: string } | undefined,
  port: number,
  connections: { keepAlive: boolean; issuerPort: number | undefined } = { keepAlive: false, issuerPort: undefined },
): Promise<ProviderServer> {
  let handle: RequestHandler | undefined = undefined;
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    // No keep-alive by default: tests open and close providers all the time, and a client reusing
    // a socket the provider is about to drop turns into a hung request. Loopback connects are cheap.
    if (!connections.keepAlive) res.setHeader('Connection', 'close');
    if (handle) {
      handle(req, res);
      return;
    }
    res.statusCode = 503;
    res.end();
  };
  const server: HttpServer | HttpsServer = tls
    ? createTlsServer({ key: tls.key, cert: tls.cert }, onRequest)
    : createServer(onRequest);
  if (connections.keepAlive) keepIdleConnectionsLikeATenant(server);
  const boundPort = await listen(server, port);
  return {
    port: boundPort,
    origin: `${tls ? 'https' : 'http'}://127.0.0.1:${connections.issuerPort ?? boundPort}`,
    attach: (provider) => {
      handle = provider;
    },
    close: () => closeServer(server),
  };
}

/** How long a tenant's edge keeps an idle connection: nginx's default; load balancers keep 60 s or more. */
export const TENANT_IDLE_TIMEOUT_MS = 75_000;

/**
 * As a tenant's edge server does: an idle connection stays open for TENANT_IDLE_TIMEOUT_MS and
 * no `Keep-Alive: timeout` hint is sent (Node's default is 5 s, announced in that header). A
 * client then keeps it for as long as its own pool allows.
 */
function keepIdleConnectionsLikeATenant(server: HttpServer | HttpsServer): void {
  server.keepAliveTimeout = 0;
  server.timeout = TENANT_IDLE_TIMEOUT_MS;
}

function listen(server: HttpServer | HttpsServer, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: HttpServer | HttpsServer): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // Browsers keep idle connections open; without this close() waits for them to time out.
    server.closeAllConnections();
  });
}
