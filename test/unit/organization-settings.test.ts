import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AuthError } from '../../src/main/auth/auth-error.js';
import { bakeSettings, readBakedSettings, writeBakedSettings } from '../../src/main/auth/config/baked-settings.js';
import { loadConfig, type AuthEnv } from '../../src/main/auth/config/config.js';
import { AUTH0_FIX } from '../../src/main/auth/doctor/auth0-fixes.js';
import { providerDenied } from '../../src/main/auth/oidc/authorization-refusal.js';
import {
  organizationFromClaims,
  organizationMismatch,
  savedForOtherOrganization,
  wrongOrganizationMessage,
} from '../../src/main/auth/oidc/organization-claims.js';
import { withOrganization } from '../../src/main/auth/oidc/profile.js';
import { changedIdentityClaims } from '../../src/main/auth/oidc/refresh-identity.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TENANT: AuthEnv = { AUTH0_DOMAIN: 'tenant.us.auth0.com', AUTH0_CLIENT_ID: 'client' };

/** The config_invalid message loadConfig gives for `env`. */
function configProblem(env: AuthEnv): string {
  try {
    loadConfig({ ...TENANT, ...env });
  } catch (error) {
    assert.ok(error instanceof AuthError && error.code === 'config_invalid');
    return error.message;
  }
  assert.fail('the settings were accepted');
}

/** An unsigned JWT carrying `claims`: refresh-identity only decodes the stored ID token. */
function storedIdToken(claims: Record<string, unknown>): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256' })}.${part(claims)}.signature`;
}

describe('AUTH0_ORGANIZATION', () => {
  test('unset or blank sends no organization', () => {
    assert.equal('organization' in loadConfig(TENANT), false);
    assert.equal('organization' in loadConfig({ ...TENANT, AUTH0_ORGANIZATION: '  ' }), false);
  });

  test('an org_ ID is kept as written; a name is lower-cased, as Auth0 keeps names', () => {
    assert.equal(
      loadConfig({ ...TENANT, AUTH0_ORGANIZATION: 'org_9ybsU1dN2dKfDkBi' }).organization,
      'org_9ybsU1dN2dKfDkBi',
    );
    assert.equal(loadConfig({ ...TENANT, AUTH0_ORGANIZATION: ' Acme ' }).organization, 'acme');
    assert.equal(loadConfig({ ...TENANT, AUTH0_ORGANIZATION: '3m_north-1' }).organization, '3m_north-1');
    assert.equal(loadConfig({ ...TENANT, AUTH0_ORGANIZATION: 'a'.repeat(50) }).organization, 'a'.repeat(50));
  });

  test('anything else is a settings problem that says what an ID and a name look like', () => {
    for (const value of ['acme corp', 'org_', 'org_abc-def', 'acme.example', 'a'.repeat(51), 'ünicode', 'org_a/b']) {
      const message = configProblem({ AUTH0_ORGANIZATION: value });
      assert.ok(
        message.includes(
          `AUTH0_ORGANIZATION "${value.length <= 40 ? value : `${value.slice(0, 40)}…`}" is neither an organization ID ` +
            '(org_ followed by letters and digits, e.g. org_9ybsU1dN2dKfDkBi) nor an organization name ' +
            '(1 to 50 lower-case letters, digits, "-" and "_", e.g. acme).',
        ),
        message,
      );
    }
  });
});

describe('AUTH0_CONNECTION', () => {
  test('a connection name is kept exactly, case included', () => {
    for (const name of ['Username-Password-Authentication', 'google-oauth2', 'a', 'x'.repeat(128)]) {
      assert.equal(loadConfig({ ...TENANT, AUTH0_CONNECTION: name }).connection, name);
    }
    assert.equal('connection' in loadConfig(TENANT), false);
  });

  test('a name Auth0 cannot have is a settings problem', () => {
    for (const value of ['-google', 'google-', 'two--dashes', 'with space', 'under_score', 'x'.repeat(129)]) {
      const message = configProblem({ AUTH0_CONNECTION: value });
      assert.ok(message.includes('is not a connection name: 1 to 128 letters, digits and single "-"'), message);
    }
  });

  test('both are baked into a package and read back', () => {
    const baked = bakeSettings({ ...TENANT, AUTH0_ORGANIZATION: 'org_abc123', AUTH0_CONNECTION: 'google-oauth2' });
    assert.equal(baked.AUTH0_ORGANIZATION, 'org_abc123');
    assert.equal(baked.AUTH0_CONNECTION, 'google-oauth2');
    const dir = mkdtempSync(join(tmpdir(), 'baked-org-'));
    try {
      const config = loadConfig(readBakedSettings(writeBakedSettings(baked, dir)));
      assert.equal(config.organization, 'org_abc123');
      assert.equal(config.connection, 'google-oauth2');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.throws(() => bakeSettings({ ...TENANT, AUTH0_CONNECTION: 'no spaces please' }), /AUTH0_CONNECTION/);
  });
});

describe('a saved session must be for the configured organization', () => {
  const alice = { sub: 'auth0|alice', name: 'Alice' };
  const acme = { ...alice, organization: { id: 'org_demo1', name: 'acme' } };

  test('with no organization set, any saved session is kept', () => {
    assert.equal(savedForOtherOrganization(undefined, alice), false);
    assert.equal(savedForOtherOrganization(undefined, acme), false);
  });

  test('the same organization, by ID or by name in any case, keeps it', () => {
    assert.equal(savedForOtherOrganization('org_demo1', acme), false);
    assert.equal(savedForOtherOrganization('acme', acme), false);
    assert.equal(savedForOtherOrganization('ACME', acme), false);
  });

  test('another organization, none, or a name the session never recorded does not', () => {
    assert.equal(savedForOtherOrganization('org_demo2', acme), true);
    assert.equal(savedForOtherOrganization('globex', acme), true);
    assert.equal(savedForOtherOrganization('org_demo1', alice), true, 'signed in without an organization');
    assert.equal(
      savedForOtherOrganization('acme', { ...alice, organization: { id: 'org_demo1' } }),
      true,
      'a tenant that sent no org_name: the name cannot be confirmed',
    );
  });
});

describe('the ID token must name the configured organization', () => {
  test('an ID is compared with org_id exactly', () => {
    assert.equal(organizationMismatch('org_demo1', { org_id: 'org_demo1', org_name: 'acme' }), undefined);
    assert.equal(organizationMismatch('org_demo1', { org_id: 'org_DEMO1' }), 'org_id');
    assert.equal(organizationMismatch('org_demo1', { org_id: 'org_demo2', org_name: 'acme' }), 'org_id');
    assert.equal(organizationMismatch('org_demo1', { org_name: 'acme' }), 'org_id', 'a token without org_id');
  });

  test('a name is compared with org_name in lower case', () => {
    assert.equal(organizationMismatch('acme', { org_id: 'org_demo1', org_name: 'acme' }), undefined);
    assert.equal(organizationMismatch('acme', { org_name: 'ACME' }), undefined);
    assert.equal(
      organizationMismatch('acme', { org_id: 'org_demo1', org_name: 'some-other-organization' }),
      'org_name',
    );
    assert.equal(organizationMismatch('acme', { org_id: 'org_demo1' }), 'org_name', 'a token without org_name');
    assert.equal(organizationMismatch('acme', { org_name: 42 }), 'org_name');
  });

  test('without AUTH0_ORGANIZATION any token passes, with or without organization claims', () => {
    assert.equal(organizationMismatch(undefined, {}), undefined);
    assert.equal(organizationMismatch(undefined, { org_id: 'org_demo1' }), undefined);
  });

  test('the refusal names the setting and the organization, never the token', () => {
    assert.equal(
      wrongOrganizationMessage('acme'),
      'The sign-in was for a different organization than the one this app signs in to (acme), so it was refused and nothing was kept. Try again; if it happens again, check AUTH0_ORGANIZATION.',
    );
  });
});

describe('the profile carries the organization from the ID token', () => {
  test('org_id and org_name become the profile organization; malformed ones are dropped', () => {
    assert.deepEqual(organizationFromClaims({ org_id: 'org_demo1', org_name: 'acme' }), {
      id: 'org_demo1',
      name: 'acme',
    });
    assert.deepEqual(organizationFromClaims({ org_id: 'org_demo1' }), { id: 'org_demo1' });
    assert.deepEqual(organizationFromClaims({ org_id: 'org_demo1', org_name: '<b>Acme</b>' }), { id: 'org_demo1' });
    assert.equal(organizationFromClaims({ org_name: 'acme' }), undefined);
    assert.equal(organizationFromClaims({ org_id: 'javascript:alert(1)' }), undefined);
  });

  test('only the ID token decides: a profile from userinfo gets it, a stale one loses it', () => {
    const fromUserinfo = { sub: 'auth0|1', name: 'Alice', organization: { id: 'org_forged' } };
    assert.deepEqual(withOrganization(fromUserinfo, { org_id: 'org_demo1', org_name: 'acme' }), {
      sub: 'auth0|1',
      name: 'Alice',
      organization: { id: 'org_demo1', name: 'acme' },
    });
    assert.deepEqual(withOrganization(fromUserinfo, {}), { sub: 'auth0|1', name: 'Alice' });
  });
});

describe('a renewal must keep the organization', () => {
  test('a refreshed ID token naming another org_id is an identity change; a missing one is not', () => {
    const idToken = storedIdToken({ iss: 'https://t/', sub: 'auth0|1', aud: 'client', org_id: 'org_demo1' });
    const same = { iss: 'https://t/', sub: 'auth0|1', aud: 'client' };
    assert.deepEqual(changedIdentityClaims({ idToken, sub: 'auth0|1' }, { ...same, org_id: 'org_demo1' }), []);
    assert.deepEqual(changedIdentityClaims({ idToken, sub: 'auth0|1' }, { ...same, org_id: 'org_demo2' }), ['org_id']);
    assert.deepEqual(changedIdentityClaims({ idToken, sub: 'auth0|1' }, same), []);
  });
});

describe("the provider's refusals, in the app's words", () => {
  const description = 'user auth0|65f0c0ffee is not part of the org_demo2 organization';

  test('a non-member hears that plainly, with neither the user id nor the provider text', () => {
    const error = providerDenied('access_denied', description, { organization: 'globex' });
    assert.equal(error.code, 'access_denied');
    assert.equal(
      error.message,
      'This account is not a member of the organization this app signs in to (globex). Sign in with another account, or ask an administrator of the organization to add you.',
    );
    assert.equal(error.message.includes('auth0|'), false);
  });

  test('access_denied for any other reason, or without AUTH0_ORGANIZATION, stays "declined"', () => {
    for (const [said, organization] of [
      ['User did not authorize the request', 'globex'],
      [description, undefined],
    ] as const) {
      const error = providerDenied('access_denied', said, organization ? { organization } : {});
      assert.equal(error.message, 'Sign-in was declined on the sign-in page.');
    }
  });

  test('an unknown organization or connection names the setting to check', () => {
    const organization = providerDenied('invalid_request', 'the organization was not found', {
      organization: 'org_doesnotexist',
    });
    assert.equal(organization.code, 'provider_error');
    assert.equal(
      organization.message,
      'The identity provider refused the organization in AUTH0_ORGANIZATION (org_doesnotexist). Check its ID in Auth0 dashboard > Organizations; in Applications > (your app) > Login Experience, Type of Users must be Business Users or Both.',
    );
    const byName = providerDenied('invalid_request', 'the organization was not found', { organization: 'initech' });
    assert.match(byName.message, /Allow Organization Names in Authentication API must be on\.$/);

    const connection = providerDenied('invalid_request', 'the connection was not found', { connection: 'github' });
    assert.equal(
      connection.message,
      'The identity provider refused the connection in AUTH0_CONNECTION (github): it does not know it, or it is not enabled for this application. Check the name in Auth0 dashboard > Authentication, and turn the connection on in Applications > (your app) > Connections.',
    );
  });

  test('an application that requires an organization, with none set, says which setting is missing', () => {
    const error = providerDenied('invalid_request', 'parameter organization is required for this client', {});
    assert.match(error.message, /AUTH0_ORGANIZATION is not set/);
    const other = providerDenied('invalid_request', 'something about the organization', {});
    assert.match(other.message, /^The identity provider stopped the sign-in \(invalid_request\)/);
  });
});

describe("the doctor's fixes", () => {
  test('an organization refused at /authorize gets the dashboard places to check', () => {
    const config = loadConfig({ ...TENANT, AUTH0_ORGANIZATION: 'acme' });
    const fix = AUTH0_FIX.forAuthorizationError(config, 'invalid_request', 'the organization was not found');
    assert.match(
      fix,
      /Login Experience \(older dashboards: the Organizations tab\) > Type of Users: Business Users or Both/,
    );
    assert.match(fix, /Organizations > \(your organization\) > Connections/);
    assert.match(fix, /Allow Organization Names in Authentication API: on/);
  });

  test('a connection refused at /authorize names AUTH0_CONNECTION and the Connections tab', () => {
    const config = loadConfig({ ...TENANT, AUTH0_CONNECTION: 'github' });
    const fix = AUTH0_FIX.forAuthorizationError(config, 'invalid_request', 'the connection was not found');
    assert.match(fix, /^AUTH0_CONNECTION "github" must name a connection of tenant\.us\.auth0\.com/);
    assert.match(fix, /Applications > Applications > \(your app\) > Connections\.$/);
  });
});
