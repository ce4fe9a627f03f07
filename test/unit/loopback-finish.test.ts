import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CallbackSettings } from '../../src/main/auth/config/config.js';
import { startCallbackServer } from '../../src/main/auth/loopback/loopback-server.js';

const STATE = 'state-3b9e1f0a7c5d4e2b8a6f1c0d9e8b7a65';
const EPHEMERAL: CallbackSettings = { host: '127.0.0.1', path: '/callback', ports: [0] };
const GRACE_MS = 200;

/** One GET on a fresh connection; resolves with the status and the page's title. */
function get(port: number, path: string): Promise<{ status: number; location?: string; title: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          ...(res.headers.location ? { location: res.headers.location } : {}),
          title: /<h1>([^<]*)<\/h1>/.exec(body)?.[1] ?? '',
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the callback server after the callback (finish grace)', () => {
  test('fault 7: a /done tab waiting longer than the finish grace gets the signed-in page once finish() says so, never the signed-out one', async () => {
    const server = await startCallbackServer({
      settings: EPHEMERAL,
      expectedState: STATE,
      timeoutMs: 10_000,
      finishGraceMs: GRACE_MS,
    });
    try {
      const redirect = await get(server.port, `/callback?code=c0de&state=${STATE}`);
      assert.deepEqual([redirect.status, redirect.location], [303, '/done']);
      // The browser follows the redirect at once and waits for the outcome page.
      const done = get(server.port, '/done');
      // The app is slow to finish: a slow code exchange, or a keychain prompt while saving.
      await sleep(2 * GRACE_MS);
      server.finish({ kind: 'signed-in' });
      const page = await done;
      assert.equal(page.status, 200);
      assert.equal(page.title, 'You are signed in', 'the tab tells the person how the sign-in ended');
    } finally {
      await server.close();
    }
  });

  test('fault 7: a failed sign-in finished after the grace shows the failure, not "You are signed out"', async () => {
    const server = await startCallbackServer({
      settings: EPHEMERAL,
      expectedState: STATE,
      timeoutMs: 10_000,
      finishGraceMs: GRACE_MS,
    });
    try {
      await get(server.port, `/callback?code=c0de&state=${STATE}`);
      const done = get(server.port, '/done');
      await sleep(2 * GRACE_MS);
      server.finish({ kind: 'failed', message: 'The code exchange failed.' });
      assert.equal((await done).title, 'Sign-in did not complete');
    } finally {
      await server.close();
    }
  });
});
