import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthError } from '../../src/main/auth/auth-error.js';
import {
  BAKED_SETTING_NAMES,
  BAKED_SETTINGS_FILE,
  bakeSettings,
  readBakedSettings,
  writeBakedSettings,
} from '../../src/main/auth/config/baked-settings.js';
import { DEMO_ISSUER_VARIABLE, loadConfig, type AuthEnv } from '../../src/main/auth/config/config.js';

const TENANT: AuthEnv = { AUTH0_DOMAIN: 'tenant.us.auth0.com', AUTH0_CLIENT_ID: 'abcDEF123' };

/** Runs `action` expecting a config_invalid AuthError and returns its message. */
function configError(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof AuthError, `expected an AuthError, got ${String(error)}`);
    assert.equal(error.code, 'config_invalid');
    return error.message;
  }
  assert.fail('expected a config_invalid error');
}

function withTempDir(run: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'baked-settings-'));
  try {
    run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('bakeSettings: what a package may carry', () => {
  test('keeps only the public settings that are set, trimmed', () => {
    const baked = bakeSettings({
      ...TENANT,
      AUTH0_AUDIENCE: ' https://api.example.com ',
      AUTH0_CALLBACK_URL: 'http://127.0.0.1:28460/callback',
      AUTH0_CALLBACK_PORTS: '28461,28462',
      AUTH0_SCOPE: '',
      LOGIN_TIMEOUT_SECONDS: '120',
      API_BASE_URL: 'https://api.example.com/',
      KEYCHAIN_SERVICE: 'Someone else',
      PATH: '/usr/bin',
      HOME: '/home/builder',
    });
    assert.deepEqual(baked, {
      AUTH0_DOMAIN: 'tenant.us.auth0.com',
      AUTH0_CLIENT_ID: 'abcDEF123',
      AUTH0_AUDIENCE: 'https://api.example.com',
      AUTH0_CALLBACK_URL: 'http://127.0.0.1:28460/callback',
      AUTH0_CALLBACK_PORTS: '28461,28462',
      API_BASE_URL: 'https://api.example.com/',
      LOGIN_TIMEOUT_SECONDS: '120',
    });
  });

  test('refuses a build with no tenant, naming what is missing and that the demo provider is not packaged', () => {
    const message = configError(() => bakeSettings({ [DEMO_ISSUER_VARIABLE]: 'http://127.0.0.1:4400/' }));
    assert.match(message, /AUTH0_DOMAIN and AUTH0_CLIENT_ID are not set/);
    assert.match(message, /demo identity provider \(DESKTOP_LOGIN_DEMO_ISSUER\) is never packaged/);
    assert.match(
      configError(() => bakeSettings({ AUTH0_DOMAIN: 'tenant.us.auth0.com' })),
      /AUTH0_CLIENT_ID is not/,
    );
  });

  test('never bakes the demo issuer, even next to a real tenant', () => {
    const baked = bakeSettings({ ...TENANT, [DEMO_ISSUER_VARIABLE]: 'http://127.0.0.1:4400/' });
    assert.equal(DEMO_ISSUER_VARIABLE in baked, false);
    assert.equal(loadConfig(baked).demo, false);
  });

  test('refuses a client secret and any setting the app would reject', () => {
    assert.match(
      configError(() => bakeSettings({ ...TENANT, AUTH0_CLIENT_SECRET: 's3cret' })),
      /cannot keep a secret/,
    );
    assert.match(
      configError(() => bakeSettings({ ...TENANT, AUTH0_DOMAIN: 'https://tenant.us.auth0.com' })),
      /bare host name/,
    );
    assert.match(
      configError(() => bakeSettings({ ...TENANT, AUTH0_CALLBACK_URL: 'http://localhost:28460/callback' })),
      /not localhost/,
    );
  });
});

describe('readBakedSettings: what a packaged app accepts', () => {
  test('round-trips what writeBakedSettings wrote, and loadConfig accepts it', () => {
    withTempDir((dir) => {
      const baked = bakeSettings({ ...TENANT, AUTH0_AUDIENCE: 'https://api.example.com' });
      const path = writeBakedSettings(baked, dir);
      assert.equal(path, join(dir, BAKED_SETTINGS_FILE));
      assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), baked);
      const config = loadConfig(readBakedSettings(path));
      assert.equal(config.issuer.href, 'https://tenant.us.auth0.com/');
      assert.equal(config.clientId, 'abcDEF123');
      assert.equal(config.audience, 'https://api.example.com');
    });
  });

  test('a missing file says the app was not built with npm run dist', () => {
    withTempDir((dir) => {
      const message = configError(() => readBakedSettings(join(dir, BAKED_SETTINGS_FILE)));
      assert.match(message, /app-settings\.json is missing/);
      assert.match(message, /npm run dist/);
    });
  });

  const damaged: ReadonlyArray<readonly [string, string, RegExp]> = [
    ['not JSON', '{ AUTH0_DOMAIN: tenant', /unreadable/],
    ['an array', '["AUTH0_DOMAIN"]', /not an object/],
    ['null', 'null', /not an object/],
    ['a secret', JSON.stringify({ ...TENANT, AUTH0_CLIENT_SECRET: 'x' }), /unexpected setting "AUTH0_CLIENT_SECRET"/],
    [
      'the demo issuer',
      JSON.stringify({ ...TENANT, [DEMO_ISSUER_VARIABLE]: 'http://127.0.0.1:1/' }),
      /unexpected setting "DESKTOP_LOGIN_DEMO_ISSUER"/,
    ],
    ['a prototype key', `{"AUTH0_DOMAIN":"t.example.com","AUTH0_CLIENT_ID":"c","__proto__":{"x":"y"}}`, /"__proto__"/],
    ['a nested value', JSON.stringify({ ...TENANT, AUTH0_SCOPE: ['openid'] }), /non-text value for AUTH0_SCOPE/],
    ['a number', JSON.stringify({ ...TENANT, LOGIN_TIMEOUT_SECONDS: 60 }), /non-text value/],
    ['no tenant', JSON.stringify({ AUTH0_CLIENT_ID: 'c' }), /names no Auth0 tenant/],
  ];
  for (const [what, text, reason] of damaged) {
    test(`rejects a file with ${what}`, () => {
      withTempDir((dir) => {
        const path = join(dir, BAKED_SETTINGS_FILE);
        writeFileSync(path, text);
        assert.match(
          configError(() => readBakedSettings(path)),
          reason,
        );
      });
    });
  }

  test('the allowed names are exactly the public settings (no secret, no demo issuer, no keychain name)', () => {
    assert.deepEqual([...BAKED_SETTING_NAMES].sort(), [
      'API_BASE_URL',
      'AUTH0_AUDIENCE',
      'AUTH0_CALLBACK_PORTS',
      'AUTH0_CALLBACK_URL',
      'AUTH0_CLIENT_ID',
      'AUTH0_CONNECTION',
      'AUTH0_DOMAIN',
      'AUTH0_DPOP',
      'AUTH0_ID_TOKEN_ALG',
      'AUTH0_ORGANIZATION',
      'AUTH0_SCOPE',
      'LOGIN_TIMEOUT_SECONDS',
    ]);
  });
});
