import assert from 'node:assert/strict';
import { request as httpRequest, createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { createAuthService } from '../../src/main/auth/flows/auth-service.js';
import { loadConfig, DEMO_ISSUER_VARIABLE, type AuthEnv } from '../../src/main/auth/config/config.js';
import { startIdp, type RunningIdp } from '../../tools/idp/start-idp.js';
import {
  browserOpener,
  browserUnavailableReason,
  launchSystemBrowser,
  type SystemBrowser,
} from '../support/system-browser.js';
import { personSignsIn as personSignsInFor, startApp, waitForState } from '../support/app-harness.js';
import { declineConsent, signIn } from '../support/sign-in.js';

const noBrowser = browserUnavailableReason();
if (noBrowser) process.stdout.write(`# skipping tests that need a browser: ${noBrowser}\n`);

let idp: RunningIdp;
let browser: SystemBrowser;

before(async () => {
  if (noBrowser) idp = await startIdp();
  else [idp, browser] = await Promise.all([startIdp(), launchSystemBrowser()]);
});
after(async () => {
  await Promise.all([idp?.close(), browser?.close()]);
});

/** A service wired to the real provider and the real browser, with the person's actions scripted. */
function setup(act: (page: Page, url: URL) => Promise<void>, env: AuthEnv = {}) {
  return startApp({ idp, browser, act, env });
}

const alice = () => idp.users[0];

const personSignsIn = (page: Page): Promise<void> => personSignsInFor(idp)(page);

/** Sends one raw HTTP request, with full control over method, target and Host header. */
function rawRequest(port: number, target: string, options: { method?: string; host?: string } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: target,
        method: options.method ?? 'GET',
        setHost: false,
        headers: { host: options.host ?? `127.0.0.1:${port}` },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function portIsClosed(port: number): Promise<boolean> {
  return rawRequest(port, '/callback').then(
    () => false,
    (error: NodeJS.ErrnoException) => error.code === 'ECONNREFUSED',
  );
}

describe('signing in through the system browser', () => {
  test('a person signs in and the app shows who they are', { skip: noBrowser }, async () => {
    let callbackUrl: URL | undefined;
    const { service, opener, logs, states } = setup(async (page) => {
      page.on('request', (req) => {
        const url = new URL(req.url());
        if (url.pathname === '/callback') callbackUrl = url;
      });
      await personSignsIn(page);
      await page.getByText('You are signed in').waitFor();
    });

    const final = await service.login();
    await opener.settled();

    assert.equal(final.status, 'signed-in', JSON.stringify(final));
    assert.equal(final.status === 'signed-in' && final.profile.email, alice().email);
    assert.equal(final.status === 'signed-in' && final.profile.name, alice().name);
    assert.equal(final.status === 'signed-in' && final.profile.emailVerified, alice().email_verified);
    assert.deepEqual(
      [...new Set(states.map((state) => (state.status === 'signing-in' ? state.step : state.status)))],
      ['opening-browser', 'waiting-for-user', 'exchanging-code', 'saving-session', 'signed-in'],
    );

    // RFC 8252 §7.3: the IP literal, and the request carried PKCE S256, state and nonce.
    const authorize = opener.urls[0];
    const redirect = new URL(authorize.searchParams.get('redirect_uri')!);
    assert.equal(redirect.hostname, '127.0.0.1');
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    assert.ok((authorize.searchParams.get('state') ?? '').length >= 22, 'state carries at least 128 bits');
    assert.ok(authorize.searchParams.get('nonce'));
    assert.equal(authorize.searchParams.get('audience'), idp.audience);

    // The code does not stay in the tab: it was redirected to a page without it.
    const page = opener.pages[0];
    assert.equal(new URL(page.url()).pathname, '/done');
    assert.equal(new URL(page.url()).search, '');

    // One-shot: the server is gone, so replaying the callback finds the port closed.
    assert.ok(callbackUrl, 'the browser delivered the callback');
    assert.equal(await portIsClosed(Number(redirect.port)), true);

    // Nothing secret was logged.
    const code = callbackUrl.searchParams.get('code')!;
    const state = authorize.searchParams.get('state')!;
    for (const secret of [code, state, authorize.searchParams.get('nonce')!, authorize.href, callbackUrl.href]) {
      assert.equal(logs.text().includes(secret), false, 'a secret reached the log');
    }
    for (const event of states) assert.equal(JSON.stringify(event).includes(code), false);
  });

  test('declining consent ends the login with access_denied and closes the server', { skip: noBrowser }, async () => {
    const tokenRequestsBefore = idp.countRequests('/oauth/token');
    const { service, opener } = setup(async (page) => {
      await signIn(page, alice().email, 'demo');
      await declineConsent(page);
    });
    const final = await service.login();
    await opener.settled();
    assert.equal(final.status, 'error');
    assert.equal(final.status === 'error' && final.error.code, 'access_denied');
    // The app's own words only: the provider's error_description stays in main (DESIGN checklist 13).
    assert.equal(final.status === 'error' && final.error.message, 'Sign-in was declined on the sign-in page.');
    const port = Number(new URL(opener.urls[0].searchParams.get('redirect_uri')!).port);
    await opener.pages[0].getByText('Sign-in did not complete').waitFor();
    assert.equal(await portIsClosed(port), true);
    assert.equal(idp.countRequests('/oauth/token'), tokenRequestsBefore, 'no token request after a refusal');
  });

  test(
    'stray and hostile requests get a 4xx, make no token request, and the real callback still works',
    { skip: noBrowser },
    async () => {
      const tokenRequestsBefore = idp.countRequests('/oauth/token');
      let strayStatuses: Record<string, number> = {};
      const { service, opener } = setup(async (page, url) => {
        const redirect = new URL(url.searchParams.get('redirect_uri')!);
        const port = Number(redirect.port);
        const state = url.searchParams.get('state')!;
        const huge = 'x'.repeat(6000);
        strayStatuses = {
          wrongState: await rawRequest(port, '/callback?code=abc&state=wrong'),
          missingState: await rawRequest(port, '/callback?code=abc'),
          missingCode: await rawRequest(port, `/callback?state=${state}`),
          codeAndError: await rawRequest(port, `/callback?code=abc&error=access_denied&state=${state}`),
          wrongPath: await rawRequest(port, `/other?code=abc&state=${state}`),
          favicon: await rawRequest(port, '/favicon.ico'),
          post: await rawRequest(port, `/callback?code=abc&state=${state}`, { method: 'POST' }),
          rebinding: await rawRequest(port, `/callback?code=abc&state=${state}`, { host: `evil.example:${port}` }),
          hugeQuery: await rawRequest(port, `/callback?code=${huge}&state=${state}`),
        };
        assert.equal(service.getState().status, 'signing-in', 'stray requests did not end the login');
        await personSignsIn(page);
      });
      const final = await service.login();
      await opener.settled();

      for (const [name, status] of Object.entries(strayStatuses)) {
        assert.ok(status >= 400 && status < 500, `${name} got ${status}`);
      }
      assert.equal(strayStatuses['favicon'], 404);
      assert.equal(strayStatuses['wrongState'], 400);
      assert.equal(final.status, 'signed-in', JSON.stringify(final));
      assert.equal(
        idp.countRequests('/oauth/token') - tokenRequestsBefore,
        1,
        'only the real callback caused a token request',
      );
    },
  );

  for (const [name, issParameter] of [
    ['names another issuer', '&iss=https%3A%2F%2Fevil.example%2F'],
    ['carries no iss where discovery promises one', ''],
  ] as const) {
    test(`an error answer that ${name} is refused, not shown as declined (RFC 9207)`, { skip: noBrowser }, async () => {
      const tokenRequestsBefore = idp.countRequests('/oauth/token');
      const { service, opener } = setup(async (page, url) => {
        // A mixed-up or hostile provider that learned the state answers with its own refusal.
        const redirect = new URL(url.searchParams.get('redirect_uri')!);
        const state = encodeURIComponent(url.searchParams.get('state')!);
        await page.goto(`${redirect.href}?error=access_denied&state=${state}${issParameter}`);
        await page.getByText('Sign-in did not complete').waitFor();
      });
      const final = await service.login();
      await opener.settled();
      assert.equal(final.status, 'error', JSON.stringify(final));
      assert.equal(final.status === 'error' && final.error.code, 'untrusted_endpoint', JSON.stringify(final));
      assert.match(final.status === 'error' ? final.error.message : '', /RFC 9207/);
      assert.equal(idp.countRequests('/oauth/token'), tokenRequestsBefore, 'no token request');
    });
  }

  test('a second Login press joins the first: one browser tab, one server', { skip: noBrowser }, async () => {
    const { service, opener } = setup(personSignsIn);
    const first = service.login();
    const second = service.login();
    assert.equal(first, second);
    const [a, b] = await Promise.all([first, second]);
    await opener.settled();
    assert.equal(a.status, 'signed-in');
    assert.equal(b, a);
    assert.equal(opener.urls.length, 1);
  });

  test('cancel ends the login, closes the port, and a new login works afterwards', { skip: noBrowser }, async () => {
    let attempt = 0;
    const { service, opener } = setup(async (page) => {
      attempt += 1;
      if (attempt > 1) await personSignsIn(page);
    });
    const pending = service.login();
    await waitForState(service, (state) => state.status === 'signing-in' && state.step === 'waiting-for-user');
    const port = Number(new URL(opener.urls[0].searchParams.get('redirect_uri')!).port);
    service.cancelLogin();
    const final = await pending;
    assert.equal(final.status, 'signed-out');
    assert.equal(final.status === 'signed-out' && final.reason?.code, 'login_cancelled');
    assert.equal(await portIsClosed(port), true);

    const again = await service.login();
    await opener.settled();
    assert.equal(again.status, 'signed-in', JSON.stringify(again));
    assert.equal(opener.urls.length, 2);
  });

  test('a login nobody finishes times out and frees the port', { skip: noBrowser }, async () => {
    const { service, opener } = setup(() => Promise.resolve(), { LOGIN_TIMEOUT_SECONDS: '1' });
    const final = await service.login();
    assert.equal(final.status, 'error');
    assert.equal(final.status === 'error' && final.error.code, 'login_timeout');
    const port = Number(new URL(opener.urls[0].searchParams.get('redirect_uri')!).port);
    assert.equal(await portIsClosed(port), true);
  });
});

describe('configured callback ports', () => {
  async function occupy(): Promise<Server & { port: number }> {
    const server = createServer((_req, res) => res.end('someone else'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    return Object.assign(server, { port: typeof address === 'object' && address ? address.port : 0 });
  }
  async function freePort(): Promise<number> {
    const server = await occupy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return server.port;
  }

  test('a busy first port falls back to the next configured port', { skip: noBrowser }, async () => {
    const busy = await occupy();
    const spare = await freePort();
    try {
      const { service, opener } = setup(personSignsIn, {
        AUTH0_CALLBACK_URL: `http://127.0.0.1:${busy.port}/callback`,
        AUTH0_CALLBACK_PORTS: String(spare),
      });
      const final = await service.login();
      await opener.settled();
      assert.equal(final.status, 'signed-in', JSON.stringify(final));
      assert.equal(opener.urls[0].searchParams.get('redirect_uri'), `http://127.0.0.1:${spare}/callback`);
    } finally {
      busy.close();
    }
  });

  test('every configured port busy: a clear error and no browser opened', async () => {
    const [one, two] = await Promise.all([occupy(), occupy()]);
    try {
      const { service, opener } = setup(personSignsIn, {
        AUTH0_CALLBACK_URL: `http://127.0.0.1:${one.port}/callback`,
        AUTH0_CALLBACK_PORTS: String(two.port),
      });
      const final = await service.login();
      assert.equal(final.status === 'error' && final.error.code, 'port_in_use');
      assert.match(final.status === 'error' ? final.error.message : '', new RegExp(String(one.port)));
      assert.equal(opener.urls.length, 0);
    } finally {
      one.close();
      two.close();
    }
  });
});

describe('provider failures end the login cleanly', () => {
  test('provider unreachable at discovery', async () => {
    const stopped = await startIdp();
    const issuer = stopped.issuer;
    await stopped.close();
    const opener = browserOpener(browser, personSignsIn);
    const service = createAuthService({
      config: loadConfig({ [DEMO_ISSUER_VARIABLE]: issuer }),
      openBrowser: opener.openBrowser,
    });
    const final = await service.login();
    assert.equal(final.status === 'error' && final.error.code, 'provider_unreachable');
    assert.equal(opener.urls.length, 0);
  });

  test('an authorization endpoint on another host is refused and never opened', async () => {
    idp.faults.discovery({ authorization_endpoint: 'https://evil.example/authorize' });
    try {
      const { service, opener } = setup(personSignsIn);
      const final = await service.login();
      assert.equal(final.status === 'error' && final.error.code, 'untrusted_endpoint');
      assert.equal(opener.urls.length, 0);
    } finally {
      idp.faults.discovery(null);
    }
  });

  for (const [status, expected] of [
    [500, 'provider_unreachable'],
    [400, 'token_exchange_failed'],
  ] as const) {
    test(`token endpoint answering ${status}`, { skip: noBrowser }, async () => {
      idp.faults.set('/oauth/token', { status, body: { error: status === 400 ? 'invalid_grant' : 'server_error' } });
      try {
        const { service, opener } = setup(personSignsIn);
        const final = await service.login();
        await opener.settled();
        assert.equal(final.status === 'error' && final.error.code, expected, JSON.stringify(final));
      } finally {
        idp.faults.clear();
      }
    });
  }

  for (const mode of [
    'wrong-iss',
    'wrong-aud',
    'wrong-nonce',
    'expired',
    'unknown-key',
    'alg-none',
    'hs256',
  ] as const) {
    test(`an ID token with ${mode} is rejected`, { skip: noBrowser }, async () => {
      idp.faults.idToken(mode);
      try {
        const { service, opener, logs } = setup(async (page) => {
          await personSignsIn(page);
          await page.getByText('Sign-in did not complete').waitFor();
        });
        const final = await service.login();
        await opener.settled();
        assert.equal(final.status, 'error', JSON.stringify(final));
        assert.equal(final.status === 'error' && final.error.code, 'id_token_invalid', JSON.stringify(final));
        assert.doesNotMatch(logs.text(), /eyJ/, 'no JWT in the log');
      } finally {
        idp.faults.idToken(null);
      }
    });
  }
});
