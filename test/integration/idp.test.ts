import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { generateSigningKey, startIdp } from '../../tools/idp/start-idp.js';
import type { RunningIdp } from '../../tools/idp/start-idp.js';
import { browserUnavailableReason, launchSystemBrowser } from '../support/system-browser.js';

// Assertions here compare tokens with assert.ok on booleans only, so a failure never prints one.

const noBrowser = browserUnavailableReason();
if (noBrowser) process.stdout.write(`# skipping tests that need a browser: ${noBrowser}\n`);

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  userinfo_endpoint: string;
  revocation_endpoint: string;
  jwks_uri: string;
  end_session_endpoint?: string;
  [member: string]: unknown;
}

interface TokenResponse {
  status: number;
  body: Record<string, unknown>;
}

interface Tokens {
  idToken: string;
  accessToken: string;
  refreshToken: string;
  scope: string;
}

/** The app's loopback redirect target: records each request's URL, answers with a tiny page. */
interface CallbackServer {
  readonly port: number;
  url(path: string): string;
  next(path: string): Promise<URL>;
  close(): Promise<void>;
}

async function startCallbackServer(): Promise<CallbackServer> {
  const waiters = new Map<string, (url: URL) => void>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!DOCTYPE html><title>Done</title><p>You can close this window.</p>');
    const waiter = waiters.get(url.pathname);
    if (waiter) {
      waiters.delete(url.pathname);
      waiter(url);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    next: (path) =>
      new Promise<URL>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no request to ${path}`)), 10_000);
        waiters.set(path, (url) => {
          clearTimeout(timer);
          resolve(url);
        });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function randomValue(): string {
  return randomBytes(12).toString('base64url');
}

async function postForm(
  url: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<TokenResponse> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...headers },
    body: new URLSearchParams(fields),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

function readTokens(body: Record<string, unknown>): Tokens {
  const { id_token: idToken, access_token: accessToken, refresh_token: refreshToken, scope } = body;
  assert.ok(typeof idToken === 'string', 'token response has an id_token');
  assert.ok(typeof accessToken === 'string', 'token response has an access_token');
  assert.ok(typeof refreshToken === 'string', 'token response has a refresh_token');
  assert.equal(typeof scope, 'string');
  return { idToken, accessToken, refreshToken, scope: scope as string };
}

describe('local identity provider (tools/idp)', { timeout: 60_000 }, () => {
  let idp: RunningIdp;
  let discovery: Discovery;
  let callbacks: CallbackServer;
  let browser: Browser;
  let jwks: ReturnType<typeof createRemoteJWKSet>;

  before(async () => {
    [idp, callbacks] = await Promise.all([
      startIdp(),
      startCallbackServer(),
      noBrowser ? undefined : launchSystemBrowser().then((system) => (browser = system.browser)),
    ]);
    discovery = (await (await fetch(`${idp.issuer}.well-known/openid-configuration`)).json()) as Discovery;
    jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
  });

  after(async () => {
    await Promise.allSettled([browser?.close(), callbacks?.close(), idp?.close()]);
  });

  interface Authorization {
    readonly url: string;
    readonly redirectUri: string;
    readonly verifier: string;
    readonly state: string;
    readonly nonce: string;
  }

  function authorization(options: { audience?: string | null; scope?: string; path?: string } = {}): Authorization {
    const { verifier, challenge } = pkcePair();
    const state = randomValue();
    const nonce = randomValue();
    const redirectUri = callbacks.url(options.path ?? '/callback');
    const url = new URL(discovery.authorization_endpoint);
    url.search = new URLSearchParams({
      client_id: idp.clientId,
      response_type: 'code',
      redirect_uri: redirectUri,
      scope: options.scope ?? 'openid profile email offline_access',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state,
      nonce,
      ...(options.audience === null ? {} : { audience: options.audience ?? idp.audience }),
    }).toString();
    return { url: url.href, redirectUri, verifier, state, nonce };
  }

  async function exchangeCode(request: Authorization, code: string): Promise<TokenResponse> {
    return postForm(discovery.token_endpoint, {
      grant_type: 'authorization_code',
      client_id: idp.clientId,
      code,
      redirect_uri: request.redirectUri,
      code_verifier: request.verifier,
    });
  }

  async function refresh(refreshToken: string): Promise<TokenResponse> {
    return postForm(discovery.token_endpoint, {
      grant_type: 'refresh_token',
      client_id: idp.clientId,
      refresh_token: refreshToken,
    });
  }

  async function signIn(page: Page, email: string, password: string): Promise<void> {
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Continue' }).click();
  }

  /** Runs a complete sign-in in the given browser context and returns the code exchange result. */
  async function browserSignIn(
    context: BrowserContext,
    options: { audience?: string | null } = {},
  ): Promise<{ request: Authorization; tokens: Tokens }> {
    const page = await context.newPage();
    try {
      const request = authorization(options);
      await page.goto(request.url);
      await signIn(page, 'alice@example.com', 'demo');
      const [callback] = await Promise.all([
        callbacks.next('/callback'),
        page.getByRole('button', { name: 'Accept' }).click(),
      ]);
      const code = callback.searchParams.get('code');
      assert.ok(code, 'callback carries a code');
      const response = await exchangeCode(request, code);
      assert.equal(response.status, 200);
      return { request, tokens: readTokens(response.body) };
    } finally {
      await page.close();
    }
  }

  test('discovery states the issuer exactly, with its trailing slash, and same-origin endpoints', () => {
    assert.equal(discovery.issuer, idp.issuer);
    assert.ok(idp.issuer.endsWith('/'));
    assert.equal(idp.issuer, `http://127.0.0.1:${idp.port}/`);
    for (const member of [
      'authorization_endpoint',
      'token_endpoint',
      'userinfo_endpoint',
      'revocation_endpoint',
      'jwks_uri',
      'end_session_endpoint',
    ]) {
      const value = discovery[member];
      assert.equal(typeof value, 'string', `${member} is present`);
      assert.equal(new URL(value as string).origin, idp.origin, `${member} is on the issuer's origin`);
    }
    assert.equal(discovery.authorization_endpoint, `${idp.origin}/authorize`);
    assert.equal(discovery.token_endpoint, `${idp.origin}/oauth/token`);
    assert.equal(discovery.jwks_uri, `${idp.origin}/.well-known/jwks.json`);
    assert.equal(discovery.end_session_endpoint, `${idp.origin}/oidc/logout`);
    assert.deepEqual(discovery.code_challenge_methods_supported, ['S256']);
  });

  test('the JWKS publishes only the public half of the signing key', async () => {
    const body = (await (await fetch(discovery.jwks_uri)).json()) as { keys: Record<string, unknown>[] };
    assert.equal(body.keys.length, 1);
    const [key] = body.keys;
    assert.equal(key?.kty, 'RSA');
    assert.equal(typeof key?.kid, 'string');
    assert.equal(key?.d, undefined, 'no private exponent');
  });

  test('authorization: any loopback port on a registered path, PKCE required, unknown audience refused', async () => {
    const onOtherPort = new URL(authorization().url);
    onOtherPort.searchParams.set('redirect_uri', 'http://127.0.0.1:1/callback');
    let response = await fetch(onOtherPort, { redirect: 'manual' });
    assert.equal(response.status, 303);
    assert.match(response.headers.get('location') ?? '', /^\/u\//, 'goes to the sign-in page');

    onOtherPort.searchParams.set('redirect_uri', 'http://[::1]:2/callback');
    response = await fetch(onOtherPort, { redirect: 'manual' });
    assert.equal(response.status, 303);
    assert.match(response.headers.get('location') ?? '', /^\/u\//);

    const unregistered = new URL(authorization({ path: '/elsewhere' }).url);
    response = await fetch(unregistered, { redirect: 'manual' });
    assert.equal(response.status, 400, 'an unregistered redirect path is an error page, never a redirect');
    assert.equal(response.headers.get('location'), null);

    const noPkce = new URL(authorization().url);
    noPkce.searchParams.delete('code_challenge');
    noPkce.searchParams.delete('code_challenge_method');
    response = await fetch(noPkce, { redirect: 'manual' });
    const pkceError = new URL(response.headers.get('location') ?? '');
    assert.equal(pkceError.searchParams.get('error'), 'invalid_request');

    response = await fetch(authorization({ audience: 'https://unknown.example' }).url, { redirect: 'manual' });
    const audienceError = new URL(response.headers.get('location') ?? '');
    assert.equal(audienceError.origin, `http://127.0.0.1:${callbacks.port}`);
    assert.equal(audienceError.searchParams.get('error'), 'access_denied');
    assert.equal(audienceError.searchParams.get('error_description'), 'Service not found: https://unknown.example');
  });

  describe('in a browser session', () => {
    let context: BrowserContext;
    let page: Page;
    let first: Authorization;
    let tokens: Tokens;
    const cspViolations: string[] = [];

    before(async () => {
      if (noBrowser) return;
      context = await browser.newContext();
      page = await context.newPage();
      page.setDefaultTimeout(10_000);
      page.on('console', (message) => {
        if (message.type() === 'error' && message.text().includes('Content Security Policy'))
          cspViolations.push(message.text());
      });
    });

    after(async () => {
      await context?.close();
    });

    test(
      'sign-in page rejects a wrong password, then code + PKCE flow reaches the callback',
      { skip: noBrowser },
      async () => {
        first = authorization();
        await page.goto(first.url);
        await page.getByText('Demo provider: use password demo').waitFor();
        await signIn(page, 'alice@example.com', 'not-the-password');
        await page.getByRole('alert').getByText('Wrong email or password.').waitFor();

        await signIn(page, 'ALICE@example.com', 'demo');
        await page.getByRole('heading', { name: 'Authorize Desktop Login' }).waitFor();
        const [callback] = await Promise.all([
          callbacks.next('/callback'),
          page.getByRole('button', { name: 'Accept' }).click(),
        ]);
        assert.equal(callback.searchParams.get('state'), first.state);
        assert.equal(callback.searchParams.get('iss'), idp.issuer);
        const code = callback.searchParams.get('code');
        assert.ok(code, 'callback carries a code');

        const wrongVerifier = await exchangeCode({ ...first, verifier: pkcePair().verifier }, code);
        assert.equal(wrongVerifier.body.error, 'invalid_grant', 'a wrong code_verifier is refused');

        // The failed attempt above consumed nothing: PKCE is checked before the code is used up.
        const response = await exchangeCode(first, code);
        assert.equal(response.status, 200, `token request failed: ${String(response.body.error)}`);
        tokens = readTokens(response.body);
        assert.equal(response.body.token_type, 'Bearer');
        assert.equal(tokens.scope, 'openid profile email offline_access');
      },
    );

    test(
      'the ID token is RS256, from the issuer, for the client, with Auth0 profile claims',
      { skip: noBrowser },
      async () => {
        const { payload, protectedHeader } = await jwtVerify(tokens.idToken, jwks, {
          issuer: idp.issuer,
          audience: idp.clientId,
          algorithms: ['RS256'],
        });
        assert.equal(protectedHeader.alg, 'RS256');
        assert.equal(payload.nonce, first.nonce);
        const alice = idp.users.find((user) => user.email === 'alice@example.com');
        assert.ok(alice);
        assert.equal(payload.sub, alice.sub);
        assert.equal(payload.email, alice.email);
        assert.equal(payload.email_verified, true);
        assert.equal(payload.name, alice.name);
        assert.equal(payload.nickname, alice.nickname);
        assert.equal(payload.picture, alice.picture);
        assert.equal(payload.updated_at, alice.updated_at);
      },
    );

    test('the access token is an RS256 JWT for the audience', { skip: noBrowser }, async () => {
      const { payload } = await jwtVerify(tokens.accessToken, jwks, {
        issuer: idp.issuer,
        audience: idp.audience,
        algorithms: ['RS256'],
      });
      assert.equal(payload.client_id, idp.clientId);
      assert.equal(payload.azp, idp.clientId);
      assert.equal(payload.scope, 'openid profile email offline_access');
      assert.equal(typeof payload.sub, 'string');
      assert.ok(typeof payload.exp === 'number' && typeof payload.iat === 'number');
      assert.equal(payload.exp - payload.iat, 600);
    });

    test(
      'the demo API accepts the access token and rejects a tampered, missing or ID token',
      { skip: noBrowser },
      async () => {
        const api = `${idp.origin}/api/private`;
        let response = await fetch(api, { headers: { authorization: `Bearer ${tokens.accessToken}` } });
        assert.equal(response.status, 200);
        const body = (await response.json()) as Record<string, unknown>;
        assert.equal(body.message, 'Hello from the demo API');
        assert.equal(body.sub, decodeJwt(tokens.accessToken).sub);
        assert.equal(body.scope, 'openid profile email offline_access');
        assert.equal(typeof body.issuedAt, 'string');

        const [header, payload, signature] = tokens.accessToken.split('.');
        const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
        const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'auth0|someone-else' })).toString('base64url');
        for (const bad of [`${header}.${forged}.${signature}`, tokens.idToken, 'garbage']) {
          response = await fetch(api, { headers: { authorization: `Bearer ${bad}` } });
          assert.equal(response.status, 401);
          assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer error="invalid_token"/);
          assert.equal(((await response.json()) as Record<string, unknown>).error, 'invalid_token');
        }
        response = await fetch(api);
        assert.equal(response.status, 401);
      },
    );

    test(
      'refresh rotates the refresh token, keeps the audience, and a replayed one fails with invalid_grant',
      { skip: noBrowser },
      async () => {
        const rotated = await refresh(tokens.refreshToken);
        assert.equal(rotated.status, 200);
        const next = readTokens(rotated.body);
        assert.ok(next.refreshToken !== tokens.refreshToken, 'a new refresh token is issued');
        const { payload } = await jwtVerify(next.accessToken, jwks, {
          issuer: idp.issuer,
          audience: idp.audience,
          algorithms: ['RS256'],
        });
        assert.equal(payload.scope, 'openid profile email offline_access');
        await jwtVerify(next.idToken, jwks, { issuer: idp.issuer, audience: idp.clientId, algorithms: ['RS256'] });

        const replay = await refresh(tokens.refreshToken);
        assert.equal(replay.status, 400);
        assert.equal(replay.body.error, 'invalid_grant');
        // Reuse detection revokes the whole family, as Auth0's rotation does.
        const afterReplay = await refresh(next.refreshToken);
        assert.equal(afterReplay.body.error, 'invalid_grant');
      },
    );

    test(
      'the single sign-on session skips the password; without audience the token works at /userinfo; revocation',
      { skip: noBrowser },
      async () => {
        const request = authorization({ audience: null });
        await page.goto(request.url);
        await page.getByRole('heading', { name: 'Authorize Desktop Login' }).waitFor();
        const [callback] = await Promise.all([
          callbacks.next('/callback'),
          page.getByRole('button', { name: 'Accept' }).click(),
        ]);
        const response = await exchangeCode(request, callback.searchParams.get('code') ?? '');
        assert.equal(response.status, 200);
        const opaque = readTokens(response.body);
        assert.equal(opaque.accessToken.split('.').length, 1, 'no audience: an opaque token for /userinfo, as Auth0');

        const userinfo = await fetch(discovery.userinfo_endpoint, {
          headers: { authorization: `Bearer ${opaque.accessToken}` },
        });
        assert.equal(userinfo.status, 200);
        const profile = (await userinfo.json()) as Record<string, unknown>;
        assert.equal(profile.email, 'alice@example.com');
        assert.equal(profile.nickname, 'alice');

        const revoked = await postForm(discovery.revocation_endpoint, {
          client_id: idp.clientId,
          token: opaque.refreshToken,
          token_type_hint: 'refresh_token',
        });
        assert.equal(revoked.status, 200);
        const refused = await refresh(opaque.refreshToken);
        assert.equal(refused.body.error, 'invalid_grant');
      },
    );

    test('Decline on the consent page returns error=access_denied to the callback', { skip: noBrowser }, async () => {
      const request = authorization();
      await page.goto(request.url);
      const [callback] = await Promise.all([
        callbacks.next('/callback'),
        page.getByRole('button', { name: 'Decline' }).click(),
      ]);
      assert.equal(callback.searchParams.get('error'), 'access_denied');
      assert.equal(callback.searchParams.get('state'), request.state);
      assert.equal(callback.searchParams.get('code'), null);
    });

    test(
      '/v2/logout ends the session and returns to a registered URL on any loopback port',
      { skip: noBrowser },
      async () => {
        const returnTo = callbacks.url('/signed-out');
        const logout = new URL('/v2/logout', idp.origin);
        logout.search = new URLSearchParams({ client_id: idp.clientId, returnTo }).toString();
        const [landed] = await Promise.all([callbacks.next('/signed-out'), page.goto(logout.href)]);
        assert.equal(landed.pathname, '/signed-out');

        await page.goto(authorization().url);
        await page.getByLabel('Email address').waitFor();
        assert.equal(await page.getByRole('button', { name: 'Continue' }).count(), 1, 'the sign-in page is back');
      },
    );

    test('the pages and their form redirects raised no Content Security Policy violation', { skip: noBrowser }, () => {
      assert.deepEqual(cspViolations, []);
    });
  });

  test(
    'RP-initiated logout at end_session_endpoint confirms with a Sign out page and returns to the app',
    { skip: noBrowser },
    async () => {
      const context = await browser.newContext();
      try {
        const { tokens } = await browserSignIn(context);
        const page = await context.newPage();
        const logout = new URL(discovery.end_session_endpoint ?? '');
        logout.search = new URLSearchParams({
          id_token_hint: tokens.idToken,
          post_logout_redirect_uri: callbacks.url('/signed-out'),
          state: 'bye',
        }).toString();
        await page.goto(logout.href);
        const [landed] = await Promise.all([
          callbacks.next('/signed-out'),
          page.getByRole('button', { name: 'Sign out' }).click(),
        ]);
        assert.equal(landed.searchParams.get('state'), 'bye');

        await page.goto(authorization().url);
        await page.getByLabel('Email address').waitFor();
      } finally {
        await context.close();
      }
    },
  );

  test('/v2/logout refuses an unregistered returnTo or unknown client, and without returnTo shows a page', async () => {
    const logout = (query: Record<string, string>): Promise<Response> =>
      fetch(`${idp.origin}/v2/logout?${new URLSearchParams(query).toString()}`, { redirect: 'manual' });
    let response = await logout({ client_id: idp.clientId, returnTo: 'https://evil.example/signed-out' });
    assert.equal(response.status, 400);
    assert.match(await response.text(), /Allowed Logout URLs/);
    response = await logout({ client_id: idp.clientId, returnTo: 'http://127.0.0.1:9/not-registered' });
    assert.equal(response.status, 400);
    response = await logout({ client_id: 'nobody', returnTo: callbacks.url('/signed-out') });
    assert.equal(response.status, 400);
    response = await logout({ client_id: idp.clientId });
    assert.equal(response.status, 200);
    assert.match(await response.text(), /You are signed out/);
  });

  test('faults.set answers instead of the provider, limited by times, and delays', async () => {
    idp.faults.set('/oauth/token', { status: 500, times: 1 });
    const before = idp.countRequests('/oauth/token');
    const failed = await refresh('anything');
    assert.equal(failed.status, 500);
    assert.equal(failed.body.error, 'server_error');
    const passedThrough = await refresh('anything');
    assert.equal(passedThrough.status, 400, 'times: 1 affects one request only');
    assert.equal(passedThrough.body.error, 'invalid_grant');
    assert.equal(idp.countRequests('/oauth/token'), before + 2);

    idp.faults.set('/.well-known/openid-configuration', {
      status: 503,
      body: { error: 'temporarily_unavailable' },
      headers: { 'Retry-After': '1' },
    });
    let response = await fetch(`${idp.issuer}.well-known/openid-configuration`);
    assert.equal(response.status, 503);
    assert.equal(response.headers.get('retry-after'), '1');
    assert.deepEqual(await response.json(), { error: 'temporarily_unavailable' });

    idp.faults.set('/.well-known/openid-configuration', { delayMs: 250, times: 1 });
    const started = Date.now();
    response = await fetch(`${idp.issuer}.well-known/openid-configuration`);
    assert.equal(response.status, 200);
    assert.ok(Date.now() - started >= 240, 'the delay was applied');
    idp.faults.clear();

    assert.ok(
      idp.requestLog.every((entry) => !entry.path.includes('?')),
      'the request log holds pathnames only',
    );
  });

  test('faults.discovery merges overrides and removes members set to undefined', async () => {
    idp.faults.discovery({
      authorization_endpoint: 'https://elsewhere.example/authorize',
      userinfo_endpoint: undefined,
    });
    let body = (await (await fetch(`${idp.issuer}.well-known/openid-configuration`)).json()) as Discovery;
    assert.equal(body.authorization_endpoint, 'https://elsewhere.example/authorize');
    assert.equal('userinfo_endpoint' in body, false);
    assert.equal(body.issuer, idp.issuer);
    idp.faults.discovery(null);
    body = (await (await fetch(`${idp.issuer}.well-known/openid-configuration`)).json()) as Discovery;
    assert.equal(body.authorization_endpoint, discovery.authorization_endpoint);
  });

  test(
    'faults.idToken re-signs ID tokens with exactly one defect; revokeAllGrants ends refreshes',
    { skip: noBrowser },
    async () => {
      const context = await browser.newContext();
      const { request, tokens } = await browserSignIn(context).finally(() => context.close());
      let refreshToken = tokens.refreshToken;
      const nextIdToken = async (): Promise<string> => {
        const response = await refresh(refreshToken);
        assert.equal(response.status, 200);
        const next = readTokens(response.body);
        refreshToken = next.refreshToken;
        return next.idToken;
      };
      const verify = (idToken: string): ReturnType<typeof jwtVerify> =>
        jwtVerify(idToken, jwks, { issuer: idp.issuer, audience: idp.clientId, algorithms: ['RS256'] });
      const original = decodeJwt(tokens.idToken);

      idp.faults.idToken('wrong-iss');
      let idToken = await nextIdToken();
      await assert.rejects(verify(idToken), joseErrors.JWTClaimValidationFailed);
      await jwtVerify(idToken, jwks, { audience: idp.clientId }); // still properly signed

      idp.faults.idToken('wrong-aud');
      idToken = await nextIdToken();
      await assert.rejects(verify(idToken), joseErrors.JWTClaimValidationFailed);
      assert.equal(decodeJwt(idToken).aud, 'some-other-client');

      idp.faults.idToken('wrong-nonce');
      idToken = await nextIdToken();
      const { payload: noncePayload } = await verify(idToken);
      assert.ok(typeof noncePayload.nonce === 'string' && noncePayload.nonce !== request.nonce);

      idp.faults.idToken('expired');
      idToken = await nextIdToken();
      await assert.rejects(verify(idToken), joseErrors.JWTExpired);

      idp.faults.idToken('unknown-key');
      idToken = await nextIdToken();
      await assert.rejects(verify(idToken), joseErrors.JWKSNoMatchingKey);

      idp.faults.idToken('alg-none');
      idToken = await nextIdToken();
      assert.equal(decodeProtectedHeader(idToken).alg, 'none');
      assert.ok(idToken.endsWith('.'), 'no signature');
      await assert.rejects(verify(idToken));

      idp.faults.idToken('hs256');
      idToken = await nextIdToken();
      assert.equal(decodeProtectedHeader(idToken).alg, 'HS256');
      await assert.rejects(verify(idToken), joseErrors.JOSEAlgNotAllowed);

      idp.faults.idToken(null);
      idp.faults.clockSkewSeconds(300);
      idToken = await nextIdToken();
      const { payload: skewed } = await verify(idToken);
      const now = Math.floor(Date.now() / 1000);
      assert.ok((skewed.iat ?? 0) - now >= 290, 'iat is in the future by the skew');
      assert.equal(skewed.sub, original.sub);
      idp.faults.clear();

      await idp.revokeAllGrants();
      const refused = await refresh(refreshToken);
      assert.equal(refused.status, 400);
      assert.equal(refused.body.error, 'invalid_grant');
    },
  );

  test('a provided signing key signs and is published; each start otherwise gets a new kid', async () => {
    const key = await generateSigningKey();
    const withKey = await startIdp({ keys: [key] });
    try {
      const published = (await (await fetch(`${withKey.origin}/.well-known/jwks.json`)).json()) as {
        keys: { kid?: string }[];
      };
      assert.deepEqual(
        published.keys.map((entry) => entry.kid),
        [key.kid],
      );
      const ours = (await (await fetch(discovery.jwks_uri)).json()) as { keys: { kid?: string }[] };
      assert.ok(ours.keys[0]?.kid !== key.kid);
    } finally {
      await withKey.close();
    }
  });

  test('endSessionInDiscovery: false hides end_session_endpoint, like some Auth0 tenants', async () => {
    const hidden = await startIdp({ endSessionInDiscovery: false });
    try {
      const body = (await (await fetch(`${hidden.issuer}.well-known/openid-configuration`)).json()) as Discovery;
      assert.equal(body.issuer, hidden.issuer);
      assert.equal('end_session_endpoint' in body, false);
      assert.ok(hidden.issuer !== idp.issuer);
    } finally {
      await hidden.close();
    }
  });
});
