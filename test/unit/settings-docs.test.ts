import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseEnv } from 'node:util';
import { AuthError } from '../../src/main/auth/auth-error.js';
import { loadConfig, redirectUriFor, type AuthEnv } from '../../src/main/auth/config/config.js';
import { SIGNED_OUT_PATH } from '../../src/main/auth/loopback/signed-out-page.js';
import { DEMO_API_PATH } from '../../src/main/ipc/ipc-handlers.js';

// A setting the app reads but nobody documents is one a person cannot find; one the docs offer
// but the app ignores is worse. The names come from the code itself: loadConfig is run on
// environments that record every variable it looks up.

const root = join(import.meta.dirname, '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const envExampleText = readFileSync(join(root, '.env.example'), 'utf8');
const envExample = parseEnv(envExampleText);
const settingsStart = readme.indexOf('### Settings');
const settingsSection = readme.slice(settingsStart, readme.indexOf('\n## ', settingsStart));

/**
 * Variables loadConfig reads that are not settings a person fills in, so the README explains them
 * below the table and .env.example leaves them out.
 */
const NOT_SETTINGS: Readonly<Record<string, string>> = {
  DESKTOP_LOGIN_DEMO_ISSUER: '`npm start` and the tests set it to point the app at the local demo identity provider',
  KEYCHAIN_SERVICE: 'test isolation: each test run gets its own keychain entries; changing it loses the saved session',
  AUTH0_CLIENT_SECRET: 'read only to refuse it: a desktop app cannot keep a secret',
};

const TENANT = { AUTH0_DOMAIN: 'tenant.us.auth0.com', AUTH0_CLIENT_ID: 'client' };

/** Every variable loadConfig looks up in `env`, whether it accepts the environment or not. */
function namesReadBy(env: Record<string, string>): Set<string> {
  const read = new Set<string>();
  const recording = new Proxy<AuthEnv>(env, {
    get(target, name, receiver) {
      if (typeof name === 'string') read.add(name);
      return Reflect.get(target, name, receiver) as unknown;
    },
  });
  try {
    loadConfig(recording);
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
  }
  return read;
}

/** Empty, a tenant, the demo provider: a variable looked up on only one path is still found. */
const environments: ReadonlyArray<Record<string, string>> = [
  {},
  TENANT,
  { DESKTOP_LOGIN_DEMO_ISSUER: 'http://127.0.0.1:4400/' },
];
const readByConfig = new Set(environments.flatMap((env) => [...namesReadBy(env)]));
const settings = [...readByConfig].filter((name) => !(name in NOT_SETTINGS)).sort();

test('the names come from the config: it reads the known settings and every listed exception', () => {
  for (const name of ['AUTH0_DOMAIN', 'AUTH0_CALLBACK_PORTS', 'API_BASE_URL', 'TOKEN_REFRESH_SKEW_SECONDS']) {
    assert.ok(settings.includes(name), `loadConfig reads ${name}`);
  }
  for (const name of Object.keys(NOT_SETTINGS)) assert.ok(readByConfig.has(name), `${name} is still read`);
});

test('the README settings table lists exactly the settings the config reads', () => {
  const table = [...settingsSection.matchAll(/^\| `([A-Z][A-Z0-9_]*)`/gm)].map((match) => match[1] ?? '');
  assert.deepEqual([...table].sort(), settings);
});

test('.env.example offers exactly the settings the config reads, and values it accepts', () => {
  assert.deepEqual(Object.keys(envExample).sort(), settings);
  assert.doesNotThrow(() => loadConfig({ ...envExample, ...TENANT }), 'a tenant plus .env.example is a valid config');
});

test('the variables that are not settings are explained under the table, never offered in .env.example', () => {
  for (const name of Object.keys(NOT_SETTINGS)) {
    assert.ok(settingsSection.includes(`\`${name}\``), `the settings section explains ${name}`);
    assert.equal(envExample[name], undefined, `.env.example leaves out ${name}`);
  }
});

test('both files give the exact callback and logout URLs to register for every port .env.example uses', () => {
  const { callback } = loadConfig({ ...envExample, ...TENANT });
  assert.ok(callback.ports.length > 1, '.env.example configures fallback ports');
  const callbacks = callback.ports.map((port) => redirectUriFor(callback, port)).join(', ');
  const logouts = callback.ports.map((port) => redirectUriFor({ ...callback, path: SIGNED_OUT_PATH }, port)).join(', ');
  for (const [file, text] of [
    ['.env.example', envExampleText],
    ['README settings section', settingsSection],
  ] as const) {
    assert.ok(text.includes(callbacks), `${file} lists ${callbacks}`);
    assert.ok(text.includes(logouts), `${file} lists ${logouts}`);
  }
});

test('both files name the path the Call API button requests and how the token is sent', () => {
  for (const text of [envExampleText, settingsSection]) {
    assert.ok(text.includes(`GET <API_BASE_URL>/${DEMO_API_PATH}`));
    assert.ok(text.includes('Authorization: Bearer <access token>'));
  }
});
