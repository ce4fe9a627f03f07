import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import * as client from 'openid-client';
import type { BrowserContext } from 'playwright-core';
import { DEMO_ISSUER_VARIABLE, type AuthEnv } from '../../src/main/auth/config/config.js';
import { runDoctor } from '../../src/main/auth/doctor/run-doctor.js';
import { DPOP_KEY_LOST_MESSAGE, importDpopKey, type DpopPrivateJwk } from '../../src/main/auth/session/dpop-key.js';
import type { SecretStore } from '../../src/main/auth/session/secret-store.js';
import { createKeychainTokenStore, type StoredSession } from '../../src/main/auth/session/token-store.js';
import { startIdp, type IdpOptions, type RunningIdp } from '../../tools/idp/start-idp.js';
import { personSignsInAndOut, startApp, testClock, type TestClock } from '../support/app-harness.js';
import {
  accessTokenHash,
  boundThumbprint,
  readProof,
  recordingFetch,
  thumbprintOf,
  type WireRequest,
} from '../support/dpop-wire.js';
import { keychainUnavailableReason, type TestKeychain } from '../support/keychain.js';
import { startStoryServices, stopStoryServices } from '../support/story-services.js';
import { browserUnavailableReason, type SystemBrowser } from '../support/system-browser.js';

// DPoP (RFC 9449) end to end: the app's proofs at the real provider's token endpoint and demo API,
// the key in the real keychain, and what a thief can do with what crosses the wire. Tokens are only
// compared, never printed.

const skip = (await keychainUnavailableReason()) ?? browserUnavailableReason();
if (skip) process.stdout.write(`# skipping DPoP tests: ${skip}\n`);

let idp: RunningIdp;
let browser: SystemBrowser;
let keychain: TestKeychain;
let keytar: SecretStore;

/** One app run against `target`, every request recorded on the way out. */
function dpopApp(
  target: RunningIdp,
  label: string,
  options: { clock?: TestClock; env?: AuthEnv; profile?: Promise<BrowserContext> } = {},
) {
  const wire = recordingFetch();
  const app = startApp({
    idp: target,
    browser,
    keytar,
    act: personSignsInAndOut(target),
    env: { KEYCHAIN_SERVICE: keychain.serviceName(label), ...options.env },
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    deps: { network: { fetch: wire.fetch } },
  });
  return { ...app, wire: wire.requests, store: createKeychainTokenStore(keytar, app.config.keychainService) };
}

async function storedSession(app: ReturnType<typeof dpopApp>): Promise<StoredSession> {
  const loaded = await app.store.load();
  assert.equal(loaded.kind, 'found');
  if (loaded.kind !== 'found') throw new Error('unreachable');
  return loaded.session;
}

function tokenRequests(wire: readonly WireRequest[]): WireRequest[] {
  return wire.filter((request) => request.path === '/oauth/token');
}

function apiRequests(wire: readonly WireRequest[]): WireRequest[] {
  return wire.filter((request) => request.path === '/api/private');
}

/** Every request to the token endpoint and the API carried a proof signed with `key`, and the API got the DPoP scheme. */
async function assertSignedWith(wire: readonly WireRequest[], key: DpopPrivateJwk): Promise<void> {
  const jkt = await thumbprintOf(key);
  const signed = [...tokenRequests(wire), ...apiRequests(wire)];
  assert.ok(signed.length > 0);
  for (const request of signed) {
    assert.ok(request.proof, `${request.method} ${request.path} carried a DPoP proof`);
    const proof = await readProof(request.proof);
    assert.equal(proof.jkt, jkt, 'signed with the session key');
    assert.equal(proof.htm, request.method);
  }
  for (const request of apiRequests(wire)) {
    assert.equal(request.scheme, 'DPoP', 'the API is called with the DPoP scheme, never Bearer');
    assert.equal(
      (await readProof(request.proof ?? '')).ath,
      accessTokenHash(request.token ?? ''),
      'ath binds the token',
    );
  }
}

/** The provider's configuration, as a thief with the client id (public) would build it. */
function thiefsView(target: RunningIdp): Promise<client.Configuration> {
  return client.discovery(new URL(target.issuer), target.clientId, undefined, client.None(), {
    execute: [client.allowInsecureRequests],
  });
}

/** A DPoP proof for GET `url` with `token`, signed by a key of the caller's own (RFC 9449 §4.2). */
async function proofFrom(privateKey: CryptoKey, publicJwk: object, url: string, token: string): Promise<string> {
  return new SignJWT({
    jti: randomBytes(16).toString('base64url'),
    htm: 'GET',
    htu: url,
    iat: Math.floor(Date.now() / 1000),
    ath: accessTokenHash(token),
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: publicJwk })
    .sign(privateKey);
}

async function otherKey(): Promise<{ privateKey: CryptoKey; publicJwk: object; jwk: DpopPrivateJwk }> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const { kty, crv, x, y, d } = await exportJWK(privateKey);
  return {
    privateKey,
    publicJwk: await exportJWK(publicKey),
    jwk: { kty, crv, x, y, d } as DpopPrivateJwk,
  };
}

async function withProvider(options: IdpOptions, run: (target: RunningIdp) => Promise<void>): Promise<void> {
  const target = await startIdp(options);
  try {
    await run(target);
  } finally {
    await target.close();
  }
}

describe('DPoP: tokens bound to a key in the keychain', () => {
  before(async () => {
    if (skip) return;
    ({ idp, browser, keychain, keytar } = await startStoryServices());
  });
  after(() => stopStoryServices({ idp, browser, keychain }));

  test(
    'signs in, calls the API, renews, restarts, calls the API and signs out, every request with a proof of one key',
    { skip },
    async () => {
      const clock = testClock();
      const profile = browser.newProfile();
      const first = dpopApp(idp, 'story', { clock, profile });
      await first.service.restore();
      assert.equal((await first.service.login()).status, 'signed-in');
      await first.opener.settled();
      const signedIn = await storedSession(first);
      assert.equal(signedIn.tokens.tokenType, 'DPoP', 'token_type DPoP is recorded');
      const key = signedIn.dpopKey;
      assert.ok(key, 'the key is kept with the session, in the keychain');
      const jkt = await thumbprintOf(key);
      assert.equal(boundThumbprint(signedIn.tokens.accessToken), jkt, 'the access token is bound to that key');

      assert.equal((await first.service.callApi('private')).status, 200);
      clock.advance(3_600_000);
      const renewed = await first.service.getAccessToken();
      const afterRefresh = await storedSession(first);
      assert.equal(afterRefresh.tokens.accessToken, renewed);
      assert.equal(afterRefresh.tokens.tokenType, 'DPoP');
      assert.deepEqual(afterRefresh.dpopKey, key, 'a refresh keeps the key');
      assert.equal(boundThumbprint(renewed), jkt);
      assert.equal((await first.service.callApi('private')).status, 200);
      assert.equal(tokenRequests(first.wire).length, 2, 'the code exchange and one refresh');
      assert.equal(apiRequests(first.wire).length, 2);
      await assertSignedWith(first.wire, key);
      await first.service.dispose();

      // Restart: a new service on the same keychain signs with the same key.
      const second = dpopApp(idp, 'story', { clock, profile });
      assert.equal((await second.service.restore()).status, 'signed-in');
      assert.equal((await second.service.callApi('private')).status, 200);
      await assertSignedWith(second.wire, key);
      const refreshToken = (await storedSession(second)).tokens.refreshToken;
      assert.ok(refreshToken);

      assert.deepEqual(await second.service.logout(), { status: 'signed-out', afterLogout: true });
      await second.opener.settled();
      const revocations = second.wire.filter((request) => request.path === '/oauth/revoke');
      assert.deepEqual(
        revocations.map((request) => request.status),
        [200],
        'revoked once; RFC 7009 revocation takes no proof',
      );
      assert.equal((await second.store.load()).kind, 'empty', 'the key went with the session');
      // Revoked without a proof: even the right key cannot renew it now.
      const oidc = await thiefsView(idp);
      const handle = client.getDPoPHandle(oidc, await importDpopKey(key));
      await assert.rejects(client.refreshTokenGrant(oidc, refreshToken, undefined, { DPoP: handle }), {
        error: 'invalid_grant',
      });

      // A new sign-in makes a new key.
      const third = dpopApp(idp, 'story', { clock, profile });
      await third.service.restore();
      assert.equal((await third.service.login()).status, 'signed-in');
      const next = (await storedSession(third)).dpopKey;
      assert.ok(next);
      assert.notEqual(next.x, key.x, 'a new key after logout');
      await third.service.logout();
      await third.opener.settled();
      await third.service.dispose();
    },
  );

  test(
    'what a thief copies from the wire is refused: the token as Bearer, a replayed proof, a proof from another key, the refresh token without the key',
    { skip },
    async () => {
      const clock = testClock();
      const app = dpopApp(idp, 'thief', { clock });
      await app.service.restore();
      assert.equal((await app.service.login()).status, 'signed-in');
      await app.opener.settled();
      assert.equal((await app.service.callApi('private')).status, 200);
      const copied = apiRequests(app.wire).at(-1);
      assert.ok(copied?.token && copied.proof);
      const api = new URL('api/private', idp.issuer).href;
      const replay = (headers: Record<string, string>) => fetch(api, { headers });

      const asBearer = await replay({ Authorization: `Bearer ${copied.token}` });
      assert.equal(asBearer.status, 401, 'a DPoP-bound token sent as Bearer');
      const sameProof = await replay({ Authorization: `DPoP ${copied.token}`, DPoP: copied.proof });
      assert.equal(sameProof.status, 401, 'the copied proof again (its jti was used)');
      assert.match(sameProof.headers.get('www-authenticate') ?? '', /invalid_dpop_proof/);
      const thief = await otherKey();
      const ownProof = await proofFrom(thief.privateKey, thief.publicJwk, api, copied.token);
      const fromOtherKey = await replay({ Authorization: `DPoP ${copied.token}`, DPoP: ownProof });
      assert.equal(fromOtherKey.status, 401, 'a fresh proof from another key');

      // The refresh token out of the keychain entry, without the key that stays in it.
      const stolen = await storedSession(app);
      assert.ok(stolen.tokens.refreshToken && stolen.dpopKey);
      const oidc = await thiefsView(idp);
      await assert.rejects(client.refreshTokenGrant(oidc, stolen.tokens.refreshToken), { error: 'invalid_grant' });
      const thiefsHandle = client.getDPoPHandle(oidc, await importDpopKey(thief.jwk));
      await assert.rejects(
        client.refreshTokenGrant(oidc, stolen.tokens.refreshToken, undefined, { DPoP: thiefsHandle }),
        {
          error: 'invalid_grant',
        },
      );

      // Controls: a fresh proof from the session's key passes, and the thief's attempts cost the app nothing.
      const keyPair = await importDpopKey(stolen.dpopKey);
      const ownerProof = await proofFrom(keyPair.privateKey, await exportJWK(keyPair.publicKey), api, copied.token);
      assert.equal((await replay({ Authorization: `DPoP ${copied.token}`, DPoP: ownerProof })).status, 200);
      clock.advance(3_600_000);
      assert.equal((await app.service.callApi('private')).status, 200, 'the app renews and calls the API');
      assert.equal(tokenRequests(app.wire).at(-1)?.status, 200);
      assert.equal((await storedSession(app)).tokens.tokenType, 'DPoP');
      await app.service.dispose();
    },
  );

  test(
    'a provider asking for DPoP nonces at the token endpoint and the API: one retry each, and the nonce is remembered',
    { skip },
    async () => {
      await withProvider({ dpop: { nonce: 'both' } }, async (target) => {
        const clock = testClock();
        const first = dpopApp(target, 'nonces', { clock });
        await first.service.restore();
        assert.equal((await first.service.login()).status, 'signed-in');
        await first.opener.settled();
        assert.deepEqual(
          tokenRequests(first.wire).map((request) => [request.status, request.error]),
          [
            [400, 'use_dpop_nonce'],
            [200, undefined],
          ],
          'the code exchange is retried once, with the nonce',
        );
        assert.equal((await readProof(tokenRequests(first.wire)[1]?.proof ?? '')).nonce !== undefined, true);
        // Same origin, same handle: the API and the refresh already carry the nonce.
        assert.equal((await first.service.callApi('private')).status, 200);
        clock.advance(3_600_000);
        await first.service.getAccessToken();
        assert.equal(apiRequests(first.wire).length, 1, 'no nonce round trip at the API');
        assert.equal(tokenRequests(first.wire).length, 3, 'nor at the refresh');
        await first.service.dispose();

        // A new run has no nonce yet: the API asks for one, once.
        const second = dpopApp(target, 'nonces', { clock });
        assert.equal((await second.service.restore()).status, 'signed-in');
        assert.equal((await second.service.callApi('private')).status, 200);
        assert.deepEqual(
          apiRequests(second.wire).map((request) => [request.status, request.error]),
          [
            [401, 'use_dpop_nonce'],
            [200, undefined],
          ],
        );
        const key = (await storedSession(second)).dpopKey;
        assert.ok(key);
        await assertSignedWith([...first.wire, ...second.wire], key);
        await second.service.dispose();
      });
    },
  );

  test(
    'a keychain entry whose key is missing or damaged signs out with "sign in again", and nothing is sent as Bearer',
    { skip },
    async () => {
      const clock = testClock();
      const first = dpopApp(idp, 'lost-key', { clock });
      await first.service.restore();
      assert.equal((await first.service.login()).status, 'signed-in');
      await first.opener.settled();
      await first.service.dispose();
      const saved = await storedSession(first);
      assert.ok(saved.dpopKey);
      const { dpopKey: _dropped, ...withoutKey } = saved;
      const damaged: StoredSession = { ...saved, dpopKey: { ...saved.dpopKey, d: (await otherKey()).jwk.d } };

      for (const [what, entry] of [
        ['without the key', withoutKey],
        ['with a damaged key', damaged],
      ] as const) {
        await first.store.save(entry);
        const restarted = dpopApp(idp, 'lost-key', { clock });
        const state = await restarted.service.restore();
        assert.deepEqual(
          state,
          { status: 'signed-out', reason: { code: 'session_expired', message: DPOP_KEY_LOST_MESSAGE } },
          what,
        );
        assert.equal((await restarted.store.load()).kind, 'empty', `${what}: the entry is removed`);
        await assert.rejects(restarted.service.callApi('private'), { code: 'not_signed_in' });
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.deepEqual(
          restarted.wire.filter((request) => request.scheme !== undefined || request.path === '/oauth/token'),
          [],
          `${what}: no token request and no token sent, Bearer or otherwise`,
        );
        await restarted.service.dispose();
      }
    },
  );

  test('AUTH0_DPOP=false: Bearer tokens although the provider offers DPoP', { skip }, async () => {
    const clock = testClock();
    const app = dpopApp(idp, 'dpop-off', { clock, env: { AUTH0_DPOP: 'false' } });
    await app.service.restore();
    assert.equal((await app.service.login()).status, 'signed-in');
    await app.opener.settled();
    clock.advance(3_600_000);
    assert.equal((await app.service.callApi('private')).status, 200);
    const session = await storedSession(app);
    assert.equal(session.tokens.tokenType, undefined);
    assert.equal(session.dpopKey, undefined, 'no key is made');
    assert.equal(boundThumbprint(session.tokens.accessToken), undefined);
    assert.equal(tokenRequests(app.wire).length, 2, 'sign-in and refresh');
    assert.deepEqual(
      [...tokenRequests(app.wire), ...apiRequests(app.wire)].filter((request) => request.proof !== undefined),
      [],
      'no proof anywhere',
    );
    assert.deepEqual(
      apiRequests(app.wire).map((request) => request.scheme),
      ['Bearer'],
    );
    await app.service.dispose();
  });

  test(
    'a provider without DPoP: Bearer tokens when unset; AUTH0_DPOP=true asks anyway, gets Bearer tokens and uses them as such',
    { skip },
    async () => {
      await withProvider({ dpop: { enabled: false } }, async (target) => {
        for (const setting of [undefined, 'true']) {
          const clock = testClock();
          const app = dpopApp(target, `no-dpop-${setting ?? 'auto'}`, {
            clock,
            env: setting === undefined ? {} : { AUTH0_DPOP: setting },
          });
          await app.service.restore();
          assert.equal((await app.service.login()).status, 'signed-in', `AUTH0_DPOP=${setting ?? ''}`);
          await app.opener.settled();
          clock.advance(3_600_000);
          assert.equal((await app.service.callApi('private')).status, 200);
          const session = await storedSession(app);
          assert.equal(session.tokens.tokenType, undefined);
          assert.equal(session.dpopKey, undefined, 'no key is kept for Bearer tokens');
          const [exchange, refresh] = tokenRequests(app.wire);
          assert.equal(
            exchange?.proof !== undefined,
            setting === 'true',
            'the code exchange asks for DPoP only when told to',
          );
          assert.equal(refresh?.proof, undefined, 'the refresh of Bearer tokens carries none');
          assert.deepEqual(
            apiRequests(app.wire).map((request) => [request.scheme, request.proof]),
            [['Bearer', undefined]],
          );
          const downgrade = app.logs.lines.filter((line) => line.includes('issued Bearer tokens'));
          assert.equal(downgrade.length, setting === 'true' ? 1 : 0, 'said once, in the log');
          await app.service.dispose();
        }

        // The doctor says the same: nothing to use, and a warning naming the settings when asked for anyway.
        for (const [setting, verdict] of [
          [undefined, 'pass'],
          ['true', 'warn'],
        ] as const) {
          const report = await runDoctor(
            {
              [DEMO_ISSUER_VARIABLE]: target.issuer,
              AUTH0_AUDIENCE: target.audience,
              KEYCHAIN_SERVICE: keychain.serviceName('dpop-doctor'),
              ...(setting === undefined ? {} : { AUTH0_DPOP: setting }),
            },
            { secretStore: () => keytar, findElectronBinary: () => undefined, networkTimeoutMs: 3_000 },
          );
          const check = report.checks.find((entry) => entry.id === 'dpop');
          assert.equal(check?.verdict, verdict, JSON.stringify(check));
          assert.match(check?.detail ?? '', /does not advertise DPoP/);
          if (verdict === 'warn') assert.match(check?.fix ?? '', /Token Sender-Constraining/);
          assert.equal(report.ok, true, 'a warning, not a failure');
        }
      });
    },
  );
});
