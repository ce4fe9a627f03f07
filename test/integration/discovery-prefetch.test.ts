import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as client from 'openid-client';
import { createDiscoveryCache, DISCOVERY_MAX_AGE_MS } from '../../src/main/auth/oidc/oidc-discovery.js';
import { startIdp, type RunningIdp } from '../../tools/idp/start-idp.js';
import { demoConfig } from '../support/app-harness.js';

const DISCOVERY = '/.well-known/openid-configuration';
const JWKS = '/.well-known/jwks.json';

let idp: RunningIdp;

/** A fetch that records the paths it was asked for, and fails while `offline` is set. */
function recordingFetch(): { fetch: typeof fetch; paths: string[]; offline: boolean } {
  const state = {
    paths: [] as string[],
    offline: false,
    fetch: (input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> => {
      state.paths.push(new URL(input instanceof Request ? input.url : String(input)).pathname);
      if (state.offline) return Promise.reject(new TypeError('fetch failed'));
      return fetch(input, init);
    },
  };
  return state;
}

describe('discovery prefetch (real provider)', () => {
  before(async () => {
    idp = await startIdp();
  });

  after(() => idp.close());

  test('loads discovery and the keys once, then serves them without a request', async () => {
    const network = recordingFetch();
    const cache = createDiscoveryCache(demoConfig(idp), { fetch: network.fetch });
    await cache.prefetch();
    assert.deepEqual(network.paths, [DISCOVERY, JWKS]);
    const configuration = await cache.get();
    assert.ok(client.getJwksCache(configuration), 'the keys are handed to openid-client');
    await cache.prefetch();
    assert.equal(await cache.get(), configuration);
    assert.deepEqual(network.paths, [DISCOVERY, JWKS]);
  });

  test('an old configuration keeps serving while a new one loads in the background', async () => {
    const network = recordingFetch();
    const cache = createDiscoveryCache(demoConfig(idp), { fetch: network.fetch });
    await cache.prefetch();
    const old = await cache.get();
    const realNow = Date.now;
    Date.now = () => realNow() + DISCOVERY_MAX_AGE_MS + 1_000;
    try {
      const reloading = cache.prefetch();
      assert.equal(await cache.get(), old, 'a login meanwhile uses the old configuration');
      await reloading;
    } finally {
      Date.now = realNow;
    }
    const renewed = await cache.get();
    assert.notEqual(renewed, old);
    assert.ok(client.getJwksCache(renewed));
    assert.deepEqual(network.paths, [DISCOVERY, JWKS, DISCOVERY, JWKS]);
  });

  test('offline at start-up: the prefetch gives up quietly and the next use tries again', async () => {
    const network = recordingFetch();
    const cache = createDiscoveryCache(demoConfig(idp), { fetch: network.fetch });
    network.offline = true;
    await cache.prefetch();
    assert.deepEqual(network.paths, [DISCOVERY]);
    network.offline = false;
    await cache.get();
    assert.deepEqual(network.paths, [DISCOVERY, DISCOVERY]);
  });
});
