import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { createKeepAliveFetch, MAX_RESPONSE_BYTES } from '../../src/main/auth/oidc/keep-alive-fetch.js';

/** A local server that counts the TCP connections it accepted. */
interface CountingServer {
  readonly origin: string;
  connections(): number;
  close(): Promise<void>;
}

async function startServer(
  handler: (req: IncomingMessage, res: ServerResponse, body: string) => void,
  configure: (server: Server) => void = () => undefined,
): Promise<CountingServer> {
  let connections = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => handler(req, res, body));
  });
  server.on('connection', () => (connections += 1));
  configure(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    connections: () => connections,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('keep-alive fetch (the provider requests)', () => {
  let server: CountingServer;
  const client = createKeepAliveFetch();

  before(async () => {
    server = await startServer((req, res, body) => {
      const path = req.url ?? '/';
      if (path === '/echo') {
        res.setHeader('content-type', 'application/json');
        res.setHeader('x-seen-type', String(req.headers['content-type']));
        res.end(JSON.stringify({ method: req.method, body, auth: req.headers['authorization'] ?? null }));
      } else if (path === '/gzip') {
        res.setHeader('content-encoding', 'gzip');
        res.setHeader('content-type', 'application/json');
        res.end(gzipSync(JSON.stringify({ zipped: true })));
      } else if (path === '/no-content') {
        res.statusCode = 204;
        res.end();
      } else if (path === '/huge') {
        res.end(Buffer.alloc(MAX_RESPONSE_BYTES + 1, 97));
      } else if (path === '/hang') {
        // Never answers: the caller's signal has to end it.
      } else {
        res.statusCode = 404;
        res.end('missing');
      }
    });
  });

  after(async () => {
    client.close();
    await server.close();
  });

  test('a form POST arrives as openid-client sends it, and the answer reads like fetch()', async () => {
    const response = await client.fetch(`${server.origin}/echo`, {
      method: 'POST',
      headers: { authorization: 'DPoP abc', accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'x y' }),
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-seen-type'), 'application/x-www-form-urlencoded;charset=UTF-8');
    assert.deepEqual(await response.json(), {
      method: 'POST',
      body: 'grant_type=authorization_code&code=x+y',
      auth: 'DPoP abc',
    });
    assert.ok(response instanceof Response, 'openid-client checks for a Response');
  });

  test('error statuses, bodiless answers and compressed answers', async () => {
    const missing = await client.fetch(`${server.origin}/nowhere`);
    assert.equal(missing.status, 404);
    assert.equal(await missing.text(), 'missing');
    const empty = await client.fetch(`${server.origin}/no-content`);
    assert.equal(empty.status, 204);
    assert.equal(empty.body, null);
    const zipped = await client.fetch(`${server.origin}/gzip`);
    assert.deepEqual(await zipped.json(), { zipped: true });
    assert.equal(zipped.headers.get('content-encoding'), null);
  });

  test('an oversized answer fails as a network error instead of filling memory', async () => {
    await assert.rejects(client.fetch(`${server.origin}/huge`), (error: unknown) => {
      assert.ok(error instanceof TypeError);
      assert.match(String((error.cause as Error).message), /larger than/);
      return true;
    });
  });

  test('the caller’s signal ends a request that gets no answer, with the signal’s reason', async () => {
    const started = performance.now();
    await assert.rejects(client.fetch(`${server.origin}/hang`, { signal: AbortSignal.timeout(200) }), {
      name: 'TimeoutError',
    });
    assert.ok(performance.now() - started < 2_000);
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(client.fetch(`${server.origin}/echo`, { signal: controller.signal }), { name: 'AbortError' });
  });

  test('a refused connection fails the way Node’s fetch does (TypeError with the system error as cause)', async () => {
    const gone = await startServer(() => undefined);
    const origin = gone.origin;
    await gone.close();
    await assert.rejects(client.fetch(`${origin}/echo`), (error: unknown) => {
      assert.ok(error instanceof TypeError);
      assert.equal(error.message, 'fetch failed');
      assert.equal((error.cause as NodeJS.ErrnoException).code, 'ECONNREFUSED');
      return true;
    });
  });

  test('only http and https URLs', async () => {
    await assert.rejects(client.fetch('file:///etc/passwd'), TypeError);
  });
});

describe('keep-alive fetch: idle connections', () => {
  test('a connection idle for 4.5 s is reused when the server keeps it (Node’s fetch opens a new one)', async () => {
    // keepAliveTimeout 0: the server neither closes idle connections nor sends a Keep-Alive hint,
    // as many servers behind load balancers do not.
    const server = await startServer(
      (_req, res) => res.end('ok'),
      (raw) => (raw.keepAliveTimeout = 0),
    );
    const client = createKeepAliveFetch();
    try {
      await (await client.fetch(`${server.origin}/`)).text();
      await sleep(4_500);
      await (await client.fetch(`${server.origin}/`)).text();
      assert.equal(server.connections(), 1, 'one connection for both requests');

      // The premise of the module: the global fetch's pool drops it after 4 s without a hint.
      await (await fetch(`${server.origin}/`)).text();
      await sleep(4_500);
      await (await fetch(`${server.origin}/`)).text();
      assert.equal(server.connections(), 3, 'the global fetch opened a second connection');
    } finally {
      client.close();
      await server.close();
    }
  });
});
