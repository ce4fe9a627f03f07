import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/main/auth/config/config.js';
import { startIdp, type IdpOptions, type RunningIdp } from '../../tools/idp/start-idp.js';
import { demoConfig } from '../support/app-harness.js';
import { keychainUnavailableReason, startKeychain, type TestKeychain } from '../support/keychain.js';
import { browserUnavailableReason, launchSystemBrowser, type SystemBrowser } from '../support/system-browser.js';
import { runTenantStory, type StoryExpectations, type StoryRecord } from '../support/tenant-story.js';
import { createTestCa, testCaUnavailableReason, trustInThisProcess, type TestCa } from '../support/test-ca.js';

const skip = (await keychainUnavailableReason()) ?? browserUnavailableReason();
if (skip) process.stdout.write(`# skipping tenant shape tests: ${skip}\n`);
const noTls = skip ?? testCaUnavailableReason();
if (noTls && !skip) process.stdout.write(`# skipping the HTTPS tenant shape: ${noTls}\n`);

/** One way a tenant can be configured, and what the person's story must still be. */
interface TenantShape {
  readonly name: string;
  readonly idp: IdpOptions;
  readonly expect: StoryExpectations;
  /** Settings as a real tenant's .env gives them (AUTH0_DOMAIN over HTTPS) instead of demo mode. */
  readonly realTenant?: { readonly withApi: boolean };
  readonly check?: (record: StoryRecord) => void;
}

/** Every shape here is listed in the README's "Tenant shapes the tests cover" table. */
const SHAPES: readonly TenantShape[] = [
  {
    name: 'refresh token rotation off',
    idp: { refreshTokenRotation: false },
    expect: { refreshes: true, rotates: false },
  },
  {
    name: 'no refresh tokens (Refresh Token grant off)',
    idp: { grantTypes: ['authorization_code'] },
    expect: {
      refreshes: false,
      checkStored: (session) => assert.equal(session.tokens.refreshToken, undefined),
    },
  },
  {
    name: 'a 26 KB ID token (large custom claims)',
    idp: { idTokenExtraClaimBytes: 19_500 },
    expect: {
      refreshes: true,
      checkStored: (session) =>
        assert.ok(
          (session.tokens.idToken?.length ?? 0) > 25_000,
          `the ID token is ${session.tokens.idToken?.length} characters`,
        ),
    },
    check: ({ logoutUrl }) => {
      // DESIGN checklist 12: no token in any URL, so the logout URL stays short whatever the token's size.
      assert.ok(logoutUrl && logoutUrl.href.length < 1_000, `logout URL is ${logoutUrl?.href.length} characters`);
      assert.doesNotMatch(logoutUrl.href, /eyJ/);
    },
  },
  {
    name: 'no end_session_endpoint in discovery (Auth0 /v2/logout)',
    idp: { endSessionInDiscovery: false },
    expect: { refreshes: true },
    check: ({ logoutUrl }) => assert.equal(logoutUrl?.pathname, '/v2/logout'),
  },
  {
    name: 'ES256-signed ID tokens',
    idp: { idTokenSigningAlg: 'ES256' },
    expect: { refreshes: true, checkStored: idTokenSignedWith('ES256') },
  },
  {
    name: 'PS256-signed ID tokens (RSA key labelled RS256, as Auth0 publishes it)',
    idp: { idTokenSigningAlg: 'PS256' },
    expect: { refreshes: true, checkStored: idTokenSignedWith('PS256') },
  },
  {
    name: '10 s access tokens',
    idp: { accessTokenTtlSeconds: 10 },
    expect: { refreshes: true },
  },
  {
    name: 'HTTPS tenant on AUTH0_DOMAIN with a private CA',
    idp: {},
    expect: { refreshes: true },
    realTenant: { withApi: true },
    check: ({ logoutUrl }) => assert.equal(logoutUrl?.protocol, 'https:'),
  },
  {
    name: 'HTTPS tenant without AUTH0_AUDIENCE (opaque access token, no API)',
    idp: {},
    expect: {
      refreshes: true,
      checkStored: (session) => assert.doesNotMatch(session.tokens.accessToken, /^eyJ/, 'not a JWT'),
    },
    realTenant: { withApi: false },
  },
];

/** The stored ID token's header names `alg`. */
function idTokenSignedWith(alg: string): StoryExpectations['checkStored'] {
  return (session) => {
    const header = JSON.parse(Buffer.from(session.tokens.idToken?.split('.')[0] ?? '', 'base64url').toString()) as {
      alg?: string;
    };
    assert.equal(header.alg, alg);
  };
}

let browser: SystemBrowser;
let keychain: TestKeychain;
let ca: TestCa | undefined;

describe('the whole story on each tenant shape', () => {
  before(async () => {
    if (skip) return;
    if (!noTls) {
      ca = createTestCa();
      trustInThisProcess(ca);
    }
    keychain = await startKeychain();
    browser = await launchSystemBrowser(ca ? { trustedSpkiHashes: [ca.serverSpkiHash] } : {});
  });
  after(async () => {
    await browser?.close();
    await keychain?.close();
  });

  for (const shape of SHAPES) {
    test(
      `sign-in, restart, token expiry, API and logout everywhere: ${shape.name}`,
      { skip: shape.realTenant ? noTls : skip },
      async () => {
        let idp: RunningIdp | undefined;
        try {
          idp = await startIdp({
            ...shape.idp,
            ...(shape.realTenant && ca ? { tls: { key: ca.serverKeyPem, cert: ca.serverCertPem } } : {}),
          });
          const service = keychain.serviceName(shape.name.replace(/\W+/g, '-').slice(0, 40));
          const config = shape.realTenant
            ? loadConfig({
                AUTH0_DOMAIN: new URL(idp.issuer).host,
                AUTH0_CLIENT_ID: idp.clientId,
                ...(shape.realTenant.withApi
                  ? { AUTH0_AUDIENCE: idp.audience, API_BASE_URL: new URL('api/', idp.issuer).href }
                  : {}),
                KEYCHAIN_SERVICE: service,
                LOGIN_TIMEOUT_SECONDS: '20',
              })
            : demoConfig(idp, { KEYCHAIN_SERVICE: service });
          if (shape.realTenant) assert.equal(config.demo, false, 'the real-tenant path, not demo mode');
          const record = await runTenantStory({ idp, browser, keytar: keychain.keytar, config, expect: shape.expect });
          shape.check?.(record);
        } finally {
          await idp?.close();
        }
      },
    );
  }
});
