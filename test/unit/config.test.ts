import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthError } from '../../src/main/auth/auth-error.js';
import {
  DEFAULT_SCOPE,
  DEMO_CLIENT_ID,
  DEMO_ISSUER_VARIABLE,
  loadConfig,
  redirectUriFor,
  withDotEnv,
  type AuthEnv,
} from '../../src/main/auth/config/config.js';

const VALID: AuthEnv = { AUTH0_DOMAIN: 'tenant.us.auth0.com', AUTH0_CLIENT_ID: 'abcDEF123_-.x' };

/** Runs loadConfig expecting a config_invalid error and returns its message. */
function configError(env: AuthEnv): string {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof AuthError, 'expected an AuthError');
    assert.equal(error.code, 'config_invalid');
    return error.message;
  }
  assert.fail('loadConfig accepted an invalid configuration');
}

describe('loadConfig: valid Auth0 configuration', () => {
  test('builds the issuer with a trailing slash and fills defaults', () => {
    const config = loadConfig(VALID);
    assert.equal(config.issuer.href, 'https://tenant.us.auth0.com/');
    assert.equal(config.clientId, 'abcDEF123_-.x');
    assert.equal(config.demo, false);
    assert.equal(config.scope, DEFAULT_SCOPE);
    assert.equal(config.audience, undefined);
    assert.equal('audience' in config, false);
    assert.deepEqual(config.callback, { host: '127.0.0.1', path: '/callback', ports: [28460] });
    assert.equal(config.loginTimeoutMs, 300_000);
    assert.equal(config.keychainService, 'Desktop Login (tenant.us.auth0.com)');
    assert.equal(redirectUriFor(config.callback, 28460), 'http://127.0.0.1:28460/callback');
  });

  test('lower-cases the domain, trims values and normalises scope whitespace', () => {
    const config = loadConfig({
      AUTH0_DOMAIN: '  Tenant.EU.Auth0.com ',
      AUTH0_CLIENT_ID: ' client1 ',
      AUTH0_SCOPE: 'openid   profile\temail',
      AUTH0_AUDIENCE: 'https://api.example.com',
      KEYCHAIN_SERVICE: 'My App',
      LOGIN_TIMEOUT_SECONDS: '90',
      AUTH0_CALLBACK_URL: 'http://127.0.0.1:50000/auth/cb',
      AUTH0_CALLBACK_PORTS: '50001, 50002',
    });
    assert.equal(config.issuer.href, 'https://tenant.eu.auth0.com/');
    assert.equal(config.clientId, 'client1');
    assert.equal(config.scope, 'openid profile email');
    assert.equal(config.audience, 'https://api.example.com');
    assert.equal(config.loginTimeoutMs, 90_000);
    assert.equal(config.keychainService, 'My App (tenant.eu.auth0.com)');
    assert.deepEqual(config.callback, { host: '127.0.0.1', path: '/auth/cb', ports: [50000, 50001, 50002] });
  });

  test('empty variables count as unset', () => {
    const config = loadConfig({ ...VALID, AUTH0_SCOPE: '', LOGIN_TIMEOUT_SECONDS: '  ', AUTH0_CLIENT_SECRET: '' });
    assert.equal(config.scope, DEFAULT_SCOPE);
    assert.equal(config.loginTimeoutMs, 300_000);
  });

  test('AUTH0_DOMAIN wins over the demo issuer', () => {
    const config = loadConfig({ ...VALID, [DEMO_ISSUER_VARIABLE]: 'http://127.0.0.1:4000' });
    assert.equal(config.demo, false);
    assert.equal(config.issuer.origin, 'https://tenant.us.auth0.com');
  });
});

describe('loadConfig: demo mode', () => {
  test('uses the demo issuer, an ephemeral port and the demo client id', () => {
    const config = loadConfig({ [DEMO_ISSUER_VARIABLE]: 'http://127.0.0.1:4000/' });
    assert.equal(config.demo, true);
    assert.equal(config.issuer.href, 'http://127.0.0.1:4000/');
    assert.equal(config.clientId, DEMO_CLIENT_ID);
    assert.deepEqual(config.callback, { host: '127.0.0.1', path: '/callback', ports: [0] });
    assert.equal(config.keychainService, 'Desktop Login (127.0.0.1:4000)');
  });

  test('an explicit client id and callback URL are honoured in demo mode', () => {
    const config = loadConfig({
      [DEMO_ISSUER_VARIABLE]: 'http://127.0.0.1:4000/',
      AUTH0_CLIENT_ID: 'other-client',
      AUTH0_CALLBACK_URL: 'http://127.0.0.1:51000/callback',
    });
    assert.equal(config.clientId, 'other-client');
    assert.deepEqual(config.callback.ports, [51000]);
  });

  test('a demo issuer that is not http on 127.0.0.1 is refused', () => {
    for (const issuer of ['https://127.0.0.1:4000/', 'http://localhost:4000/', 'http://10.0.0.1:4000/']) {
      assert.match(
        configError({ [DEMO_ISSUER_VARIABLE]: issuer }),
        new RegExp(`${DEMO_ISSUER_VARIABLE} must be an http://127\\.0\\.0\\.1 URL`),
      );
    }
    assert.match(configError({ [DEMO_ISSUER_VARIABLE]: 'not a url' }), /is not a URL/);
  });

  test('no domain and no demo issuer explains how to configure one', () => {
    const message = configError({ AUTH0_CLIENT_ID: 'x' });
    assert.match(message, /AUTH0_DOMAIN is not set/);
    assert.match(message, /\.env\.example/);
  });
});

describe('loadConfig: mistakes give config_invalid and name the fix', () => {
  test('AUTH0_DOMAIN given as an https URL', () => {
    const message = configError({ ...VALID, AUTH0_DOMAIN: 'https://tenant.us.auth0.com' });
    assert.match(message, /AUTH0_DOMAIN must be the bare host name/);
    assert.match(message, /remove the scheme "https:\/\/"/);
  });

  test('AUTH0_DOMAIN with a path', () => {
    const message = configError({ ...VALID, AUTH0_DOMAIN: 'tenant.us.auth0.com/authorize' });
    assert.match(message, /remove the path "\/authorize", and use "tenant\.us\.auth0\.com"/);
  });

  test('AUTH0_DOMAIN with a port that is not 1–65535 (a valid port is allowed: see config-domain.test.ts)', () => {
    assert.match(
      configError({ ...VALID, AUTH0_DOMAIN: 'tenant.us.auth0.com:0' }),
      /AUTH0_DOMAIN "tenant\.us\.auth0\.com:0" has the port "0"; a port is a number from 1 to 65535/,
    );
  });

  test('AUTH0_DOMAIN that is not a valid host name', () => {
    for (const domain of ['tenant..auth0.com', '-tenant.auth0.com', 'ten ant.auth0.com', 'tenant.auth0.com.']) {
      assert.match(
        configError({ ...VALID, AUTH0_DOMAIN: domain }),
        /is not a valid host name; copy the Domain field/,
        domain,
      );
    }
  });

  test('missing client id', () => {
    assert.match(
      configError({ AUTH0_DOMAIN: 'tenant.us.auth0.com' }),
      /AUTH0_CLIENT_ID is not set\. Copy the Client ID/,
    );
  });

  test('client id with forbidden characters', () => {
    assert.match(configError({ ...VALID, AUTH0_CLIENT_ID: 'abc def"' }), /does not look like a client id/);
  });

  test('client secret set', () => {
    const message = configError({ ...VALID, AUTH0_CLIENT_SECRET: 'shh' });
    assert.match(message, /AUTH0_CLIENT_SECRET is set/);
    assert.match(message, /Remove it/);
    assert.match(message, /"Native"/);
    assert.doesNotMatch(message, /shh/, 'the secret itself must not be echoed');
  });

  test('audience with spaces', () => {
    assert.match(configError({ ...VALID, AUTH0_AUDIENCE: 'my api' }), /AUTH0_AUDIENCE must be your API identifier/);
  });

  test('callback URL over https', () => {
    assert.match(
      configError({ ...VALID, AUTH0_CALLBACK_URL: 'https://127.0.0.1:28460/callback' }),
      /AUTH0_CALLBACK_URL must use http:\/\/ on the loopback address/,
    );
  });

  test('callback URL on localhost', () => {
    const message = configError({ ...VALID, AUTH0_CALLBACK_URL: 'http://localhost:28460/callback' });
    assert.match(message, /must use 127\.0\.0\.1, not localhost/);
  });

  test('callback URL on another host', () => {
    assert.match(
      configError({ ...VALID, AUTH0_CALLBACK_URL: 'http://192.168.1.5:28460/callback' }),
      /must point at this computer \(127\.0\.0\.1\), not "192\.168\.1\.5"/,
    );
    assert.match(
      configError({ ...VALID, AUTH0_CALLBACK_URL: 'http://[::1]:28460/callback' }),
      /must point at this computer/,
    );
  });

  test('callback URL without a port', () => {
    assert.match(configError({ ...VALID, AUTH0_CALLBACK_URL: 'http://127.0.0.1/callback' }), /needs an explicit port/);
  });

  test('callback URL with a privileged port', () => {
    assert.match(
      configError({ ...VALID, AUTH0_CALLBACK_URL: 'http://127.0.0.1:443/callback' }),
      /port 443 is privileged; use a port from 1024 to 65535/,
    );
  });

  test('callback URL with a query, fragment or user name', () => {
    for (const url of [
      'http://127.0.0.1:28460/callback?x=1',
      'http://127.0.0.1:28460/callback#frag',
      'http://me@127.0.0.1:28460/callback',
    ]) {
      assert.match(
        configError({ ...VALID, AUTH0_CALLBACK_URL: url }),
        /must not contain a user name, query or fragment/,
        url,
      );
    }
  });

  test('callback URL that is not a URL', () => {
    assert.match(
      configError({ ...VALID, AUTH0_CALLBACK_URL: '127.0.0.1:28460' }),
      /is not a URL; use for example http:\/\/127\.0\.0\.1:28460\/callback/,
    );
  });

  test('bad AUTH0_CALLBACK_PORTS entries', () => {
    for (const entry of ['abc', '80', '70000', '1.5', '-2000', '0x1000']) {
      assert.match(
        configError({ ...VALID, AUTH0_CALLBACK_PORTS: `50001,${entry}` }),
        new RegExp(
          `AUTH0_CALLBACK_PORTS has "${entry.replace(/[.]/g, '\\.')}", which is not a port from 1024 to 65535`,
        ),
        entry,
      );
    }
  });

  test('duplicate ports, including the callback URL port', () => {
    assert.match(configError({ ...VALID, AUTH0_CALLBACK_PORTS: '50001,50001' }), /lists port 50001 twice/);
    assert.match(configError({ ...VALID, AUTH0_CALLBACK_PORTS: '28460' }), /lists port 28460 twice/);
  });

  test('bad timeout', () => {
    for (const timeout of ['0', '-5', 'abc', '3601', 'Infinity']) {
      assert.match(
        configError({ ...VALID, LOGIN_TIMEOUT_SECONDS: timeout }),
        new RegExp(`LOGIN_TIMEOUT_SECONDS must be a number of seconds from 1 to 3600 \\(it is "${timeout}"\\)`),
        timeout,
      );
    }
    assert.equal(loadConfig({ ...VALID, LOGIN_TIMEOUT_SECONDS: '3600' }).loginTimeoutMs, 3_600_000);
    assert.equal(loadConfig({ ...VALID, LOGIN_TIMEOUT_SECONDS: '1.5' }).loginTimeoutMs, 1500);
  });

  test('scope without openid', () => {
    assert.match(
      configError({ ...VALID, AUTH0_SCOPE: 'profile email' }),
      /AUTH0_SCOPE must include "openid" \(it is "profile email"\)/,
    );
    assert.match(configError({ ...VALID, AUTH0_SCOPE: 'openidx profile' }), /must include "openid"/);
  });

  test('scope with characters a scope cannot contain', () => {
    assert.match(
      configError({ ...VALID, AUTH0_SCOPE: 'openid "profile"' }),
      /AUTH0_SCOPE has characters a scope cannot contain/,
    );
  });

  test('keychain service too long', () => {
    assert.match(
      configError({ ...VALID, KEYCHAIN_SERVICE: 'x'.repeat(101) }),
      /KEYCHAIN_SERVICE must be at most 100 characters/,
    );
  });

  test('several mistakes are all listed in one message', () => {
    const message = configError({
      AUTH0_DOMAIN: 'https://tenant.us.auth0.com',
      AUTH0_CLIENT_SECRET: 'secret',
      AUTH0_CALLBACK_URL: 'http://localhost:28460/callback',
      LOGIN_TIMEOUT_SECONDS: 'soon',
      AUTH0_SCOPE: 'profile',
    });
    const expected = [
      /AUTH0_CLIENT_SECRET is set/,
      /AUTH0_DOMAIN must be the bare host name/,
      /AUTH0_CLIENT_ID is not set/,
      /AUTH0_SCOPE must include "openid"/,
      /not localhost/,
      /LOGIN_TIMEOUT_SECONDS must be/,
    ];
    for (const pattern of expected) assert.match(message, pattern);
    const bullets = message.split('\n').filter((line) => line.startsWith('- '));
    assert.equal(bullets.length, expected.length);
  });
});

describe('withDotEnv', () => {
  test('reads a .env file; variables already in the environment win', () => {
    const dir = mkdtempSync(join(tmpdir(), 'desktop-login-env-'));
    try {
      const path = join(dir, '.env');
      writeFileSync(path, '# comment\nAUTH0_DOMAIN=file.auth0.com\nAUTH0_CLIENT_ID="from-file"\nAUTH0_SCOPE=openid\n');
      const env = withDotEnv({ AUTH0_CLIENT_ID: 'from-process' }, path);
      assert.equal(env['AUTH0_DOMAIN'], 'file.auth0.com');
      assert.equal(env['AUTH0_CLIENT_ID'], 'from-process');
      assert.equal(env['AUTH0_SCOPE'], 'openid');
      const config = loadConfig(env);
      assert.equal(config.issuer.href, 'https://file.auth0.com/');
      assert.equal(config.clientId, 'from-process');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a missing file is fine and returns the environment unchanged', () => {
    const env = { AUTH0_DOMAIN: 'tenant.auth0.com' };
    assert.equal(withDotEnv(env, join(tmpdir(), 'desktop-login-no-such-dir', '.env')), env);
  });

  test('an unreadable path (a directory) gives config_invalid', () => {
    const dir = mkdtempSync(join(tmpdir(), 'desktop-login-env-'));
    try {
      assert.throws(
        () => withDotEnv({}, dir),
        (error: unknown) => error instanceof AuthError && error.code === 'config_invalid',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
