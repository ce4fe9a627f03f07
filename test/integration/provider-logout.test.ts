import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { startIdp, type RunningIdp } from '../../tools/idp/start-idp.js';
import { personSignsIn, personSignsInAndOut, startApp, waitForState } from '../support/app-harness.js';
import { browserUnavailableReason, launchSystemBrowser, type SystemBrowser } from '../support/system-browser.js';

// A native app learns that the provider ended its browser session only when the provider sends
// the browser back to the app's signed-out page. When that never happens (the provider answered
// with an error, or the person closed its confirmation page), the app must not claim a clean
// sign-out everywhere.

const skip = browserUnavailableReason();
if (skip) process.stdout.write(`# skipping provider logout tests: ${skip}\n`);

/** Short, so the tests need not wait the default two minutes for the browser to come back. */
const SIGNED_OUT_PAGE_WAIT_MS = 1_500;

let idp: RunningIdp;
let browser: SystemBrowser;

/** Signs in, then runs logout with the person doing `onLogoutPage` in the provider's tab. */
async function signInThenLogOut(onLogoutPage: (page: Page, url: URL) => Promise<void>) {
  const signIn = personSignsIn(idp);
  const app = startApp({
    idp,
    browser,
    act: async (page, url) => (url.pathname === '/authorize' ? signIn(page) : onLogoutPage(page, url)),
    deps: { signedOutPageTimeoutMs: SIGNED_OUT_PAGE_WAIT_MS },
  });
  assert.equal((await app.service.login()).status, 'signed-in');
  const loggedOut = await app.service.logout();
  return { app, loggedOut };
}

describe('ending the provider session', () => {
  before(async () => {
    if (skip) return;
    [idp, browser] = await Promise.all([startIdp(), launchSystemBrowser()]);
  });
  after(async () => {
    await Promise.all([idp?.close(), browser?.close()]);
  });

  test('the provider fails to end its session (431): the app says so', { skip, timeout: 30_000 }, async () => {
    idp.faults.set('/oidc/logout', { status: 431, body: 'Request Header Fields Too Large' });
    try {
      const { app, loggedOut } = await signInThenLogOut(async (page) => {
        await page.getByText('Request Header Fields Too Large').waitFor();
      });
      assert.equal(loggedOut.status, 'signed-out', 'signed out of the app at once');
      const said = await waitForState(app.service, (state) => state.status === 'signed-out' && !!state.reason);
      assert.equal(said.status === 'signed-out' && said.reason?.code, 'provider_logout_unconfirmed');
      assert.match(said.status === 'signed-out' ? (said.reason?.message ?? '') : '', /did not confirm/);
      await app.opener.settled();
      await app.service.dispose();
    } finally {
      idp.faults.set('/oidc/logout', null);
    }
  });

  test('the person closes the provider’s confirmation page: the app says so', { skip, timeout: 30_000 }, async () => {
    const { app } = await signInThenLogOut(async (page) => {
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
      await page.close();
    });
    const said = await waitForState(app.service, (state) => state.status === 'signed-out' && !!state.reason);
    assert.equal(said.status === 'signed-out' && said.reason?.code, 'provider_logout_unconfirmed');
    await app.opener.settled();
    await app.service.dispose();
  });

  test(
    'the provider sends the browser back: signed out, with nothing to add later',
    { skip, timeout: 30_000 },
    async () => {
      const { app, loggedOut } = await signInThenLogOut((page, url) => personSignsInAndOut(idp)(page, url));
      await app.opener.settled();
      assert.deepEqual(loggedOut, { status: 'signed-out', afterLogout: true });
      // Past the wait: the page was visited, so no warning follows.
      await new Promise((resolve) => setTimeout(resolve, SIGNED_OUT_PAGE_WAIT_MS + 500));
      assert.deepEqual(app.service.getState(), { status: 'signed-out', afterLogout: true });
      await app.service.dispose();
    },
  );
});
