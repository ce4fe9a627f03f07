import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import { createKeychainTokenStore, type StoredSession } from '../../src/main/auth/session/token-store.js';
import { MemoryStore, generateSigningKey, startIdp, type RunningIdp } from '../../tools/idp/start-idp.js';
import { startDelayingProxy } from '../../bench/delaying-proxy.js';
import { startApp, testClock } from '../support/app-harness.js';
import { memoryKeychain } from '../support/memory-secret-store.js';
import { browserUnavailableReason, launchSystemBrowser, type SystemBrowser } from '../support/system-browser.js';

const skip = browserUnavailableReason();
if (skip) process.stdout.write(`# skipping provider round-trip tests: ${skip}\n`);

const DISCOVERY = '/.well-known/openid-configuration';
const JWKS = '/.well-known/jwks.json';
const TOKEN = '/oauth/token';
/** Far past the provider's 600 s access token lifetime, so the next use must refresh. */
const LATER = 3_600_000;

let idp: RunningIdp;
let browser: SystemBrowser;

/** The app's own provider requests (paths), in order, and how many of them have been answered. */
interface AppRequests {
  readonly fetch: typeof fetch;
  readonly paths: string[];
  answered(): number;
}

function appRequests(): AppRequests {
  const paths: string[] = [];
  let answered = 0;
  return {
    paths,
    answered: () => answered,
    fetch: async (input, init) => {
      paths.push(new URL(input instanceof Request ? input.url : String(input)).pathname);
      try {
        return await fetch(input, init);
      } finally {
        answered += 1;
      }
    },
  };
}

/** An app on `provider` whose browser opener records what had happened when it was called. */
function appOn(provider: RunningIdp, clock = testClock()) {
  const requests = appRequests();
  const atBrowser: { appPaths: string[]; providerPaths: string[] }[] = [];
  let open: (url: string) => Promise<void> = () => Promise.resolve();
  const keytar = memoryKeychain();
  const appMark = { app: 0, provider: 0 };
  const app = startApp({
    idp: provider,
    browser,
    keytar,
    clock,
    deps: {
      network: { fetch: requests.fetch },
      openBrowser: (url) => {
        atBrowser.push({
          appPaths: requests.paths.slice(appMark.app),
          providerPaths: provider.requestLog.slice(appMark.provider).map((entry) => entry.path),
        });
        return open(url);
      },
    },
  });
  open = app.opener.openBrowser;
  /** Starts counting here: what `atBrowser` shows next is what happened since. */
  const mark = (): void => {
    appMark.app = requests.paths.length;
    appMark.provider = provider.requestLog.length;
  };
  return {
    ...app,
    requests,
    atBrowser,
    mark,
    clock,
    store: createKeychainTokenStore(keytar, app.config.keychainService),
  };
}

/** Waits until `check` holds or `timeoutMs` has passed; the assertions that follow say which. */
async function waitFor(check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

async function saved(app: ReturnType<typeof appOn>): Promise<StoredSession> {
  const result = await app.store.load();
  assert.equal(result.kind, 'found', `keychain: ${result.kind}`);
  return (result as { session: StoredSession }).session;
}

describe('provider round trips (real provider and browser)', () => {
  before(async () => {
    if (skip) return;
    [idp, browser] = await Promise.all([startIdp(), launchSystemBrowser()]);
  });

  after(async () => {
    if (skip) return;
    await browser.close();
    await idp.close();
  });

  test(
    'after start-up, sign-in opens the browser without a provider request and then makes only the token request',
    { skip },
    async () => {
      const app = appOn(idp);
      try {
        assert.equal((await app.service.restore()).status, 'signed-out');
        // Start-up loads discovery and the keys in the background (checked below, after the sign-in).
        await waitFor(() => app.requests.paths.includes(JWKS) && app.requests.answered() === 2);
        await new Promise((resolve) => setTimeout(resolve, 200));
        const atStartUp = [...app.requests.paths];

        app.mark();
        const tokenRequests = idp.countRequests(TOKEN);
        const state = await app.service.login();
        assert.equal(state.status, 'signed-in', JSON.stringify(state));
        await app.opener.settled();

        assert.deepEqual(
          app.atBrowser,
          [{ appPaths: [], providerPaths: [] }],
          'nothing reached the provider before the browser',
        );
        assert.deepEqual(atStartUp, [DISCOVERY, JWKS], 'start-up loaded discovery and the keys');
        // While the person signs in, one GET of the keys opens the connection the code exchange
        // then uses (token-endpoint-preconnect.ts); after the callback, only the code exchange.
        assert.deepEqual(app.requests.paths.slice(2), [JWKS, TOKEN]);
        assert.equal(idp.countRequests(TOKEN), tokenRequests + 1);
      } finally {
        await app.service.dispose();
      }
    },
  );

  test(
    'the code exchange goes over the connection opened while the person signed in, not a new one',
    { skip },
    async () => {
      // The app's own HTTP client (no injected fetch) against a provider that keeps connections
      // open, as a tenant does, behind a forwarder that counts the connections made.
      const proxy = await startDelayingProxy(0);
      const provider = await startIdp({ keepAlive: true, issuerPort: proxy.port });
      proxy.forwardTo(provider.port);
      const app = startApp({ idp: provider, browser, keytar: memoryKeychain() });
      const atExchange: number[] = [];
      app.service.subscribe((state) => {
        if (state.status === 'signing-in' && state.step === 'exchanging-code') atExchange.push(proxy.connections());
      });
      try {
        await app.service.restore();
        await waitFor(() => provider.countRequests(JWKS) === 1);
        // The start-up connection has since gone idle and been closed by the server.
        proxy.dropConnections();
        const state = await app.service.login();
        assert.equal(state.status, 'signed-in', JSON.stringify(state));
        await app.opener.settled();
        assert.equal(atExchange.length, 1);
        assert.equal(provider.countRequests(TOKEN), 1);
        assert.equal(proxy.connections(), atExchange[0], 'no connection was opened after the callback');
      } finally {
        await app.service.dispose();
        await provider.close();
        await proxy.close();
      }
    },
  );

  test('first start: sign-in fetches discovery once before the browser opens', { skip }, async () => {
    const app = appOn(idp);
    try {
      const discoveries = idp.countRequests(DISCOVERY);
      app.mark();
      const state = await app.service.login();
      assert.equal(state.status, 'signed-in', JSON.stringify(state));
      await app.opener.settled();
      assert.deepEqual(
        app.atBrowser.map((seen) => seen.appPaths),
        [[DISCOVERY]],
      );
      assert.deepEqual(
        app.atBrowser.map((seen) => seen.providerPaths),
        [[DISCOVERY]],
      );
      assert.equal(idp.countRequests(DISCOVERY), discoveries + 1);
    } finally {
      await app.service.dispose();
    }

    // Sign-in while start-up's background load is still on its way joins it.
    const joined = appOn(idp);
    try {
      const discoveries = idp.countRequests(DISCOVERY);
      await joined.service.restore();
      const state = await joined.service.login();
      assert.equal(state.status, 'signed-in', JSON.stringify(state));
      await joined.opener.settled();
      assert.equal(idp.countRequests(DISCOVERY), discoveries + 1);
      assert.equal(joined.requests.paths.filter((path) => path === DISCOVERY).length, 1);
    } finally {
      await joined.service.dispose();
    }
  });

  test(
    'keys rotated seconds after the JWKS was fetched: the next refresh, and the next sign-in, each cost one extra JWKS request',
    { skip },
    async () => {
      // One grant store across provider restarts, so only the keys change.
      const store = new MemoryStore();
      const oldKey = await generateSigningKey();
      let provider = await startIdp({ store, keys: [oldKey] });
      const app = appOn(provider);
      try {
        assert.equal((await app.service.restore()).status, 'signed-out');
        assert.equal((await app.service.login()).status, 'signed-in');
        await app.opener.settled();
        const before = await saved(app);
        const kidOf = (jwt: string | undefined): unknown => decodeProtectedHeader(jwt ?? '').kid;
        assert.equal(kidOf(before.tokens.idToken), oldKey.kid);

        // Seconds after the app fetched the JWKS, a new key starts signing.
        const newKey = await generateSigningKey();
        await provider.close();
        provider = await startIdp({ port: provider.port, store, keys: [newKey, oldKey] });
        app.clock.advance(LATER);
        const token = await app.service.getAccessToken();

        const renewed = await saved(app);
        assert.equal(renewed.tokens.accessToken, token);
        assert.equal(kidOf(renewed.tokens.idToken), newKey.kid, 'the refreshed ID token is signed with the new key');
        assert.notEqual(renewed.tokens.refreshToken, before.tokens.refreshToken, 'the rotated refresh token is saved');
        assert.equal(app.service.getState().status, 'signed-in');
        assert.equal(provider.countRequests(TOKEN), 1, 'the refresh token was redeemed once');
        assert.equal(provider.countRequests(JWKS), 1, 'one extra JWKS request');
        assert.equal(provider.countRequests(DISCOVERY), 0);

        // The new keys stay: the next refresh verifies without another JWKS request.
        app.clock.advance(LATER);
        await app.service.getAccessToken();
        assert.equal(provider.countRequests(TOKEN), 2);
        assert.equal(provider.countRequests(JWKS), 1);

        // Seconds later the keys rotate again, and the person signs in anew: the code exchange's
        // ID token verifies with one more JWKS request, and the redeemed code is not lost.
        const newestKey = await generateSigningKey();
        await provider.close();
        provider = await startIdp({ port: provider.port, store, keys: [newestKey, newKey] });
        const again = await app.service.login();
        assert.equal(again.status, 'signed-in', JSON.stringify(again));
        await app.opener.settled();
        assert.equal(kidOf((await saved(app)).tokens.idToken), newestKey.kid);
        assert.equal(provider.countRequests(TOKEN), 1, 'the code was redeemed once');
        // The preconnect's GET while the person signed in (its answer is not used), and one for the new key.
        assert.equal(provider.countRequests(JWKS), 2, 'one extra JWKS request besides the preconnect');
        assert.equal(provider.countRequests(DISCOVERY), 0);
      } finally {
        await app.service.dispose();
        await provider.close();
      }
    },
  );
});
