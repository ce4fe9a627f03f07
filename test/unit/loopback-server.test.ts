import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, type IncomingHttpHeaders } from 'node:http';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { AuthError } from '../../src/main/auth/auth-error.js';
import type { CallbackSettings } from '../../src/main/auth/config/config.js';
import {
  startCallbackServer,
  type CallbackServer,
  type CallbackServerOptions,
} from '../../src/main/auth/loopback/loopback-server.js';
import { captureLogs } from '../support/log-capture.js';

const STATE = 'state-8d1f5a2c9e7b4f06a3d2c1b0e9f8a7d6';
const CODE = 'code-canary-7f3e9b1c';
const EPHEMERAL: CallbackSettings = { host: '127.0.0.1', path: '/callback', ports: [0] };

interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** One HTTP/1.1 request on a fresh connection; `host: null` sends no Host header at all. */
function send(port: number, path: string, options: { method?: string; host?: string | null } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (options.host !== null) headers['host'] = options.host ?? `127.0.0.1:${port}`;
    const req = request(
      { host: '127.0.0.1', port, method: options.method ?? 'GET', path, headers, setHost: false, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Resolves with the socket error code (or 'connected') of a plain TCP connect. */
function tryConnect(port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

/** 'pending' when the promise has not settled within `ms`. */
async function settledWithin(promise: Promise<unknown>, ms = 60): Promise<'pending' | 'settled'> {
  let timer: NodeJS.Timeout | undefined;
  const result = await Promise.race([
    promise.then(
      () => 'settled' as const,
      () => 'settled' as const,
    ),
    new Promise<'pending'>((resolve) => (timer = setTimeout(() => resolve('pending'), ms))),
  ]);
  clearTimeout(timer);
  return result;
}

async function listenBlocker(port = 0): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1' }, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}

async function freePort(): Promise<number> {
  const { server, port } = await listenBlocker();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function start(options: Partial<CallbackServerOptions> = {}): Promise<CallbackServer> {
  return startCallbackServer({
    settings: EPHEMERAL,
    expectedState: STATE,
    timeoutMs: 5_000,
    finishGraceMs: 2_000,
    ...options,
  });
}

const callbackPath = (params: Record<string, string>): string => `/callback?${new URLSearchParams(params).toString()}`;

async function assertRejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof AuthError, `expected AuthError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

describe('startCallbackServer: binding', () => {
  test('binds 127.0.0.1 on an ephemeral port read from the socket', async () => {
    const server = await start();
    try {
      assert.ok(Number.isInteger(server.port) && server.port > 0 && server.port < 65536);
      assert.equal(server.redirectUri, `http://127.0.0.1:${server.port}/callback`);
      assert.equal(await tryConnect(server.port), 'connected');
      if (process.platform === 'linux') {
        // The whole 127/8 is loopback on Linux: a 0.0.0.0 bind would answer on 127.0.0.2 too.
        assert.equal(await tryConnect(server.port, '127.0.0.2'), 'ECONNREFUSED');
      }
    } finally {
      await server.close();
    }
  });

  test('the configured port busy -> the next configured port is used', async () => {
    const blocker = await listenBlocker();
    const next = await freePort();
    try {
      const server = await start({ settings: { host: '127.0.0.1', path: '/cb', ports: [blocker.port, next] } });
      try {
        assert.equal(server.port, next);
        assert.equal(server.redirectUri, `http://127.0.0.1:${next}/cb`);
      } finally {
        await server.close();
      }
    } finally {
      blocker.server.close();
    }
  });

  test('all configured ports busy -> port_in_use naming the ports', async () => {
    const first = await listenBlocker();
    const second = await listenBlocker();
    try {
      await assert.rejects(
        start({ settings: { host: '127.0.0.1', path: '/callback', ports: [first.port, second.port] } }),
        (error: unknown) => {
          assert.ok(error instanceof AuthError);
          assert.equal(error.code, 'port_in_use');
          assert.match(error.message, new RegExp(`\\b${first.port}\\b`));
          assert.match(error.message, new RegExp(`\\b${second.port}\\b`));
          assert.match(error.message, /AUTH0_CALLBACK_PORTS/);
          return true;
        },
      );
    } finally {
      first.server.close();
      second.server.close();
    }
  });

  test('an already aborted signal refuses to start', async () => {
    const controller = new AbortController();
    controller.abort();
    await assertRejectsWith(start({ signal: controller.signal }), 'login_cancelled');
  });

  test('an abort while the socket is being bound still cancels the login', async () => {
    const controller = new AbortController();
    const starting = start({ signal: controller.signal, timeoutMs: 400 });
    controller.abort();
    let server: CallbackServer | undefined;
    try {
      server = await starting;
    } catch (error) {
      assert.ok(error instanceof AuthError);
      assert.equal(error.code, 'login_cancelled');
      return;
    }
    try {
      await assertRejectsWith(server.callback, 'login_cancelled');
    } finally {
      await server.close();
    }
  });
});

describe('startCallbackServer: requests', () => {
  test('stray and hostile requests get a 4xx, the login keeps waiting, and the real callback still works', async () => {
    const logs = captureLogs();
    const server = await start({ logger: logs });
    const { port } = server;
    try {
      const strays: [string, { method?: string; host?: string | null }, number][] = [
        ['/favicon.ico', {}, 404],
        ['/', {}, 404],
        [callbackPath({ code: CODE, state: 'wrong' }), {}, 400],
        [callbackPath({ code: CODE }), {}, 400],
        [callbackPath({ state: STATE }), {}, 400],
        [callbackPath({ code: CODE, state: STATE }), { host: 'evil.example' }, 421],
        [callbackPath({ code: CODE, state: STATE }), { host: `localhost:${port}` }, 421],
        [callbackPath({ code: CODE, state: STATE }), { host: `127.0.0.1:${port + 1}` }, 421],
        [callbackPath({ code: CODE, state: STATE }), { method: 'POST' }, 405],
        [callbackPath({ code: CODE, state: STATE }), { method: 'OPTIONS' }, 405],
        ['/done', {}, 404],
      ];
      for (const [path, options, status] of strays) {
        const reply = await send(port, path, options);
        assert.equal(reply.status, status, `${options.method ?? 'GET'} ${path} host=${String(options.host)}`);
        assert.equal(reply.headers['cache-control'], 'no-store');
      }
      const head = await send(port, callbackPath({ code: CODE, state: STATE }), { method: 'HEAD' });
      assert.equal(head.status, 405);
      assert.equal(head.headers['allow'], 'GET');
      // No Host at all: Node itself or the judge refuses it.
      const noHost = await send(port, callbackPath({ code: CODE, state: STATE }), { host: null });
      assert.ok(noHost.status >= 400 && noHost.status < 500, `no Host got ${noHost.status}`);

      assert.equal(await settledWithin(server.callback), 'pending');

      const ok = await send(port, callbackPath({ code: CODE, state: STATE }));
      assert.equal(ok.status, 303);
      const result = await server.callback;
      assert.equal(result.kind, 'authorized');
      assert.equal(result.params.get('code'), CODE);
      assert.doesNotMatch(logs.text(), new RegExp(`${CODE}|${STATE}`), 'code and state must never be logged');
    } finally {
      await server.close();
    }
  });

  test('a valid callback: 303 to /done with security headers, replay 410, /done waits for finish(), then the port closes', async () => {
    const server = await start();
    const { port } = server;
    const redirect = await fetch(`http://127.0.0.1:${port}${callbackPath({ code: CODE, state: STATE })}`, {
      redirect: 'manual',
    });
    assert.equal(redirect.status, 303);
    assert.equal(redirect.headers.get('location'), '/done');
    assert.equal(redirect.headers.get('cache-control'), 'no-store');
    assert.equal(redirect.headers.get('referrer-policy'), 'no-referrer');
    assert.match(redirect.headers.get('content-security-policy') ?? '', /^default-src 'none'/);
    assert.equal(await redirect.text(), '');

    const result = await server.callback;
    assert.equal(result.kind, 'authorized');
    assert.equal(result.params.get('code'), CODE);

    const replay = await send(port, callbackPath({ code: CODE, state: STATE }));
    assert.equal(replay.status, 410);
    assert.doesNotMatch(replay.body, new RegExp(CODE));

    const done = send(port, '/done');
    assert.equal(await settledWithin(done, 100), 'pending', '/done must wait for finish()');
    server.finish({ kind: 'signed-in' });
    const page = await done;
    assert.equal(page.status, 200);
    assert.match(page.body, /You are signed in/);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(String(page.headers['content-security-policy']), /^default-src 'none'/);
    assert.equal(page.headers['referrer-policy'], 'no-referrer');

    await server.closed;
    assert.equal(await tryConnect(port), 'ECONNREFUSED');
  });

  test('finish() first, then GET /done shows the outcome and closes the server', async () => {
    const server = await start();
    const { port } = server;
    assert.equal((await send(port, callbackPath({ code: CODE, state: STATE }))).status, 303);
    await server.callback;
    server.finish({ kind: 'failed', message: 'The <b>token</b> exchange failed.' });
    assert.equal(await settledWithin(server.closed, 50), 'pending', 'the server waits for the tab to fetch /done');
    const page = await send(port, '/done');
    assert.equal(page.status, 200);
    assert.match(page.body, /Sign-in did not complete/);
    assert.match(page.body, /The &#60;b&#62;token&#60;\/b&#62; exchange failed\./);
    await server.closed;
    assert.equal(await tryConnect(port), 'ECONNREFUSED');
  });

  test('without a /done request the server closes after the finish grace period', async () => {
    const server = await start({ finishGraceMs: 150 });
    assert.equal((await send(server.port, callbackPath({ code: CODE, state: STATE }))).status, 303);
    await server.callback;
    server.finish({ kind: 'signed-in' });
    await server.closed;
    assert.equal(await tryConnect(server.port), 'ECONNREFUSED');
  });

  test('a provider error callback resolves as denied', async () => {
    const server = await start();
    try {
      const reply = await send(
        server.port,
        callbackPath({ state: STATE, error: 'access_denied', error_description: 'User did not authorize the request' }),
      );
      assert.equal(reply.status, 303);
      assert.equal(reply.headers['location'], '/done');
      const result = await server.callback;
      assert.equal(result.kind, 'denied');
      if (result.kind !== 'denied') return;
      assert.equal(result.error, 'access_denied');
      assert.equal(result.description, 'User did not authorize the request');
    } finally {
      await server.close();
    }
  });

  test('a request target over 8 KB gets 431 or 414 and the server keeps serving', async () => {
    const server = await start();
    try {
      const huge = await send(server.port, `/callback?state=${STATE}&code=${CODE}&pad=${'x'.repeat(9000)}`);
      assert.ok(huge.status === 431 || huge.status === 414, `got ${huge.status}`);
      const long = await send(server.port, `/callback?state=${STATE}&code=${CODE}&pad=${'x'.repeat(5000)}`);
      assert.equal(long.status, 414);
      assert.equal(await settledWithin(server.callback), 'pending');
      assert.equal((await send(server.port, callbackPath({ code: CODE, state: STATE }))).status, 303);
      assert.equal((await server.callback).kind, 'authorized');
    } finally {
      await server.close();
    }
  });
});

describe('startCallbackServer: ending without a callback', () => {
  test('timeout rejects with login_timeout and closes the port', async () => {
    const started = Date.now();
    const server = await start({ timeoutMs: 200 });
    await assertRejectsWith(server.callback, 'login_timeout');
    assert.ok(Date.now() - started >= 150, 'must not time out early');
    await server.closed;
    assert.equal(await tryConnect(server.port), 'ECONNREFUSED');
  });

  test('abort rejects with login_cancelled and closes the port', async () => {
    const controller = new AbortController();
    const server = await start({ signal: controller.signal });
    assert.equal(await settledWithin(server.callback, 30), 'pending');
    controller.abort();
    await assertRejectsWith(server.callback, 'login_cancelled');
    await server.closed;
    assert.equal(await tryConnect(server.port), 'ECONNREFUSED');
  });

  test('finish() before any callback closes the server at once and cancels the wait', async () => {
    const server = await start();
    server.finish({ kind: 'failed', message: 'The identity provider is not trusted.' });
    await assertRejectsWith(server.callback, 'login_cancelled');
    await server.closed;
    assert.equal(await tryConnect(server.port), 'ECONNREFUSED');
  });

  test('close() cancels the wait and releases the port', async () => {
    const server = await start();
    await server.close();
    await assertRejectsWith(server.callback, 'login_cancelled');
    assert.equal(await tryConnect(server.port), 'ECONNREFUSED');
  });
});
