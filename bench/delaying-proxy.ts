import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';

/** A TCP forwarder on 127.0.0.1 that holds every chunk for a fixed one-way latency. */
export interface DelayingProxy {
  readonly port: number;
  /** Connections accepted so far: each is one TCP handshake (and one TLS handshake over HTTPS). */
  connections(): number;
  /** Points the proxy at the provider's bound port; connections made before this wait for it. */
  forwardTo(port: number): void;
  /** Cuts every open connection, as a server does with connections idle past its timeout. */
  dropConnections(): void;
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1 and forwards each connection to 127.0.0.1:<target>, delaying both
 * directions by `oneWayMs`, so a request costs one network round trip and a new connection
 * costs its handshakes on top (TCP's round trip, modelled here, and TLS's, whose bytes travel
 * through like any others), as on the way to a real tenant. Bytes keep their order.
 */
export async function startDelayingProxy(oneWayMs: number): Promise<DelayingProxy> {
  let target: number | undefined;
  const waiting: Array<() => void> = [];
  const open = new Set<Socket>();
  let accepted = 0;
  // Half-open sockets: a FIN travels with the same delay as the data before it.
  const server = createServer({ allowHalfOpen: true }, (client) => {
    accepted += 1;
    // The kernel completes the handshake at once on loopback; on a real network the SYN and
    // SYN-ACK cost a round trip before the client's first byte can leave.
    const handshakeDone = performance.now() + 2 * oneWayMs;
    open.add(client);
    client.once('close', () => open.delete(client));
    const connect = (port: number): void => {
      const upstream = createConnection({ host: '127.0.0.1', port, allowHalfOpen: true });
      open.add(upstream);
      upstream.once('close', () => open.delete(upstream));
      pipeWithDelay(client, upstream, oneWayMs, handshakeDone);
      pipeWithDelay(upstream, client, oneWayMs);
    };
    if (target !== undefined) connect(target);
    else waiting.push(() => connect(target ?? 0));
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
  return {
    port,
    connections: () => accepted,
    forwardTo: (upstreamPort) => {
      target = upstreamPort;
      for (const connect of waiting.splice(0)) connect();
    },
    dropConnections: () => {
      for (const socket of open) socket.destroy();
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Sends what `from` receives to `to` `delayMs` after it left (when it arrived, or at `notBefore`
 * if it could not leave earlier), in order; the end and errors travel as late.
 */
function pipeWithDelay(from: Socket, to: Socket, delayMs: number, notBefore = 0): void {
  const queue: Array<{ due: number; act: () => void }> = [];
  let timer: NodeJS.Timeout | undefined;
  const drain = (): void => {
    timer = undefined;
    while (queue[0] && queue[0].due <= performance.now()) queue.shift()?.act();
    if (queue[0]) timer = setTimeout(drain, queue[0].due - performance.now());
  };
  const later = (act: () => void): void => {
    const due = Math.max(Math.max(performance.now(), notBefore) + delayMs, queue.at(-1)?.due ?? 0);
    queue.push({ due, act });
    if (due <= performance.now() && queue.length === 1) drain();
    else timer ??= setTimeout(drain, due - performance.now());
  };
  from.on('data', (chunk) => later(() => void (to.destroyed ? undefined : to.write(chunk))));
  from.once('end', () => later(() => void (to.destroyed ? undefined : to.end())));
  from.once('error', () => later(() => to.destroy()));
  from.once('close', (hadError) => {
    if (hadError) later(() => to.destroy());
  });
}
