import assert from 'node:assert/strict';
import { request, Agent } from 'node:http';
import { test } from 'node:test';
import { startDelayingProxy } from '../../bench/delaying-proxy.js';
import { startIdp } from '../../tools/idp/start-idp.js';

/** GET over `agent`, resolving with the status, the Connection header and the body. */
function get(
  agent: Agent,
  url: string,
): Promise<{ status: number; connection: string; keepAliveHint: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          connection: String(res.headers.connection ?? ''),
          keepAliveHint: [res.headers['keep-alive'] ?? []].flat().join(',') || undefined,
          body,
        }),
      );
    });
    req.once('error', reject);
    req.end();
  });
}

test('the bench network: the issuer names the proxy, requests pay the round trip, keep-alive reuses one connection', async () => {
  const proxy = await startDelayingProxy(20);
  const idp = await startIdp({ keepAlive: true, issuerPort: proxy.port });
  proxy.forwardTo(idp.port);
  const agent = new Agent({ keepAlive: true });
  try {
    assert.equal(idp.issuer, `http://127.0.0.1:${proxy.port}/`);
    const discoveryUrl = `${idp.origin}/.well-known/openid-configuration`;
    const started = performance.now();
    const first = await get(agent, discoveryUrl);
    const firstMs = performance.now() - started;
    assert.equal(first.status, 200);
    assert.equal((JSON.parse(first.body) as { issuer: string }).issuer, idp.issuer);
    assert.notEqual(first.connection, 'close');
    // As a tenant's edge: no Keep-Alive hint, so a client keeps the connection for as long as its pool allows.
    assert.equal(first.keepAliveHint, undefined);
    // The TCP handshake and the request each cost a round trip: at least 80 ms.
    assert.ok(firstMs >= 79, `the first request took ${firstMs.toFixed(1)} ms`);
    const again = performance.now();
    await get(agent, discoveryUrl);
    const secondMs = performance.now() - again;
    assert.ok(secondMs >= 39 && secondMs < firstMs, `the second request took ${secondMs.toFixed(1)} ms`);
    assert.equal(proxy.connections(), 1, 'the second request reused the connection');
  } finally {
    agent.destroy();
    await idp.close();
    await proxy.close();
  }
});

test('by default the provider closes every connection, as the tests expect', async () => {
  const idp = await startIdp();
  const agent = new Agent({ keepAlive: true });
  try {
    const response = await get(agent, `${idp.origin}/.well-known/openid-configuration`);
    assert.equal(response.connection, 'close');
    assert.equal(idp.issuer, `http://127.0.0.1:${idp.port}/`);
  } finally {
    agent.destroy();
    await idp.close();
  }
});
