import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, afterEach, before, describe, test } from 'node:test';
import * as client from 'openid-client';
import type { BrowserContext, Page } from 'playwright-core';
import { DEMO_ISSUER_VARIABLE, type AuthEnv } from '../../src/main/auth/config/config.js';
import { runDoctor } from '../../src/main/auth/doctor/run-doctor.js';
import {
  organizationChangedMessage,
  OTHER_ORGANIZATION_SAVED_MESSAGE,
  wrongOrganizationMessage,
} from '../../src/main/auth/oidc/organization-claims.js';
import { importDpopKey } from '../../src/main/auth/session/dpop-key.js';
import { createKeychainPendingRevocations } from '../../src/main/auth/session/pending-revocations.js';
import type { SecretStore } from '../../src/main/auth/session/secret-store.js';
import { createKeychainTokenStore, type StoredSession } from '../../src/main/auth/session/token-store.js';
import type { AuthState, Profile } from '../../src/shared/auth-state.js';
import type { RunningIdp } from '../../tools/idp/start-idp.js';
import { startApp, testClock, type TestClock } from '../support/app-harness.js';
import { keychainUnavailableReason, type TestKeychain } from '../support/keychain.js';
import { startStoryServices, stopStoryServices } from '../support/story-services.js';
import { acceptConsent, declineConsent, signIn } from '../support/sign-in.js';
import { browserUnavailableReason, type SystemBrowser } from '../support/system-browser.js';

// Sign-up, "Sign in with a different account", Auth0 Organizations and connections, end to end:
// the app's auth service on the local provider, the real browser and the real keychain. Tokens
// are only compared, never printed.

const skip = (await keychainUnavailableReason()) ?? browserUnavailableReason();
if (skip) process.stdout.write(`# skipping account tests: ${skip}\n`);

let idp: RunningIdp;
let browser: SystemBrowser;
let keychain: TestKeychain;
let keytar: SecretStore;

/** What the person does in the browser tab one login opens. */
type Act = (page: Page, url: URL) => Promise<void>;

/** One app run whose logins, in order, the person answers with `acts`. */
function app(
  label: string,
  acts: Act[],
  options: {
    env?: AuthEnv;
    clock?: TestClock;
    profile?: Promise<BrowserContext>;
    openBrowser?: (url: string) => Promise<void>;
  } = {},
) {
  const queue = [...acts];
  const started = startApp({
    idp,
    browser,
    keytar,
    act: (page, url) => (queue.shift() ?? (() => Promise.reject(new Error('no act for this page'))))(page, url),
    env: { KEYCHAIN_SERVICE: keychain.serviceName(label), ...options.env },
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.openBrowser ? { deps: { openBrowser: options.openBrowser } } : {}),
  });
  const store = createKeychainTokenStore(keytar, started.config.keychainService);
  const pending = createKeychainPendingRevocations(keytar, started.config.keychainService);
  return { ...started, store, pending };
}

/** The test user with this email. */
function user(email: string): RunningIdp['users'][number] {
  const found = idp.users.find((candidate) => candidate.email === email);
  assert.ok(found, email);
  return found;
}

/** Signs in on the provider's login page (which must be shown) and accepts consent. */
function signsInAs(email: string): Act {
  return async (page) => {
    await page.getByRole('heading', { name: 'Welcome' }).waitFor();
    await signIn(page, email, 'demo');
    await acceptConsent(page);
  };
}

/** The session the keychain holds; fails when it holds none. */
async function stored(store: ReturnType<typeof app>['store']): Promise<StoredSession> {
  const loaded = await store.load();
  assert.equal(loaded.kind, 'found', 'the keychain holds a session');
  if (loaded.kind !== 'found') throw new Error('unreachable');
  return loaded.session;
}

/** Every keychain entry of the app's service as text, an inline session decoded. */
async function keychainText(service: string): Promise<string> {
  const entries = await keytar.findCredentials(service);
  return entries
    .map(({ password }) => {
      try {
        const inline = (JSON.parse(password) as { inline?: unknown }).inline;
        return typeof inline === 'string' ? Buffer.from(inline, 'base64url').toString('utf8') : password;
      } catch {
        return password;
      }
    })
    .join('\n');
}

function profileOf(state: AuthState): Profile {
  assert.equal(state.status, 'signed-in', JSON.stringify(state));
  if (state.status !== 'signed-in') throw new Error('unreachable');
  return state.profile;
}

/** The logged parameters of the last /authorize request the provider saw. */
function lastAuthorizeParams(): Readonly<Record<string, string>> | undefined {
  return idp.requestLog.findLast((entry) => entry.path === '/authorize')?.params;
}

/** Waits until `check` holds, for at most five seconds. */
async function eventually(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  for (let waited = 0; !(await check()); waited += 50) {
    if (waited > 5_000) assert.fail(`not within 5 s: ${what}`);
    await sleep(50);
  }
}

/** Redeems `session`'s refresh token as a copy of it would (with its DPoP key, if bound). */
async function redeem(session: StoredSession): Promise<unknown> {
  const oidc = await client.discovery(new URL(idp.issuer), idp.clientId, undefined, client.None(), {
    execute: [client.allowInsecureRequests],
  });
  const DPoP = session.dpopKey ? client.getDPoPHandle(oidc, await importDpopKey(session.dpopKey)) : undefined;
  return client.refreshTokenGrant(oidc, session.tokens.refreshToken ?? '', undefined, DPoP ? { DPoP } : undefined);
}

describe('accounts: sign-up, another account, organizations, connections', { skip }, () => {
  before(async () => {
    ({ idp, browser, keychain, keytar } = await startStoryServices());
  });
  after(() => stopStoryServices({ idp, browser, keychain }));
  afterEach(() => idp.faults.clear());

  test('sign-up creates an account on the sign-up page and signs the new person in', async () => {
    const email = `carol-${randomBytes(4).toString('hex')}@example.com`;
    const { service, opener, store } = app('sign-up', [
      async (page) => {
        await page.getByRole('heading', { name: 'Create Your Account' }).waitFor();
        await page.getByLabel('Email address').fill(email);
        await page.getByLabel('Password').fill('carol-secret');
        await page.getByLabel('Name').fill('Carol Example');
        await page.getByRole('button', { name: 'Continue' }).click();
        await acceptConsent(page);
      },
    ]);
    const profile = profileOf(await service.signUp());
    await opener.settled();
    assert.equal(profile.email, email);
    assert.equal(profile.name, 'Carol Example');
    assert.match(profile.sub, /^auth0\|/);
    assert.equal(profile.organization, undefined);
    assert.equal(opener.urls[0]?.searchParams.get('screen_hint'), 'signup');
    // And prompt=login: Auth0 shows the sign-up page only when it prompts (see the organization test).
    assert.equal(opener.urls[0]?.searchParams.get('prompt'), 'login');
    assert.equal(lastAuthorizeParams()?.screen_hint, 'signup');
    // Everything else as a login: PKCE, state and nonce, and the session in the keychain.
    assert.equal(opener.urls[0]?.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(opener.urls[0]?.searchParams.get('nonce'));
    assert.equal((await stored(store)).profile.sub, profile.sub);
    await service.dispose();
  });

  test('another account while signed in: the login page despite the provider session; bob replaces alice, whose refresh token is revoked', async () => {
    const alice = user('alice@example.com');
    const bob = user('bob@example.com');
    const profile = browser.newProfile();
    const { service, opener, store, pending, config } = app('switch', [signsInAs(alice.email), signsInAs(bob.email)], {
      profile,
    });
    assert.equal(profileOf(await service.login()).sub, alice.sub);
    const alices = await stored(store);
    assert.ok(alices.tokens.refreshToken);

    const revocations = idp.countRequests('/oauth/revoke');
    const switched = profileOf(await service.loginWithOtherAccount());
    await opener.settled();
    assert.equal(switched.sub, bob.sub);
    assert.equal(opener.urls[1]?.searchParams.get('prompt'), 'login');
    assert.equal(lastAuthorizeParams()?.prompt, 'login');

    // The keychain holds bob's session only: neither alice's tokens nor her key are left.
    const bobs = await stored(store);
    assert.equal(bobs.profile.sub, bob.sub);
    const text = await keychainText(config.keychainService);
    assert.equal(text.includes(alices.tokens.refreshToken), false, "alice's refresh token is gone");
    assert.equal(text.includes(alices.tokens.accessToken), false, "alice's access token is gone");
    if (alices.dpopKey) {
      assert.ok(bobs.dpopKey, 'DPoP-bound as before');
      assert.notEqual(bobs.dpopKey.d, alices.dpopKey.d, 'a key of its own');
      assert.equal(text.includes(alices.dpopKey.d), false, "alice's key is gone");
    }

    // Alice's refresh token is revoked at the provider: a copy of it (with her key) is refused.
    await eventually(
      'the revocation went through',
      async () => idp.countRequests('/oauth/revoke') > revocations && (await pending.list()).length === 0,
    );
    assert.equal(idp.countRequests('/oauth/revoke') - revocations, 1, 'once');
    await assert.rejects(redeem(alices), { error: 'invalid_grant' });

    // Bob's session works.
    const api = await service.callApi('private');
    assert.equal((api.body as { sub?: string }).sub, bob.sub);
    await service.dispose();
  });

  test('the same person again: still signed in, nothing revoked, the new session renews', async () => {
    const alice = user('alice@example.com');
    const clock = testClock();
    const { service, opener, store } = app('same-person', [signsInAs(alice.email), signsInAs(alice.email)], {
      profile: browser.newProfile(),
      clock,
    });
    profileOf(await service.login());
    const first = await stored(store);
    const revocations = idp.countRequests('/oauth/revoke');
    assert.equal(profileOf(await service.loginWithOtherAccount()).sub, alice.sub);
    await opener.settled();
    const second = await stored(store);
    assert.notEqual(second.tokens.refreshToken, first.tokens.refreshToken, 'the new tokens replaced the old');

    // Revoking the old token would revoke the grant the new one shares (see retiredRefreshToken).
    clock.advance(3_600_000);
    const renewed = await service.getAccessToken();
    assert.notEqual(renewed, second.tokens.accessToken, 'renewed with the new refresh token');
    assert.equal(profileOf(service.getState()).sub, alice.sub);
    assert.equal(idp.countRequests('/oauth/revoke'), revocations, 'nothing revoked');
    await service.dispose();
  });

  test('another account cancelled, or declined: alice stays signed in, in memory and in the keychain', async () => {
    const alice = user('alice@example.com');
    const bob = user('bob@example.com');
    let cancel = (): void => undefined;
    const { service, opener, store } = app(
      'cancelled',
      [
        signsInAs(alice.email),
        async (page) => {
          await page.getByRole('heading', { name: 'Welcome' }).waitFor();
          cancel();
        },
        async (page) => {
          await page.getByRole('heading', { name: 'Welcome' }).waitFor();
          await signIn(page, bob.email, 'demo');
          await declineConsent(page);
        },
      ],
      { profile: browser.newProfile() },
    );
    cancel = () => service.cancelLogin();
    profileOf(await service.login());
    const before = await stored(store);
    const revocations = idp.countRequests('/oauth/revoke');

    assert.equal(profileOf(await service.loginWithOtherAccount()).sub, alice.sub, 'cancelled: back to alice');
    const declined = await service.loginWithOtherAccount();
    await opener.settled();
    assert.equal(declined.status, 'error');
    assert.equal(declined.status === 'error' && declined.error.code, 'access_denied');

    // Under the error, alice's session is untouched.
    assert.deepEqual(await stored(store), before);
    const api = await service.callApi('private');
    assert.equal((api.body as { sub?: string }).sub, alice.sub);
    assert.equal(idp.countRequests('/oauth/revoke'), revocations);
    await service.dispose();
  });

  test('an organization by ID: every login sends it, the profile shows it, a renewal keeps it', async () => {
    const clock = testClock();
    let cancel = (): void => undefined;
    const { service, opener } = app(
      'org-id',
      [
        signsInAs('alice@example.com'),
        async (page) => {
          await page.getByRole('heading', { name: 'Create Your Account' }).waitFor();
          cancel();
        },
      ],
      { env: { AUTH0_ORGANIZATION: 'org_demo1' }, clock },
    );
    cancel = () => service.cancelLogin();
    const profile = profileOf(await service.login());
    assert.deepEqual(profile.organization, { id: 'org_demo1', name: 'acme' });
    assert.equal(opener.urls[0]?.searchParams.get('organization'), 'org_demo1');
    assert.equal(lastAuthorizeParams()?.organization, 'org_demo1');

    clock.advance(3_600_000);
    await service.getAccessToken();
    assert.deepEqual(profileOf(service.getState()).organization, { id: 'org_demo1', name: 'acme' });

    // Sign-up carries it too, and shows the sign-up page although the provider has a session.
    await service.signUp();
    await opener.settled();
    assert.equal(opener.urls[1]?.searchParams.get('organization'), 'org_demo1');
    assert.equal(opener.urls[1]?.searchParams.get('screen_hint'), 'signup');
    await service.dispose();
  });

  test('an organization by name, in any case: sent lower-case, checked against org_name', async () => {
    const { service, opener } = app('org-name', [signsInAs('alice@example.com')], {
      env: { AUTH0_ORGANIZATION: 'ACME' },
    });
    const profile = profileOf(await service.loginWithOtherAccount());
    assert.deepEqual(profile.organization, { id: 'org_demo1', name: 'acme' });
    assert.equal(opener.urls[0]?.searchParams.get('organization'), 'acme');
    assert.equal(opener.urls[0]?.searchParams.get('prompt'), 'login');
    await service.dispose();
  });

  test('a person outside the organization is told so, and nothing is stored', async () => {
    const tokenRequests = idp.countRequests('/oauth/token');
    const { service, opener, store } = app(
      'not-a-member',
      [async (page) => signIn(page, 'alice@example.com', 'demo')],
      { env: { AUTH0_ORGANIZATION: 'globex' } },
    );
    const final = await service.login();
    await opener.settled();
    assert.deepEqual(final, {
      status: 'error',
      error: {
        code: 'access_denied',
        message:
          'This account is not a member of the organization this app signs in to (globex). Sign in with another account, or ask an administrator of the organization to add you.',
      },
    });
    assert.equal((await store.load()).kind, 'empty');
    assert.equal(idp.countRequests('/oauth/token'), tokenRequests, 'no code was redeemed');
    await service.dispose();
  });

  test('an ID token for another organization is refused at sign-in and ends a renewed session; the refresh tokens it brought are revoked', async () => {
    for (const [defect, organization] of [
      ['wrong-org-id', 'org_demo1'],
      ['wrong-org-name', 'acme'],
    ] as const) {
      idp.faults.idToken(defect);
      // A browser session of its own, so the refused sign-in's grant is nobody else's.
      const { service, opener, store, pending } = app(`wrong-${defect}`, [signsInAs('alice@example.com')], {
        env: { AUTH0_ORGANIZATION: organization },
        profile: browser.newProfile(),
      });
      const live = idp.liveRefreshTokens();
      const revocations = idp.countRequests('/oauth/revoke');
      const final = await service.login();
      await opener.settled();
      assert.deepEqual(final, {
        status: 'error',
        error: { code: 'id_token_invalid', message: wrongOrganizationMessage(organization) },
      });
      assert.equal((await store.load()).kind, 'empty', `${defect}: nothing stored`);
      // The provider issued a refresh token before the app refused the sign-in: nobody holds it now.
      await eventually(
        `${defect}: the refused sign-in's refresh token is revoked`,
        async () => idp.liveRefreshTokens() === live && (await pending.list()).length === 0,
      );
      assert.equal(idp.countRequests('/oauth/revoke') - revocations, 1, `${defect}: revoked once`);
      await service.dispose();
    }

    idp.faults.idToken(null);
    const clock = testClock();
    const { service, opener, store, pending } = app('wrong-org-renewal', [signsInAs('alice@example.com')], {
      env: { AUTH0_ORGANIZATION: 'org_demo1' },
      clock,
      profile: browser.newProfile(),
    });
    const live = idp.liveRefreshTokens();
    profileOf(await service.login());
    await opener.settled();
    assert.equal(idp.liveRefreshTokens(), live + 1, 'the session holds one refresh token');
    idp.faults.idToken('wrong-org-id');
    clock.advance(3_600_000);
    await assert.rejects(service.getAccessToken(), { code: 'session_expired' });
    assert.deepEqual(service.getState(), {
      status: 'signed-out',
      reason: { code: 'session_expired', message: organizationChangedMessage('org_demo1') },
    });
    assert.equal((await store.load()).kind, 'empty', 'the session left the keychain');
    // The renewal rotated the refresh token: the one the refused answer brought is revoked too.
    await eventually(
      "the refused renewal's refresh token is revoked",
      async () => idp.liveRefreshTokens() === live && (await pending.list()).length === 0,
    );
    await service.dispose();
  });

  test('a saved session from before AUTH0_ORGANIZATION changed is removed at start-up, and its refresh token revoked', async () => {
    const live = idp.liveRefreshTokens();
    const first = app('org-changed', [signsInAs('alice@example.com')], {
      env: { AUTH0_ORGANIZATION: 'org_demo1' },
      profile: browser.newProfile(),
    });
    profileOf(await first.service.login());
    await first.opener.settled();
    await first.service.dispose();

    // The same organization by name, or none set any more: the saved session is shown.
    for (const env of [{ AUTH0_ORGANIZATION: 'ACME' }, {}]) {
      const again = app('org-changed', [], { env });
      assert.deepEqual(profileOf(await again.service.restore()).organization, { id: 'org_demo1', name: 'acme' });
      await again.service.dispose();
    }

    // Another organization now: its sign-in check never ran for this session, so it is not shown.
    const later = app('org-changed', [], { env: { AUTH0_ORGANIZATION: 'globex' } });
    assert.deepEqual(await later.service.restore(), {
      status: 'signed-out',
      reason: { code: 'session_expired', message: OTHER_ORGANIZATION_SAVED_MESSAGE },
    });
    assert.equal((await later.store.load()).kind, 'empty', 'the session left the keychain');
    await eventually(
      'the removed session is revoked at the provider',
      async () => idp.liveRefreshTokens() === live && (await later.pending.list()).length === 0,
    );
    await later.service.dispose();
  });

  test('a connection is sent; an unknown connection or organization is a clear error', async () => {
    const { service, opener } = app('connection', [signsInAs('alice@example.com')], {
      env: { AUTH0_CONNECTION: 'Username-Password-Authentication' },
    });
    profileOf(await service.login());
    assert.equal(opener.urls[0]?.searchParams.get('connection'), 'Username-Password-Authentication');
    assert.equal(lastAuthorizeParams()?.connection, 'Username-Password-Authentication');
    await service.dispose();

    for (const [env, expected] of [
      [{ AUTH0_CONNECTION: 'github' }, /^The identity provider refused the connection in AUTH0_CONNECTION \(github\)/],
      [
        { AUTH0_ORGANIZATION: 'org_doesnotexist' },
        /^The identity provider refused the organization in AUTH0_ORGANIZATION \(org_doesnotexist\)/,
      ],
    ] as const) {
      // The provider sends the browser straight back with the error, before any page: a browser
      // that follows the redirects, and no person.
      const refused = app(`refused-${Object.keys(env).join()}`, [], {
        env,
        openBrowser: (url) => {
          void fetch(url).then(
            (response) => response.body?.cancel(),
            () => undefined,
          );
          return Promise.resolve();
        },
      });
      const final = await refused.service.login();
      await refused.opener.settled();
      assert.equal(final.status, 'error');
      assert.equal(final.status === 'error' && final.error.code, 'provider_error');
      assert.match(final.status === 'error' ? final.error.message : '', expected);
      await refused.service.dispose();
    }
  });

  test("the doctor's sign-in request sends them, so an unknown one fails with the dashboard fix", async () => {
    const doctor = (env: AuthEnv) =>
      runDoctor(
        { [DEMO_ISSUER_VARIABLE]: idp.issuer, KEYCHAIN_SERVICE: keychain.serviceName('doctor'), ...env },
        { secretStore: () => keytar, findElectronBinary: () => undefined, networkTimeoutMs: 3000 },
      );
    const request = async (env: AuthEnv) => (await doctor(env)).checks.find((check) => check.id === 'sign-in-request');

    const good = await request({ AUTH0_ORGANIZATION: 'acme', AUTH0_CONNECTION: 'google-oauth2' });
    assert.equal(good?.verdict, 'pass');
    assert.equal(lastAuthorizeParams()?.organization, 'acme');
    assert.equal(lastAuthorizeParams()?.connection, 'google-oauth2');

    const organization = await request({ AUTH0_ORGANIZATION: 'initech' });
    assert.equal(organization?.verdict, 'fail');
    assert.match(organization?.detail ?? '', /invalid_request: the organization was not found/);
    assert.match(organization?.fix ?? '', /^AUTH0_ORGANIZATION "initech" must be an organization of 127\.0\.0\.1/);
    assert.match(organization?.fix ?? '', /Type of Users: Business Users or Both/);

    const connection = await request({ AUTH0_CONNECTION: 'github' });
    assert.equal(connection?.verdict, 'fail');
    assert.match(connection?.fix ?? '', /^AUTH0_CONNECTION "github" must name a connection/);
  });
});
