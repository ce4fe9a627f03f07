import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair, importJWK } from 'jose';
import type { CryptoKey, JWK, JWTPayload } from 'jose';
import * as client from 'openid-client';
import type { Browser } from 'playwright-core';
import { startDelayingProxy } from '../../bench/delaying-proxy.js';
import { generateSigningKey, startIdp } from '../../tools/idp/start-idp.js';
import type { IdpOptions, RunningIdp } from '../../tools/idp/start-idp.js';
import { acceptConsent, signIn } from '../support/sign-in.js';
import { browserUnavailableReason, launchSystemBrowser } from '../support/system-browser.js';

// DPoP (RFC 9449) at the local provider's token endpoint and demo API. Proofs are made here with
// jose, so each check can break exactly one rule; one story drives openid-client's own DPoP handle.
// Tokens are compared with assert.ok on booleans only, so a failure never prints one.

const noBrowser = browserUnavailableReason();
if (noBrowser) process.stdout.write(`# skipping tests that need a browser: ${noBrowser}\n`);

const ALGS = 'ES256 Ed25519 EdDSA PS256 RS256';
const SCOPE = 'openid profile email offline_access';

interface DpopKey {
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  readonly jkt: string;
}

async function dpopKey(): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const publicJwk = await exportJWK(publicKey);
  return { privateKey, publicJwk, jkt: await calculateJwkThumbprint(publicJwk) };
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function randomValue(): string {
  return randomBytes(32).toString('base64url');
}

function ath(accessToken: string): string {
  return createHash('sha256').update(accessToken).digest('base64url');
}

/** A DPoP proof JWT; `claims` and `header` override the well-formed defaults one rule at a time. */
async function proof(
  key: DpopKey,
  claims: { htu: string; htm?: string } & Record<string, unknown>,
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT({ jti: randomValue(), htm: 'GET', iat: nowSeconds(), ...claims })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.publicJwk, ...header })
    .sign(key.privateKey);
}

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly body: Record<string, unknown>;
}

async function answer(response: Response): Promise<Answer> {
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Not JSON: the checks on `text` still apply.
  }
  return { status: response.status, headers: response.headers, text, body };
}

/** A sign-in's outcome at the callback, before the code is exchanged. */
interface Authorization {
  readonly code: string;
  readonly redirectUri: string;
  readonly verifier: string;
}

/** One provider, a loopback callback and the browser: what each story below needs. */
interface Tenant {
  readonly idp: RunningIdp;
  readonly tokenUrl: string;
  readonly apiUrl: string;
  signInForCode(): Promise<Authorization>;
  token(fields: Record<string, string>, dpop?: string): Promise<Answer>;
  exchange(authorization: Authorization, dpop?: string): Promise<Answer>;
  refresh(refreshToken: string, dpop?: string): Promise<Answer>;
  api(authorization: string | undefined, dpop?: string): Promise<Answer>;
  close(): Promise<void>;
}

async function startTenant(getBrowser: () => Browser, options: IdpOptions = {}): Promise<Tenant> {
  const idp = await startIdp(options);
  const waiting: Array<(url: URL) => void> = [];
  const callbacks = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!DOCTYPE html><title>Done</title>');
    waiting.shift()?.(new URL(req.url ?? '/', 'http://127.0.0.1'));
  });
  await new Promise<void>((resolve) => callbacks.listen(0, '127.0.0.1', resolve));
  const redirectUri = `http://127.0.0.1:${(callbacks.address() as AddressInfo).port}/callback`;
  const tokenUrl = `${idp.origin}/oauth/token`;

  const token = async (fields: Record<string, string>, dpop?: string): Promise<Answer> =>
    answer(
      await fetch(tokenUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          ...(dpop === undefined ? {} : { dpop }),
        },
        body: new URLSearchParams({ client_id: idp.clientId, ...fields }),
      }),
    );

  return {
    idp,
    tokenUrl,
    apiUrl: `${idp.origin}/api/private`,
    async signInForCode() {
      const verifier = randomValue();
      const url = new URL(`${idp.origin}/authorize`);
      url.search = new URLSearchParams({
        client_id: idp.clientId,
        response_type: 'code',
        redirect_uri: redirectUri,
        scope: SCOPE,
        audience: idp.audience,
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
        state: randomValue(),
      }).toString();
      const callback = new Promise<URL>((resolve) => waiting.push(resolve));
      const context = await getBrowser().newContext();
      try {
        const page = await context.newPage();
        page.setDefaultTimeout(10_000);
        await page.goto(url.href);
        await signIn(page, 'alice@example.com', 'demo');
        await acceptConsent(page);
        const code = (await callback).searchParams.get('code');
        assert.ok(code, 'the callback carries a code');
        return { code, redirectUri, verifier };
      } finally {
        await context.close();
      }
    },
    token,
    exchange: (authorization, dpop) =>
      token(
        {
          grant_type: 'authorization_code',
          code: authorization.code,
          redirect_uri: authorization.redirectUri,
          code_verifier: authorization.verifier,
        },
        dpop,
      ),
    refresh: (refreshToken, dpop) => token({ grant_type: 'refresh_token', refresh_token: refreshToken }, dpop),
    api: async (authorization, dpop) =>
      answer(
        await fetch(`${idp.origin}/api/private`, {
          headers: {
            accept: 'application/json',
            ...(authorization === undefined ? {} : { authorization }),
            ...(dpop === undefined ? {} : { dpop }),
          },
        }),
      ),
    close: async () => {
      await new Promise<void>((resolve) => {
        callbacks.close(() => resolve());
        callbacks.closeAllConnections();
      });
      await idp.close();
    },
  };
}

function tokensOf(response: Answer): { accessToken: string; refreshToken: string } {
  const { access_token: accessToken, refresh_token: refreshToken } = response.body;
  assert.ok(typeof accessToken === 'string', 'the token response has an access_token');
  assert.ok(typeof refreshToken === 'string', 'the token response has a refresh_token');
  return { accessToken, refreshToken };
}

/** Asserts a 401 from the demo API with this DPoP challenge, and that nothing secret is echoed. */
function assertDpopRefusal(response: Answer, error: string, secrets: readonly string[]): void {
  assert.equal(response.status, 401, `expected 401 ${error}, got ${response.status} ${response.text}`);
  const challenge = response.headers.get('www-authenticate') ?? '';
  assert.match(challenge, new RegExp(`^DPoP error="${error}", error_description="[^"]+", algs="${ALGS}"$`));
  assert.equal(response.body.error, error);
  const everything = `${response.text} ${[...response.headers].flat().join(' ')}`;
  assert.ok(
    secrets.every((secret) => !everything.includes(secret)),
    'the refusal echoes no token or proof',
  );
}

describe('DPoP at the local identity provider (RFC 9449)', { timeout: 120_000 }, () => {
  let browser: Browser | undefined;
  const getBrowser = (): Browser => {
    if (!browser) throw new Error('no browser');
    return browser;
  };

  before(async () => {
    if (!noBrowser) browser = (await launchSystemBrowser()).browser;
  });

  after(async () => {
    await browser?.close();
  });

  describe('a tenant with DPoP available (the default)', () => {
    let tenant: Tenant;
    let key: DpopKey;
    let other: DpopKey;
    let bound: { accessToken: string; refreshToken: string };

    before(async () => {
      [tenant, key, other] = await Promise.all([startTenant(getBrowser), dpopKey(), dpopKey()]);
    });

    after(async () => {
      await tenant?.close();
    });

    test('discovery advertises the proof algorithms the demo API accepts', async () => {
      const discovery = (await (await fetch(`${tenant.idp.issuer}.well-known/openid-configuration`)).json()) as {
        dpop_signing_alg_values_supported?: string[];
      };
      assert.deepEqual(discovery.dpop_signing_alg_values_supported, ALGS.split(' '));
    });

    test('a code exchange with a proof gets a DPoP token bound to the key (cnf.jkt)', { skip: noBrowser }, async () => {
      const authorization = await tenant.signInForCode();
      const response = await tenant.exchange(authorization, await proof(key, { htm: 'POST', htu: tenant.tokenUrl }));
      assert.equal(response.status, 200, response.text);
      assert.equal(response.body.token_type, 'DPoP');
      bound = tokensOf(response);
      assert.deepEqual(decodeJwt(bound.accessToken).cnf, { jkt: key.jkt });
    });

    test('the API accepts the bound token with a correct proof, once per proof', { skip: noBrowser }, async () => {
      const good = await proof(key, { htu: tenant.apiUrl, ath: ath(bound.accessToken) });
      const accepted = await tenant.api(`DPoP ${bound.accessToken}`, good);
      assert.equal(accepted.status, 200, accepted.text);
      assert.equal(accepted.body.sub, decodeJwt(bound.accessToken).sub);
      assert.equal(accepted.headers.get('dpop-nonce'), null, 'no nonces unless a server requires them');

      // The scheme name is case-insensitive, and htu is compared without the query.
      const withQuery = await proof(key, { htu: `${tenant.apiUrl}?page=2`, ath: ath(bound.accessToken) });
      assert.equal((await tenant.api(`dpop ${bound.accessToken}`, withQuery)).status, 200);

      assertDpopRefusal(await tenant.api(`DPoP ${bound.accessToken}`, good), 'invalid_dpop_proof', [
        bound.accessToken,
        good,
      ]);
    });

    test(
      'the API refuses the bound token as Bearer, without a proof, or with another key',
      { skip: noBrowser },
      async () => {
        const token = bound.accessToken;
        const asBearer = await tenant.api(`Bearer ${token}`);
        assertDpopRefusal(asBearer, 'invalid_token', [token]);
        assert.match(asBearer.body.error_description as string, /DPoP-bound/);

        assertDpopRefusal(await tenant.api(`DPoP ${token}`), 'invalid_dpop_proof', [token]);

        const foreign = await proof(other, { htu: tenant.apiUrl, ath: ath(token) });
        assertDpopRefusal(await tenant.api(`DPoP ${token}`, foreign), 'invalid_token', [token, foreign]);

        const twoProofs = await proof(key, { htu: tenant.apiUrl, ath: ath(token) });
        const doubled = await fetch(tenant.apiUrl, {
          headers: [
            ['authorization', `DPoP ${token}`],
            ['dpop', twoProofs],
            ['dpop', twoProofs],
          ],
        });
        assertDpopRefusal(await answer(doubled), 'invalid_dpop_proof', [token, twoProofs]);
      },
    );

    test('the API refuses a proof that breaks one rule of RFC 9449 §4.3', { skip: noBrowser }, async () => {
      const token = bound.accessToken;
      const htu = tenant.apiUrl;
      const leaky = await generateKeyPair('ES256', { extractable: true });
      const es384 = await generateKeyPair('ES384');
      const broken: Record<string, Promise<string>> = {
        'wrong ath': proof(key, { htu, ath: ath(`${token}x`) }),
        'no ath': proof(key, { htu }),
        'wrong htm': proof(key, { htu, htm: 'POST', ath: ath(token) }),
        'wrong path in htu': proof(key, { htu: `${tenant.idp.origin}/api/other`, ath: ath(token) }),
        'wrong port in htu': proof(key, { htu: 'http://127.0.0.1:1/api/private', ath: ath(token) }),
        'iat two minutes old': proof(key, { htu, ath: ath(token), iat: nowSeconds() - 120 }),
        'iat two minutes ahead': proof(key, { htu, ath: ath(token), iat: nowSeconds() + 120 }),
        'no jti': proof(key, { htu, ath: ath(token), jti: undefined }),
        'typ JWT': proof(key, { htu, ath: ath(token) }, { typ: 'JWT' }),
        'private key in jwk': proof(
          { ...key, privateKey: leaky.privateKey },
          { htu, ath: ath(token) },
          { jwk: await exportJWK(leaky.privateKey) },
        ),
        'alg outside the list': proof(
          { ...key, privateKey: es384.privateKey },
          { htu, ath: ath(token) },
          { alg: 'ES384', jwk: await exportJWK(es384.publicKey) },
        ),
        'signature by another key': proof(key, { htu, ath: ath(token) }).then((jwt) => {
          const [header, payload] = jwt.split('.');
          return `${header}.${payload}.${randomBytes(64).toString('base64url')}`;
        }),
      };
      for (const [rule, made] of Object.entries(broken)) {
        const dpop = await made;
        const response = await tenant.api(`DPoP ${token}`, dpop);
        assert.equal(response.status, 401, `${rule}: ${response.status}`);
        assertDpopRefusal(response, 'invalid_dpop_proof', [token, dpop]);
      }
    });

    test('refresh works with the same key and is refused with another key or none', { skip: noBrowser }, async () => {
      const withOther = await tenant.refresh(
        bound.refreshToken,
        await proof(other, { htm: 'POST', htu: tenant.tokenUrl }),
      );
      assert.equal(withOther.status, 400);
      assert.equal(withOther.body.error, 'invalid_grant');

      const withoutProof = await tenant.refresh(bound.refreshToken);
      assert.equal(withoutProof.status, 400);
      assert.equal(withoutProof.body.error, 'invalid_grant');

      const badProof = await tenant.refresh(bound.refreshToken, await proof(key, { htm: 'GET', htu: tenant.tokenUrl }));
      assert.equal(badProof.status, 400);
      assert.equal(badProof.body.error, 'invalid_dpop_proof');

      // None of the refusals used the refresh token up.
      const refreshed = await tenant.refresh(
        bound.refreshToken,
        await proof(key, { htm: 'POST', htu: tenant.tokenUrl }),
      );
      assert.equal(refreshed.status, 200, refreshed.text);
      assert.equal(refreshed.body.token_type, 'DPoP');
      const next = tokensOf(refreshed);
      assert.ok(next.refreshToken !== bound.refreshToken, 'the refresh token rotated');
      assert.deepEqual(decodeJwt(next.accessToken).cnf, { jkt: key.jkt });

      // The rotated refresh token stays bound: revocation needs no proof, and then refresh fails.
      const revoked = await fetch(`${tenant.idp.origin}/oauth/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: tenant.idp.clientId, token: next.refreshToken }),
      });
      assert.equal(revoked.status, 200);
      const afterRevoke = await tenant.refresh(
        next.refreshToken,
        await proof(key, { htm: 'POST', htu: tenant.tokenUrl }),
      );
      assert.equal(afterRevoke.body.error, 'invalid_grant');
    });

    test('without a proof at the token endpoint everything stays Bearer, as before', { skip: noBrowser }, async () => {
      const response = await tenant.exchange(await tenant.signInForCode());
      assert.equal(response.status, 200, response.text);
      assert.equal(response.body.token_type, 'Bearer');
      const plain = tokensOf(response);
      assert.equal(decodeJwt(plain.accessToken).cnf, undefined);

      const accepted = await tenant.api(`Bearer ${plain.accessToken}`);
      assert.equal(accepted.status, 200);
      const bearerRefusal = await tenant.api(`Bearer ${plain.accessToken}x`);
      assert.equal(bearerRefusal.status, 401);
      assert.equal(
        bearerRefusal.headers.get('www-authenticate'),
        `Bearer error="invalid_token", error_description="The access token signature is invalid.", DPoP algs="${ALGS}"`,
      );

      // An unbound token is not upgraded by a proof at the API.
      const dpop = await proof(key, { htu: tenant.apiUrl, ath: ath(plain.accessToken) });
      assertDpopRefusal(await tenant.api(`DPoP ${plain.accessToken}`, dpop), 'invalid_token', [plain.accessToken]);

      const refreshed = await tenant.refresh(plain.refreshToken);
      assert.equal(refreshed.status, 200);
      assert.equal(refreshed.body.token_type, 'Bearer');
    });
  });

  describe('nonces required at the token endpoint and the API (nonce: both), with openid-client', () => {
    let tenant: Tenant;

    before(async () => {
      tenant = await startTenant(getBrowser, { dpop: { nonce: 'both' } });
    });

    after(async () => {
      await tenant?.close();
    });

    test(
      'the first proof is answered with use_dpop_nonce, the retry with the nonce passes',
      { skip: noBrowser },
      async () => {
        const key = await dpopKey();
        const authorization = await tenant.signInForCode();
        const first = await tenant.exchange(authorization, await proof(key, { htm: 'POST', htu: tenant.tokenUrl }));
        assert.equal(first.status, 400);
        assert.equal(first.body.error, 'use_dpop_nonce');
        const nonce = first.headers.get('dpop-nonce');
        assert.ok(nonce, 'the answer carries DPoP-Nonce');
        const retried = await tenant.exchange(
          authorization,
          await proof(key, { htm: 'POST', htu: tenant.tokenUrl, nonce }),
        );
        assert.equal(retried.status, 200, retried.text);
        const { accessToken } = tokensOf(retried);

        const withoutNonce = await proof(key, { htu: tenant.apiUrl, ath: ath(accessToken) });
        const challenged = await tenant.api(`DPoP ${accessToken}`, withoutNonce);
        assertDpopRefusal(challenged, 'use_dpop_nonce', [accessToken, withoutNonce]);
        const apiNonce = challenged.headers.get('dpop-nonce');
        assert.ok(apiNonce, 'the API hands out a nonce');

        const madeUp = await proof(key, { htu: tenant.apiUrl, ath: ath(accessToken), nonce: randomValue() });
        assertDpopRefusal(await tenant.api(`DPoP ${accessToken}`, madeUp), 'use_dpop_nonce', [accessToken]);

        // One origin, one nonce source: the token endpoint's nonce is good at the API as well.
        const withTokenNonce = await proof(key, { htu: tenant.apiUrl, ath: ath(accessToken), nonce });
        assert.equal((await tenant.api(`DPoP ${accessToken}`, withTokenNonce)).status, 200);
        const withApiNonce = await proof(key, { htu: tenant.apiUrl, ath: ath(accessToken), nonce: apiNonce });
        assert.equal((await tenant.api(`DPoP ${accessToken}`, withApiNonce)).status, 200);
      },
    );

    test('openid-client signs in, calls the API and refreshes with one key pair', { skip: noBrowser }, async () => {
      const { idp } = tenant;
      const config = await client.discovery(new URL(idp.issuer), idp.clientId, undefined, client.None(), {
        execute: [client.allowInsecureRequests],
      });
      const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));

      // The browser step is the tenant's; the code goes through openid-client's own exchange.
      const authorization = await tenant.signInForCode();
      const callback = new URL(authorization.redirectUri);
      callback.searchParams.set('code', authorization.code);
      callback.searchParams.set('iss', idp.issuer);
      const tokensBefore = idp.countRequests('/oauth/token');
      const tokens = await client.authorizationCodeGrant(
        config,
        callback,
        { pkceCodeVerifier: authorization.verifier },
        undefined,
        { DPoP },
      );
      assert.equal(tokens.token_type, 'dpop');
      assert.equal(idp.countRequests('/oauth/token') - tokensBefore, 2, 'one use_dpop_nonce retry');

      const apiBefore = idp.countRequests('/api/private');
      const response = await client.fetchProtectedResource(
        config,
        tokens.access_token,
        new URL(tenant.apiUrl),
        'GET',
        undefined,
        undefined,
        { DPoP },
      );
      assert.equal(response.status, 200);
      assert.equal(idp.countRequests('/api/private') - apiBefore, 1, "the token endpoint's nonce was good at the API");

      assert.ok(tokens.refresh_token, 'a refresh token was issued');
      const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token, undefined, { DPoP });
      assert.equal(refreshed.token_type, 'dpop');
    });
  });

  describe('a nonce required at the API only (nonce: api)', () => {
    let tenant: Tenant;

    before(async () => {
      tenant = await startTenant(getBrowser, { dpop: { nonce: 'api' } });
    });

    after(async () => {
      await tenant?.close();
    });

    test(
      'the token endpoint needs none but takes the API nonce, as a client keeping one per origin sends it',
      { skip: noBrowser },
      async () => {
        const key = await dpopKey();
        const exchanged = await tenant.exchange(
          await tenant.signInForCode(),
          await proof(key, { htm: 'POST', htu: tenant.tokenUrl }),
        );
        assert.equal(exchanged.status, 200, exchanged.text);
        const { accessToken, refreshToken } = tokensOf(exchanged);

        const challenged = await tenant.api(
          `DPoP ${accessToken}`,
          await proof(key, { htu: tenant.apiUrl, ath: ath(accessToken) }),
        );
        assert.equal(challenged.status, 401);
        assert.equal(
          challenged.headers.get('www-authenticate'),
          `DPoP error="use_dpop_nonce", error_description="The resource server requires a nonce in the DPoP proof.", algs="${ALGS}"`,
        );
        const nonce = challenged.headers.get('dpop-nonce');
        assert.ok(nonce, 'the API hands out a nonce');
        const retried = await tenant.api(
          `DPoP ${accessToken}`,
          await proof(key, { htu: tenant.apiUrl, ath: ath(accessToken), nonce }),
        );
        assert.equal(retried.status, 200, retried.text);

        const refreshed = await tenant.refresh(
          refreshToken,
          await proof(key, { htm: 'POST', htu: tenant.tokenUrl, nonce }),
        );
        assert.equal(refreshed.status, 200, refreshed.text);
      },
    );
  });

  describe('sender constraining required (dpop.required)', () => {
    let tenant: Tenant;

    before(async () => {
      tenant = await startTenant(getBrowser, { dpop: { required: true } });
    });

    after(async () => {
      await tenant?.close();
    });

    test('a token request without a proof is refused and leaves the code usable', { skip: noBrowser }, async () => {
      const key = await dpopKey();
      const authorization = await tenant.signInForCode();
      const refused = await tenant.exchange(authorization);
      assert.equal(refused.status, 400);
      assert.equal(refused.body.error, 'invalid_grant');
      const accepted = await tenant.exchange(authorization, await proof(key, { htm: 'POST', htu: tenant.tokenUrl }));
      assert.equal(accepted.status, 200, accepted.text);
      assert.equal(accepted.body.token_type, 'DPoP');
    });
  });

  describe('a tenant without DPoP (dpop.enabled: false)', () => {
    let tenant: Tenant;

    before(async () => {
      tenant = await startTenant(getBrowser, { dpop: { enabled: false } });
    });

    after(async () => {
      await tenant?.close();
    });

    test(
      'discovery is silent about DPoP and a proof is ignored: the token is Bearer',
      { skip: noBrowser },
      async () => {
        const discovery = (await (
          await fetch(`${tenant.idp.issuer}.well-known/openid-configuration`)
        ).json()) as Record<string, unknown>;
        assert.equal(discovery.dpop_signing_alg_values_supported, undefined);
        const key = await dpopKey();
        const response = await tenant.exchange(
          await tenant.signInForCode(),
          await proof(key, { htm: 'POST', htu: tenant.tokenUrl }),
        );
        assert.equal(response.status, 200, response.text);
        assert.equal(response.body.token_type, 'Bearer');
        const { accessToken } = tokensOf(response);
        assert.equal(decodeJwt(accessToken).cnf, undefined);
        const refused = await tenant.api(`Bearer ${accessToken}x`);
        assert.equal(
          refused.headers.get('www-authenticate'),
          'Bearer error="invalid_token", error_description="The access token signature is invalid."',
        );
      },
    );
  });

  test('behind a proxy the API expects htu on the issuer origin, not the bound port', async () => {
    const signingKey = await generateSigningKey();
    const proxy = await startDelayingProxy(0);
    const idp = await startIdp({ keys: [signingKey], issuerPort: proxy.port });
    proxy.forwardTo(idp.port);
    try {
      const key = await dpopKey();
      const claims: JWTPayload = { sub: 'auth0|alice', scope: SCOPE, cnf: { jkt: key.jkt } };
      const { kid, ...jwk } = signingKey;
      const accessToken = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: kid ?? '' })
        .setIssuer(idp.issuer)
        .setAudience(idp.audience)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(await importJWK(jwk, 'RS256'));
      const call = async (htu: string): Promise<number> =>
        (
          await fetch(`${idp.origin}/api/private`, {
            headers: { authorization: `DPoP ${accessToken}`, dpop: await proof(key, { htu, ath: ath(accessToken) }) },
          })
        ).status;
      assert.equal(await call(`${idp.origin}/api/private`), 200);
      assert.equal(await call(`http://127.0.0.1:${idp.port}/api/private`), 401);
    } finally {
      await idp.close();
      await proxy.close();
    }
  });

  test('contradictory DPoP options are refused at start', async () => {
    const refusedAtStart = async (options: IdpOptions): Promise<void> => {
      let started: RunningIdp;
      try {
        started = await startIdp(options);
      } catch (error) {
        assert.ok(error instanceof TypeError, 'refused with a TypeError naming the option');
        return;
      }
      await started.close();
      assert.fail(`started with ${JSON.stringify(options)}`);
    };
    await refusedAtStart({ dpop: { enabled: false, required: true } });
    await refusedAtStart({ dpop: { enabled: false, nonce: 'api' } });
    // Deliberately outside the type, as a JavaScript caller could pass it.
    await refusedAtStart({ dpop: { nonce: 'always' } } as unknown as IdpOptions);
  });
});
