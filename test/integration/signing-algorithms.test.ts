import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { DEMO_ISSUER_VARIABLE, type AuthEnv } from '../../src/main/auth/config/config.js';
import type { CheckResult, DoctorReport } from '../../src/main/auth/doctor/check-result.js';
import { formatDoctorReport } from '../../src/main/auth/doctor/format-report.js';
import { runDoctor } from '../../src/main/auth/doctor/run-doctor.js';
import type { SecretStore } from '../../src/main/auth/session/secret-store.js';
import { createKeychainTokenStore } from '../../src/main/auth/session/token-store.js';
import type { AuthState } from '../../src/shared/auth-state.js';
import { startIdp, type IdpIdTokenAlg, type RunningIdp } from '../../tools/idp/start-idp.js';
import { personSignsIn, personSignsInAndOut, startApp, testClock } from '../support/app-harness.js';
import { keychainUnavailableReason, startKeychain, type TestKeychain } from '../support/keychain.js';
import { createMemorySecretStore } from '../support/memory-secret-store.js';
import { browserUnavailableReason, launchSystemBrowser, type SystemBrowser } from '../support/system-browser.js';

// An Auth0 application signs its ID tokens with RS256, PS256 or HS256 (Advanced Settings >
// OAuth > JsonWebToken Signature Algorithm), other providers with ES256 and the like. The local
// provider signs with each, so these are real signatures verified against a real JWKS.

const skip = (await keychainUnavailableReason()) ?? browserUnavailableReason();
if (skip) process.stdout.write(`# skipping sign-in tests per signing algorithm: ${skip}\n`);

let browser: SystemBrowser;
let keychain: TestKeychain;
let keytar: SecretStore;
/** One provider per algorithm, started on first use and shared by every test in this file. */
const providers = new Map<IdpIdTokenAlg, Promise<RunningIdp>>();

function provider(alg: IdpIdTokenAlg): Promise<RunningIdp> {
  let started = providers.get(alg);
  if (!started) {
    started = startIdp({ idTokenSigningAlg: alg });
    providers.set(alg, started);
  }
  return started;
}

after(async () => {
  await Promise.all([...providers.values()].map(async (started) => (await started).close()));
});

/** The `alg` and `auth_time` of the ID token the app saved in the keychain for `service`. */
async function savedIdTokenAlg(service: string): Promise<{ alg: string | undefined; authTime: unknown }> {
  const saved = await createKeychainTokenStore(keytar, service).load();
  assert.equal(saved.kind, 'found', 'a session is saved');
  const idToken = saved.kind === 'found' ? saved.session.tokens.idToken : undefined;
  assert.ok(idToken, 'with its ID token');
  return { alg: decodeProtectedHeader(idToken).alg, authTime: decodeJwt(idToken).auth_time };
}

function errorOf(state: AuthState): { code: string; message: string } {
  assert.equal(state.status, 'error', JSON.stringify(state));
  return state.status === 'error' ? state.error : { code: '', message: '' };
}

describe('signing in with each algorithm a tenant signs ID tokens with', () => {
  before(async () => {
    if (skip) return;
    keychain = await startKeychain();
    keytar = keychain.keytar;
    browser = await launchSystemBrowser();
  });
  after(async () => {
    await browser?.close();
    await keychain?.close();
  });

  for (const alg of ['RS256', 'PS256', 'ES256'] as const) {
    test(`${alg}: signs in, restarts signed in, renews, calls the API and signs out`, { skip }, async () => {
      const idp = await provider(alg);
      const clock = testClock();
      const env = { KEYCHAIN_SERVICE: keychain.serviceName(`alg-${alg}`) };
      const profile = browser.newProfile();

      const first = startApp({ idp, browser, keytar, act: personSignsInAndOut(idp), env, clock, profile });
      const signedIn = await first.service.login();
      assert.equal(signedIn.status, 'signed-in', JSON.stringify(signedIn));
      await first.opener.settled();
      const service = first.config.keychainService;
      assert.equal((await savedIdTokenAlg(service)).alg, alg, `the provider signed the ID token with ${alg}`);
      await first.service.dispose();

      // A new app instance on the same keychain shows the person at once.
      const second = startApp({ idp, browser, keytar, act: personSignsInAndOut(idp), env, clock, profile });
      const restored = await second.service.restore();
      assert.equal(restored.status, 'signed-in');
      assert.equal(restored.status === 'signed-in' && restored.profile.email, idp.users[0].email);

      // An hour later the renewal brings a new ID token, signed the same way: a refused one would
      // end the session instead (OIDC Core §12.2), so a new access token means it was accepted.
      const before = await createKeychainTokenStore(keytar, service).load();
      clock.advance(3_600_000);
      const tokenRequests = idp.countRequests('/oauth/token');
      const accessToken = await second.service.getAccessToken();
      assert.equal(idp.countRequests('/oauth/token') - tokenRequests, 1, 'one renewal');
      assert.ok(before.kind === 'found' && accessToken !== before.session.tokens.accessToken, 'a new access token');
      assert.equal(second.service.getState().status, 'signed-in');
      assert.equal((await savedIdTokenAlg(service)).alg, alg);

      const api = await second.service.callApi('private');
      assert.equal(api.status, 200, 'the demo API accepts the access token');
      assert.equal((api.body as { sub?: string }).sub, restored.status === 'signed-in' ? restored.profile.sub : '');

      const loggedOut = await second.service.logout();
      await second.opener.settled();
      assert.deepEqual(loggedOut, { status: 'signed-out', afterLogout: true });
      assert.deepEqual(await keytar.findCredentials(service), []);
      await second.service.dispose();
    });
  }

  test('AUTH0_ID_TOKEN_ALG=ES256 against a tenant that signs with ES256 signs in', { skip }, async () => {
    const idp = await provider('ES256');
    const env = { KEYCHAIN_SERVICE: keychain.serviceName('pinned-es256'), AUTH0_ID_TOKEN_ALG: 'ES256' };
    const { service, opener, config } = startApp({ idp, browser, keytar, env });
    assert.equal(config.idTokenAlg, 'ES256');
    const signedIn = await service.login();
    await opener.settled();
    assert.equal(signedIn.status, 'signed-in', JSON.stringify(signedIn));
    assert.equal((await savedIdTokenAlg(config.keychainService)).alg, 'ES256');
    await service.dispose();
  });

  test('EdDSA (Ed25519), which some providers use, signs in', { skip }, async () => {
    const idp = await provider('EdDSA');
    const { service, opener, config } = startApp({
      idp,
      browser,
      keytar,
      env: { KEYCHAIN_SERVICE: keychain.serviceName('eddsa') },
    });
    const signedIn = await service.login();
    await opener.settled();
    assert.equal(signedIn.status, 'signed-in', JSON.stringify(signedIn));
    assert.equal((await savedIdTokenAlg(config.keychainService)).alg, 'EdDSA');
    await service.dispose();
  });

  /** The person signs in; the app refuses the answer, and the browser tab says so. */
  const refusedInBrowser =
    (idp: RunningIdp) =>
    async (page: Parameters<ReturnType<typeof personSignsIn>>[0]): Promise<void> => {
      await personSignsIn(idp)(page);
      await page.getByText('Sign-in did not complete').waitFor();
    };

  test(
    'AUTH0_ID_TOKEN_ALG=RS256 against a tenant that signs with ES256 is refused, naming both, and nothing is saved',
    { skip },
    async () => {
      const idp = await provider('ES256');
      const env = { KEYCHAIN_SERVICE: keychain.serviceName('pinned-rs256'), AUTH0_ID_TOKEN_ALG: 'RS256' };
      const { service, opener, config, logs } = startApp({ idp, browser, keytar, act: refusedInBrowser(idp), env });
      const final = await service.login();
      await opener.settled();
      const error = errorOf(final);
      assert.equal(error.code, 'id_token_invalid');
      assert.match(error.message, /was signed with ES256, but AUTH0_ID_TOKEN_ALG allows only RS256/);
      assert.match(error.message, /Set AUTH0_ID_TOKEN_ALG to ES256 or remove it/);
      assert.deepEqual(await keytar.findCredentials(config.keychainService), []);
      assert.doesNotMatch(logs.text(), /eyJ/, 'no JWT in the log');
      await service.dispose();
    },
  );

  test("the fault injector re-signs an ES256 tenant's ID tokens with its EC key", { skip }, async () => {
    const idp = await provider('ES256');
    try {
      // A validly re-signed token (one changed claim) is accepted...
      const authTime = Math.floor(Date.now() / 1000) - 30;
      idp.faults.authTime(authTime);
      const first = startApp({ idp, browser, keytar, env: { KEYCHAIN_SERVICE: keychain.serviceName('resigned') } });
      const signedIn = await first.service.login();
      await first.opener.settled();
      assert.equal(signedIn.status, 'signed-in', JSON.stringify(signedIn));
      assert.deepEqual(await savedIdTokenAlg(first.config.keychainService), { alg: 'ES256', authTime });
      await first.service.dispose();

      // ...and one signed by an EC key the JWKS does not have is refused.
      idp.faults.authTime(null);
      idp.faults.idToken('unknown-key');
      const env = { KEYCHAIN_SERVICE: keychain.serviceName('stranger') };
      const second = startApp({ idp, browser, keytar, act: refusedInBrowser(idp), env });
      const error = errorOf(await second.service.login());
      await second.opener.settled();
      assert.equal(error.code, 'id_token_invalid');
      assert.match(error.message, /could not be verified/);
      assert.deepEqual(await keytar.findCredentials(second.config.keychainService), []);
      await second.service.dispose();
    } finally {
      idp.faults.clear();
    }
  });

  test(
    'an HS256 ID token is refused with the dashboard setting to change, though discovery advertises HS256',
    { skip },
    async () => {
      const idp = await provider('HS256');
      const discovery = (await (await fetch(`${idp.issuer}.well-known/openid-configuration`)).json()) as {
        id_token_signing_alg_values_supported: string[];
      };
      assert.ok(discovery.id_token_signing_alg_values_supported.includes('HS256'), 'advertised, as Auth0 does');

      const env = { KEYCHAIN_SERVICE: keychain.serviceName('hs256') };
      const { service, opener, config, logs } = startApp({ idp, browser, keytar, act: refusedInBrowser(idp), env });
      const final = await service.login();
      await opener.settled();
      const error = errorOf(final);
      assert.equal(error.code, 'id_token_invalid');
      assert.match(error.message, /was signed with HS256, a shared-secret algorithm/);
      assert.match(
        error.message,
        /Auth0 dashboard > Applications > Applications > \(your app\) > Settings > Advanced Settings > OAuth > JsonWebToken Signature Algorithm, choose RS256 \(or PS256\)/,
      );
      assert.deepEqual(await keytar.findCredentials(config.keychainService), [], 'nothing in the keychain');
      assert.doesNotMatch(logs.text(), /eyJ/, 'no JWT in the log');
      await service.dispose();
    },
  );
});

describe('npm run doctor names the algorithm the tenant signs with', () => {
  /** The doctor against a provider; its keychain probe goes to memory, it is not the subject here. */
  async function doctor(alg: IdpIdTokenAlg, extra: AuthEnv = {}): Promise<{ check: CheckResult; text: string }> {
    const idp = await provider(alg);
    const memory = createMemorySecretStore();
    const report: DoctorReport = await runDoctor(
      { [DEMO_ISSUER_VARIABLE]: idp.issuer, AUTH0_AUDIENCE: idp.audience, ...extra },
      { secretStore: () => memory, findElectronBinary: () => undefined, networkTimeoutMs: 3000 },
    );
    const check = report.checks.find((entry) => entry.id === 'id-token-alg');
    assert.ok(check, 'the report has the signing algorithm check');
    return { check, text: formatDoctorReport(report) };
  }

  test('an RS256 tenant passes, and the line names RS256', async () => {
    const { check, text } = await doctor('RS256');
    assert.equal(check.verdict, 'pass', check.detail);
    assert.match(check.detail, /discovery advertises RS256, and the JWKS has RSA \(alg RS256\)/);
    assert.match(text, /^PASS {2}ID token signing algorithm: RS256$/m);
  });

  test('an ES256 tenant passes, naming ES256 and its EC P-256 key', async () => {
    const { check, text } = await doctor('ES256');
    assert.equal(check.verdict, 'pass', check.detail);
    assert.match(check.detail, /signs ID tokens with ES256/);
    assert.match(check.detail, /EC P-256 \(alg ES256\)/);
    assert.match(text, /^PASS {2}ID token signing algorithm: ES256$/m);
  });

  test('a tenant that offers HS256, as every Auth0 tenant does, warns and names the setting', async () => {
    const { check, text } = await doctor('HS256');
    assert.equal(check.verdict, 'warn', check.detail);
    assert.match(check.detail, /Discovery advertises HS256, PS256, RS256; the app accepts PS256, RS256/);
    assert.match(check.detail, /An application set to HS256 cannot sign in/);
    assert.match(check.fix ?? '', /JsonWebToken Signature Algorithm is PS256 or RS256/);
    assert.match(check.fix ?? '', /set AUTH0_ID_TOKEN_ALG/);
    assert.match(text, /^WARN {2}ID token signing algorithm: PS256, RS256\n/m);
  });

  test('AUTH0_ID_TOKEN_ALG that the tenant advertises passes; one it has no key for fails', async () => {
    const pinned = await doctor('HS256', { AUTH0_ID_TOKEN_ALG: 'RS256' });
    assert.equal(pinned.check.verdict, 'pass', pinned.check.detail);
    assert.match(pinned.check.detail, /AUTH0_ID_TOKEN_ALG pins RS256: discovery advertises HS256, PS256, RS256/);

    const wrong = await doctor('RS256', { AUTH0_ID_TOKEN_ALG: 'ES256' });
    assert.equal(wrong.check.verdict, 'fail', wrong.check.detail);
    assert.match(
      wrong.check.detail,
      /AUTH0_ID_TOKEN_ALG is ES256, but the tenant's JWKS has no key that verifies ES256/,
    );
    assert.match(wrong.text, /^FAIL {2}ID token signing algorithm\n/m);
  });
});
