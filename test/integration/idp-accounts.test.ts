import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import type { JWTPayload } from 'jose';
import * as client from 'openid-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { MemoryStore, startIdp } from '../../tools/idp/start-idp.js';
import type { RunningIdp } from '../../tools/idp/start-idp.js';
import { acceptConsent, signIn } from '../support/sign-in.js';
import { browserUnavailableReason, launchSystemBrowser } from '../support/system-browser.js';

// Universal Login as the local provider models it: sign-up (screen_hint=signup), prompt=login,
// Organizations and connections. The browser is real Chromium; codes go through openid-client.
// Tokens are compared through their claims only, so a failure never prints one.

const noBrowser = browserUnavailableReason();
if (noBrowser) process.stdout.write(`# skipping tests that need a browser: ${noBrowser}\n`);

const SCOPE = 'openid profile email offline_access';

/** The app's loopback redirect target: hands each request's URL to the next waiter. */
interface Callbacks {
  readonly redirectUri: string;
  next(): Promise<URL>;
  close(): Promise<void>;
}

async function startCallbacks(): Promise<Callbacks> {
  const waiting: Array<(url: URL) => void> = [];
  const server = createServer((req, res) => {
    // With the port: openid-client derives the token request's redirect_uri from this URL.
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    if (url.pathname !== '/callback') {
      // The browser also asks for /favicon.ico.
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!DOCTYPE html><title>Done</title>');
    waiting.shift()?.(url);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    redirectUri: `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`,
    next: () =>
      new Promise<URL>((resolve, reject) => {
        const waiter = (url: URL): void => {
          clearTimeout(timer);
          resolve(url);
        };
        const timer = setTimeout(() => {
          waiting.splice(waiting.indexOf(waiter), 1);
          reject(new Error('no request reached the callback'));
        }, 10_000);
        waiting.push(waiter);
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** One authorization request, with what its callback is checked against. */
interface Request {
  readonly url: URL;
  readonly verifier: string;
  readonly state: string;
  readonly nonce: string;
}

/** What a completed sign-in yields, as claims. */
interface SignedIn {
  readonly idToken: JWTPayload;
  readonly accessToken: JWTPayload;
  readonly refreshToken: string;
}

describe('local identity provider: sign-up, prompt=login, Organizations, connections', { timeout: 120_000 }, () => {
  let idp: RunningIdp;
  let callbacks: Callbacks;
  let browser: Browser;
  let config: client.Configuration;
  let jwks: ReturnType<typeof createRemoteJWKSet>;

  before(async () => {
    [idp, callbacks] = await Promise.all([
      startIdp(),
      startCallbacks(),
      noBrowser ? undefined : launchSystemBrowser().then((system) => (browser = system.browser)),
    ]);
    config = await client.discovery(new URL(idp.issuer), idp.clientId, undefined, client.None(), {
      execute: [client.allowInsecureRequests],
    });
    jwks = createRemoteJWKSet(new URL(`${idp.origin}/.well-known/jwks.json`));
  });

  after(async () => {
    await Promise.allSettled([browser?.close(), callbacks?.close(), idp?.close()]);
  });

  async function request(extra: Record<string, string> = {}): Promise<Request> {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: callbacks.redirectUri,
      scope: SCOPE,
      audience: idp.audience,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...extra,
    });
    return { url, verifier, state, nonce };
  }

  /** Exchanges the callback's code as the app does, and returns the verified tokens' claims. */
  async function complete(sent: Request, callback: URL): Promise<SignedIn> {
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: sent.verifier,
      expectedState: sent.state,
      expectedNonce: sent.nonce,
    });
    assert.ok(tokens.refresh_token, 'a refresh token was issued');
    return {
      idToken: (await jwtVerify(tokens.id_token ?? '', jwks, { issuer: idp.issuer, audience: idp.clientId })).payload,
      accessToken: (await jwtVerify(tokens.access_token, jwks, { issuer: idp.issuer, audience: idp.audience })).payload,
      refreshToken: tokens.refresh_token,
    };
  }

  async function newPage(profile?: BrowserContext): Promise<{ profile: BrowserContext; page: Page }> {
    const context = profile ?? (await browser.newContext());
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    return { profile: context, page };
  }

  /** Accepts consent and returns the callback it leads to. */
  async function consentToCallback(page: Page): Promise<URL> {
    await page.getByRole('heading', { name: 'Authorize Desktop Login' }).waitFor();
    const [callback] = await Promise.all([callbacks.next(), acceptConsent(page)]);
    return callback;
  }

  /** A whole sign-in with email and password in the given profile (a fresh one by default). */
  async function signInAs(
    email: string,
    options: { password?: string; extra?: Record<string, string>; profile?: BrowserContext } = {},
  ): Promise<{ sent: Request; callback: URL; profile: BrowserContext }> {
    const sent = await request(options.extra);
    const opened = await newPage(options.profile);
    await opened.page.goto(sent.url.href);
    await signIn(opened.page, email, options.password ?? 'demo');
    return { sent, callback: await consentToCallback(opened.page), profile: opened.profile };
  }

  function alice(): RunningIdp['users'][number] {
    const user = idp.users.find((candidate) => candidate.email === 'alice@example.com');
    assert.ok(user);
    return user;
  }

  function lastAuthorizeParams(): Readonly<Record<string, string>> | undefined {
    return idp.requestLog.findLast((entry) => entry.path === '/authorize')?.params;
  }

  /** The error redirect /authorize answers with, read without a browser. */
  async function authorizeError(extra: Record<string, string>): Promise<URL> {
    const sent = await request(extra);
    const response = await fetch(sent.url, { redirect: 'manual' });
    assert.equal(response.status, 303);
    const location = new URL(response.headers.get('location') ?? '', idp.origin);
    assert.equal(location.origin + location.pathname, callbacks.redirectUri, 'the error goes back to the app');
    assert.equal(location.searchParams.get('state'), sent.state);
    return location;
  }

  test('screen_hint=signup shows the sign-up page; signing up signs the new user in', { skip: noBrowser }, async () => {
    const sent = await request({ screen_hint: 'signup' });
    const { profile, page } = await newPage();
    try {
      await page.goto(sent.url.href);
      await page.getByRole('heading', { name: 'Create Your Account' }).waitFor();
      assert.equal(lastAuthorizeParams()?.screen_hint, 'signup', 'the request log shows the parameter arrived');

      // The two pages link to each other, as Universal Login's do.
      await page.getByRole('link', { name: 'Log in' }).click();
      await page.getByRole('heading', { name: 'Welcome' }).waitFor();
      await page.getByRole('link', { name: 'Sign up' }).click();
      await page.getByRole('heading', { name: 'Create Your Account' }).waitFor();

      await page.getByLabel('Email address').fill('Carol@Example.com');
      await page.getByLabel('Password').fill('carol-secret');
      await page.getByLabel('Name').fill('Carol Example');
      await page.getByRole('button', { name: 'Continue' }).click();
      const signedUp = await complete(sent, await consentToCallback(page));
      assert.equal(signedUp.idToken.email, 'carol@example.com');
      assert.equal(signedUp.idToken.name, 'Carol Example');
      assert.equal(signedUp.idToken.nickname, 'carol');
      assert.equal(signedUp.idToken.email_verified, false);
      assert.match(String(signedUp.idToken.sub), /^auth0\|[0-9a-f]{24}$/);
      assert.equal(signedUp.idToken.org_id, undefined, 'no organization asked for, no org claims');
      assert.equal(signedUp.accessToken.org_id, undefined);

      // Afterwards the new user signs in on the login page like anyone else, in another browser.
      const again = await signInAs('carol@example.com', { password: 'carol-secret' });
      await again.profile.close();
      const signedIn = await complete(again.sent, again.callback);
      assert.equal(signedIn.idToken.sub, signedUp.idToken.sub);
      assert.equal(signedIn.idToken.name, 'Carol Example');
    } finally {
      await profile.close();
    }
  });

  test(
    'signed-up users live in the store, so they outlast a provider restarted on it',
    { skip: noBrowser },
    async () => {
      const store = new MemoryStore();
      const providers: RunningIdp[] = [];
      const profiles: BrowserContext[] = [];
      /** Opens /authorize of a provider in a fresh browser profile. */
      const open = async (provider: RunningIdp, extra: Record<string, string> = {}): Promise<Page> => {
        const url = new URL(`${provider.origin}/authorize`);
        url.search = new URLSearchParams({
          client_id: provider.clientId,
          response_type: 'code',
          redirect_uri: callbacks.redirectUri,
          scope: 'openid profile email',
          code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
          code_challenge_method: 'S256',
          ...extra,
        }).toString();
        const opened = await newPage();
        profiles.push(opened.profile);
        await opened.page.goto(url.href);
        return opened.page;
      };
      try {
        const first = await startIdp({ store });
        providers.push(first);
        const signUp = await open(first, { screen_hint: 'signup' });
        await signUp.getByLabel('Email address').fill('dave@example.com');
        await signUp.getByLabel('Password').fill('dave-secret');
        await signUp.getByRole('button', { name: 'Continue' }).click();
        await signUp.getByRole('heading', { name: 'Authorize Desktop Login' }).waitFor();
        await first.close();

        const restarted = await startIdp({ store });
        providers.push(restarted);
        const signInPage = await open(restarted);
        await signIn(signInPage, 'dave@example.com', 'dave-secret');
        await signInPage.getByRole('heading', { name: 'Authorize Desktop Login' }).waitFor();

        const elsewhere = await startIdp();
        providers.push(elsewhere);
        const unknown = await open(elsewhere);
        await signIn(unknown, 'dave@example.com', 'dave-secret');
        await unknown.getByRole('alert').getByText('Wrong email or password.').waitFor();
      } finally {
        await Promise.allSettled([...profiles.map((profile) => profile.close()), ...providers.map((p) => p.close())]);
      }
    },
  );

  test('a sign-up with an email that already has an account is refused on the page', { skip: noBrowser }, async () => {
    const { profile, page } = await newPage();
    try {
      for (const email of ['ALICE@example.com', 'carol@example.com']) {
        await page.goto((await request({ screen_hint: 'signup' })).url.href);
        await page.getByLabel('Email address').fill(email);
        await page.getByLabel('Password').fill('another-password');
        await page.getByRole('button', { name: 'Continue' }).click();
        await page.getByRole('alert').getByText('The user already exists.').waitFor();
        await page.getByRole('heading', { name: 'Create Your Account' }).waitFor();
      }
      // Alice's own password still works: the refused sign-up changed nothing.
      await page.getByRole('link', { name: 'Log in' }).click();
      await signIn(page, 'alice@example.com', 'demo');
      await page.getByRole('heading', { name: 'Authorize Desktop Login' }).waitFor();
    } finally {
      await profile.close();
    }
  });

  test(
    'prompt=login shows the login page despite a session, and another user can sign in',
    { skip: noBrowser },
    async () => {
      const first = await signInAs('alice@example.com');
      try {
        assert.equal((await complete(first.sent, first.callback)).idToken.sub, alice().sub);

        // Without prompt=login the session skips the login page.
        const { page } = await newPage(first.profile);
        await page.goto((await request()).url.href);
        await page.getByRole('heading', { name: 'Authorize Desktop Login' }).waitFor();

        const forced = await request({ prompt: 'login' });
        await page.goto(forced.url.href);
        await page.getByRole('heading', { name: 'Welcome' }).waitFor();
        assert.equal(lastAuthorizeParams()?.prompt, 'login');
        await signIn(page, 'bob@example.com', 'demo');
        const bob = await complete(forced, await consentToCallback(page));
        assert.equal(bob.idToken.email, 'bob@example.com');
        assert.notEqual(bob.idToken.sub, alice().sub);
      } finally {
        await first.profile.close();
      }
    },
  );

  test(
    'a member signing in through an organization gets org_id and org_name, refreshes too',
    { skip: noBrowser },
    async () => {
      const sent = await request({ organization: 'org_demo1' });
      const { profile, page } = await newPage();
      try {
        await page.goto(sent.url.href);
        await page.getByText('Log in to acme to continue to Desktop Login.').waitFor();
        assert.equal(lastAuthorizeParams()?.organization, 'org_demo1');
        await signIn(page, 'alice@example.com', 'demo');
        const member = await complete(sent, await consentToCallback(page));
        for (const claims of [member.idToken, member.accessToken]) {
          assert.equal(claims.org_id, 'org_demo1');
          assert.equal(claims.org_name, 'acme');
        }
        const refreshed = await client.refreshTokenGrant(config, member.refreshToken);
        assert.equal(refreshed.claims()?.org_id, 'org_demo1', 'a refreshed ID token keeps the organization');
        assert.equal(decodeJwt(refreshed.access_token).org_id, 'org_demo1');

        // The same session, by organization name in any case, then without an organization.
        const byName = await request({ organization: 'ACME' });
        await page.goto(byName.url.href);
        const named = await complete(byName, await consentToCallback(page));
        assert.equal(named.idToken.org_id, 'org_demo1');
        assert.equal(named.idToken.org_name, 'acme');
        const plain = await request();
        await page.goto(plain.url.href);
        const withoutOrg = await complete(plain, await consentToCallback(page));
        assert.equal(withoutOrg.idToken.org_id, undefined);
        assert.equal(withoutOrg.idToken.org_name, undefined);
        assert.equal(withoutOrg.accessToken.org_id, undefined);
        const stillMember = await client.refreshTokenGrant(config, refreshed.refresh_token ?? '');
        assert.equal(stillMember.claims()?.org_id, 'org_demo1', 'the organization sign-in keeps its own grant');
      } finally {
        await profile.close();
      }
    },
  );

  test('a user who is no member is sent back with access_denied after signing in', { skip: noBrowser }, async () => {
    const sent = await request({ organization: 'org_demo2' });
    const { profile, page } = await newPage();
    try {
      await page.goto(sent.url.href);
      const [callback] = await Promise.all([callbacks.next(), signIn(page, 'alice@example.com', 'demo')]);
      assert.equal(callback.searchParams.get('error'), 'access_denied');
      assert.equal(
        callback.searchParams.get('error_description'),
        `user ${alice().sub} is not part of the org_demo2 organization`,
      );
      assert.equal(callback.searchParams.get('state'), sent.state);
      assert.equal(callback.searchParams.get('code'), null);

      // A session does not get past the check either.
      const again = await request({ organization: 'globex' });
      const [refused] = await Promise.all([callbacks.next(), page.goto(again.url.href)]);
      assert.equal(refused.searchParams.get('error'), 'access_denied');
    } finally {
      await profile.close();
    }
  });

  test('an unknown organization or connection is an invalid_request redirect from /authorize', async () => {
    const organization = await authorizeError({ organization: 'org_doesnotexist' });
    assert.equal(organization.searchParams.get('error'), 'invalid_request');
    assert.equal(organization.searchParams.get('error_description'), 'the organization was not found');
    assert.equal(lastAuthorizeParams()?.organization, 'org_doesnotexist');
    const byName = await authorizeError({ organization: 'initech' });
    assert.equal(byName.searchParams.get('error'), 'invalid_request');

    const connection = await authorizeError({ connection: 'github' });
    assert.equal(connection.searchParams.get('error'), 'invalid_request');
    assert.equal(connection.searchParams.get('error_description'), 'the connection was not found');
    assert.equal(lastAuthorizeParams()?.connection, 'github');
  });

  test(
    'a known connection is named on the login page; the social one signs in the first user',
    { skip: noBrowser },
    async () => {
      const { profile, page } = await newPage();
      try {
        await page.goto((await request({ connection: 'Username-Password-Authentication' })).url.href);
        await page.getByText('Connection: Username-Password-Authentication').waitFor();
        await page.getByLabel('Email address').waitFor();

        const social = await request({ connection: 'google-oauth2' });
        await page.goto(social.url.href);
        await page.getByRole('heading', { name: 'Log in with google-oauth2' }).waitFor();
        await page.getByRole('button', { name: 'Continue as alice@example.com' }).click();
        const signedIn = await complete(social, await consentToCallback(page));
        assert.equal(signedIn.idToken.sub, alice().sub);
      } finally {
        await profile.close();
      }
    },
  );

  test('the wrong-org-id fault re-signs the ID token with another organization', { skip: noBrowser }, async () => {
    idp.faults.idToken('wrong-org-id');
    try {
      const { sent, callback, profile } = await signInAs('alice@example.com', { extra: { organization: 'org_demo1' } });
      await profile.close();
      const tampered = await complete(sent, callback);
      assert.match(String(tampered.idToken.org_id), /^org_/);
      assert.notEqual(tampered.idToken.org_id, 'org_demo1', 'validly signed, but for another organization');
      assert.equal(tampered.idToken.org_name, 'acme');
      assert.equal(tampered.accessToken.org_id, 'org_demo1', 'only the ID token is tampered with');
    } finally {
      idp.faults.idToken(null);
    }
  });
});
