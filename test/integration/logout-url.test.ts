import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SecretStore } from '../../src/main/auth/session/secret-store.js';
import { createKeychainTokenStore } from '../../src/main/auth/session/token-store.js';
import { startIdp, type RunningIdp } from '../../tools/idp/start-idp.js';
import { personSignsInAndOut, startApp } from '../support/app-harness.js';
import { browserUnavailableReason, launchSystemBrowser, type SystemBrowser } from '../support/system-browser.js';

// DESIGN checklist 12: no token in any URL. The logout URL goes to the system browser, which
// keeps it in its history, session files and metrics database, and the command that opens it
// is visible to other local users; so it carries client_id and the return URL, never the ID
// token. This runs the real core, the local provider (with end_session_endpoint in discovery,
// as an Auth0 tenant with RP-Initiated Logout discovery on) and a real browser.

const skip = browserUnavailableReason();
if (skip) process.stdout.write(`# skipping logout URL tests: ${skip}\n`);

/** Three base64url segments separated by dots: what any JWT (ID or access token) looks like in a URL. */
const JWT_SHAPE = /eyJ[\w-]+\.[\w-]+\.[\w-]+/;

/** A keytar-shaped store in memory, so the test can read the ID token the app kept. */
function memorySecretStore(): SecretStore {
  const entries = new Map<string, string>();
  const key = (service: string, account: string): string => JSON.stringify([service, account]);
  return {
    getPassword: (service, account) => Promise.resolve(entries.get(key(service, account)) ?? null),
    setPassword: (service, account, password) => {
      entries.set(key(service, account), password);
      return Promise.resolve();
    },
    deletePassword: (service, account) => Promise.resolve(entries.delete(key(service, account))),
    findCredentials: (service) =>
      Promise.resolve(
        [...entries].flatMap(([stored, password]) => {
          const [entryService, account] = JSON.parse(stored) as [string, string];
          return entryService === service ? [{ account, password }] : [];
        }),
      ),
  };
}

let idp: RunningIdp;
let browser: SystemBrowser;

describe('the logout URL', () => {
  before(async () => {
    if (skip) return;
    [idp, browser] = await Promise.all([startIdp(), launchSystemBrowser()]);
  });
  after(async () => {
    await Promise.all([idp?.close(), browser?.close()]);
  });

  test(
    'RP-initiated logout sends client_id and post_logout_redirect_uri, no ID token, and still ends the provider session',
    { skip },
    async () => {
      const secrets = memorySecretStore();
      const profile = browser.newProfile();
      const app = startApp({ idp, browser, keytar: secrets, act: personSignsInAndOut(idp), profile });
      try {
        assert.equal((await app.service.login()).status, 'signed-in');
        await app.opener.settled();
        const stored = await createKeychainTokenStore(secrets, app.config.keychainService).load();
        assert.ok(stored.kind === 'found', 'the session was saved');
        const { idToken } = stored.session.tokens;
        assert.ok(idToken !== undefined && idToken.length > 0, 'the provider issued an ID token');

        assert.deepEqual(await app.service.logout(), { status: 'signed-out', afterLogout: true });
        await app.opener.settled();

        const url = app.opener.urls.at(-1);
        assert.ok(url, 'logout opened the browser');
        assert.equal(`${url.origin}${url.pathname}`, `${idp.origin}/oidc/logout`, 'the end_session_endpoint');
        assert.equal(url.searchParams.get('client_id'), idp.clientId);
        const returnTo = url.searchParams.get('post_logout_redirect_uri') ?? '';
        assert.match(returnTo, /^http:\/\/127\.0\.0\.1:\d+\/signed-out$/);
        assert.deepEqual([...url.searchParams.keys()].sort(), ['client_id', 'post_logout_redirect_uri']);
        assert.equal(url.href.includes(idToken), false, 'the ID token is not in the URL');
        assert.doesNotMatch(decodeURIComponent(url.href), JWT_SHAPE, 'no token of any kind is in the URL');

        // The person confirmed on the provider's page and came back to the app's signed-out page.
        const page = app.opener.pages.at(-1);
        assert.ok(page);
        assert.equal(new URL(page.url()).href, returnTo);
        assert.match(await page.title(), /^You are signed out – Desktop Login$/);

        // The provider session really ended: the same browser is asked to sign in again.
        const check = await (await profile).newPage();
        await check.goto(app.opener.urls[0]?.href ?? '');
        await check.locator('input[name="email"]').waitFor({ timeout: 10_000 });
      } finally {
        await app.service.dispose();
        await (await profile).close();
      }
    },
  );
});
