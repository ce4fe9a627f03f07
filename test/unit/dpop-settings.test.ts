import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type * as client from 'openid-client';
import { AuthError } from '../../src/main/auth/auth-error.js';
import { bakeSettings, readBakedSettings, writeBakedSettings } from '../../src/main/auth/config/baked-settings.js';
import { loadConfig, type AuthEnv } from '../../src/main/auth/config/config.js';
import { AUTH0_DPOP_SETTINGS, checkDpop } from '../../src/main/auth/doctor/dpop-check.js';
import { usesDpop } from '../../src/main/auth/oidc/dpop-proofs.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TENANT: AuthEnv = { AUTH0_DOMAIN: 'tenant.us.auth0.com', AUTH0_CLIENT_ID: 'client1' };

function metadata(dpopAlgs?: unknown): client.ServerMetadata {
  return {
    issuer: 'https://tenant.us.auth0.com/',
    ...(dpopAlgs !== undefined ? { dpop_signing_alg_values_supported: dpopAlgs } : {}),
  } as client.ServerMetadata;
}

describe('AUTH0_DPOP', () => {
  test('unset (or blank) is auto, true is always, false is never, in any case', () => {
    assert.equal(loadConfig(TENANT).dpop, 'auto');
    assert.equal(loadConfig({ ...TENANT, AUTH0_DPOP: '  ' }).dpop, 'auto');
    assert.equal(loadConfig({ ...TENANT, AUTH0_DPOP: 'true' }).dpop, 'always');
    assert.equal(loadConfig({ ...TENANT, AUTH0_DPOP: ' TRUE ' }).dpop, 'always');
    assert.equal(loadConfig({ ...TENANT, AUTH0_DPOP: 'false' }).dpop, 'never');
    assert.equal(loadConfig({ ...TENANT, AUTH0_DPOP: 'False' }).dpop, 'never');
  });

  for (const value of ['yes', '1', 'on', 'auto', 'ES256']) {
    test(`"${value}" is a configuration error that names the accepted values`, () => {
      assert.throws(
        () => loadConfig({ ...TENANT, AUTH0_DPOP: value }),
        (error: unknown) =>
          error instanceof AuthError &&
          error.code === 'config_invalid' &&
          error.message.includes(`AUTH0_DPOP must be true or false, or left unset (it is "${value}")`),
      );
    });
  }

  test('a packaged build carries it, and the packaged app reads it back', () => {
    const baked = bakeSettings({ ...TENANT, AUTH0_DPOP: 'false' });
    assert.equal(baked.AUTH0_DPOP, 'false');
    const dir = mkdtempSync(join(tmpdir(), 'dpop-baked-'));
    try {
      assert.equal(loadConfig(readBakedSettings(writeBakedSettings(baked, dir))).dpop, 'never');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.throws(() => bakeSettings({ ...TENANT, AUTH0_DPOP: 'maybe' }), { code: 'config_invalid' });
  });
});

describe('whether a sign-in asks for DPoP', () => {
  test('auto follows ES256 in dpop_signing_alg_values_supported; always and never ignore discovery', () => {
    assert.equal(usesDpop('auto', metadata(['ES256', 'RS256'])), true);
    assert.equal(usesDpop('auto', metadata(['RS256', 'EdDSA'])), false, 'the app signs ES256 only');
    assert.equal(usesDpop('auto', metadata()), false);
    assert.equal(usesDpop('auto', metadata('ES256')), false, 'not a list');
    assert.equal(usesDpop('always', metadata()), true);
    assert.equal(usesDpop('never', metadata(['ES256'])), false);
  });
});

describe('the doctor’s DPoP check', () => {
  const config = (dpop?: string) => loadConfig({ ...TENANT, ...(dpop ? { AUTH0_DPOP: dpop } : {}) });

  test('a tenant offering ES256 passes and says the app binds its tokens, naming the algorithms', () => {
    const check = checkDpop(config(), metadata(['ES256', 'PS256']));
    assert.equal(check.verdict, 'pass');
    assert.equal(check.title, 'DPoP sender-constrained tokens: ES256');
    assert.match(check.detail, /advertises DPoP with ES256, PS256\. AUTH0_DPOP is unset \(auto\), so the app binds/);
  });

  test('auto with a tenant without DPoP passes with Bearer tokens and says where to turn it on', () => {
    const check = checkDpop(config(), metadata());
    assert.equal(check.verdict, 'pass');
    assert.match(check.detail, /does not advertise DPoP .*so the app uses Bearer tokens/);
    assert.ok(check.detail.includes(AUTH0_DPOP_SETTINGS));
  });

  test('AUTH0_DPOP=true with a tenant that does not advertise it is a warning naming both dashboard settings', () => {
    for (const tenant of [metadata(), metadata(['RS256'])]) {
      const check = checkDpop(config('true'), tenant);
      assert.equal(check.verdict, 'warn');
      assert.ok(check.fix?.includes('Applications > Applications > (your app) > Settings > Token Sender-Constraining'));
      assert.ok(check.fix?.includes('APIs > (your API) > Settings > Token Sender-Constraining'));
    }
    assert.match(checkDpop(config('true'), metadata(['RS256'])).detail, /with RS256, not ES256/);
  });

  test('AUTH0_DPOP=false passes either way and says Bearer', () => {
    for (const tenant of [metadata(['ES256']), metadata()]) {
      const check = checkDpop(config('false'), tenant);
      assert.equal(check.verdict, 'pass');
      assert.match(check.detail, /AUTH0_DPOP is false, so the app uses Bearer tokens\.$/);
    }
  });

  test('an algorithm name that is not plain text is not echoed', () => {
    const check = checkDpop(config(), metadata(['ES256', '<script>alert(1)</script>']));
    assert.match(check.detail, /ES256, an unrecognised algorithm/);
    assert.ok(!check.detail.includes('<script>'));
  });
});
