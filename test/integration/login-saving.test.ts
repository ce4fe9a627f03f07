import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Page } from 'playwright-core';
import { DONE_PATH } from '../../src/main/auth/loopback/callback-request.js';
import type { SecretStore } from '../../src/main/auth/session/secret-store.js';
import { createKeychainTokenStore, type TokenStore } from '../../src/main/auth/session/token-store.js';
import type { AuthState } from '../../src/shared/auth-state.js';
import type { RunningIdp } from '../../tools/idp/start-idp.js';
import {
  demoConfig,
  personSignsInAndOut,
  startApp,
  testClock,
  waitForState,
  type TestClock,
} from '../support/app-harness.js';
import { controllableSecretStore } from '../support/controllable-secret-store.js';
import { keychainUnavailableReason, type TestKeychain } from '../support/keychain.js';
import { startStoryServices, stopStoryServices } from '../support/story-services.js';
import { browserUnavailableReason, type SystemBrowser } from '../support/system-browser.js';

// The person is shown signed in as soon as the app holds the session; the keychain write goes on
// behind it. The browser tab, and the state's `persistence`, say "saved" only once it is.

const skip = (await keychainUnavailableReason()) ?? browserUnavailableReason();
if (skip) process.stdout.write(`# skipping sign-in saving tests: ${skip}\n`);

/** Far past the provider's 600 s access token lifetime, so the next use must refresh. */
const LATER = 3_600_000;
/** How long a test waits for something that should happen at once before calling it missing. */
const PROMPTLY_MS = 5_000;

let idp: RunningIdp;
let browser: SystemBrowser;
let keychain: TestKeychain;
let keytar: SecretStore;
let services = 0;

/** The browser tab of a login: when it asked the app how the sign-in ended, and what it was told. */
interface Tab {
  /** Resolves once the tab has asked for the page that says how the sign-in ended. */
  readonly asked: Promise<void>;
  /** The page's text, once the app has answered. */
  readonly answer: Promise<string>;
  answered: boolean;
}

/** The person signs in (and out, when asked), and the tab's last page is watched. */
function watchedTab(): { tab: Tab; act: (page: Page, url: URL) => Promise<void> } {
  let asked!: () => void;
  let answer!: (text: string) => void;
  const tab: Tab = {
    asked: new Promise((resolve) => (asked = resolve)),
    answer: new Promise((resolve) => (answer = resolve)),
    answered: false,
  };
  const signInAndOut = personSignsInAndOut(idp);
  const act = async (page: Page, url: URL): Promise<void> => {
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === DONE_PATH) asked();
    });
    page.on('response', (response) => {
      if (new URL(response.url()).pathname !== DONE_PATH) return;
      tab.answered = true;
      void response.text().then(answer, () => answer(''));
    });
    await signInAndOut(page, url);
  };
  return { tab, act };
}

type App = ReturnType<typeof startApp> & { readonly clock: TestClock; readonly keychainService: string; tab: Tab };

/** One app start on the real provider, browser and keychain, its token store on `secrets`. */
function appWith(secrets: SecretStore, wrap: (store: TokenStore) => TokenStore = (store) => store): App {
  services += 1;
  const env = { KEYCHAIN_SERVICE: keychain.serviceName(`saving-${services}`) };
  const clock = testClock();
  const { tab, act } = watchedTab();
  const keychainService = demoConfig(idp, env).keychainService;
  const app = startApp({
    idp,
    browser,
    env,
    clock,
    act,
    deps: { tokenStore: wrap(createKeychainTokenStore(secrets, keychainService)) },
  });
  return { ...app, clock, keychainService, tab };
}

/** The persistence of a signed-in state, or the status when not signed in. */
function persistenceOf(state: AuthState): string {
  return state.status === 'signed-in' ? state.persistence : state.status;
}

/** The persistence values the app showed while signed in, repeats folded. */
function shownPersistence(states: readonly AuthState[]): string[] {
  const shown: string[] = [];
  for (const state of states) {
    if (state.status !== 'signed-in' || shown.at(-1) === state.persistence) continue;
    shown.push(state.persistence);
  }
  return shown;
}

/** The first signed-in state, or undefined when none came within PROMPTLY_MS. */
async function signedInPromptly(app: App): Promise<AuthState | undefined> {
  return Promise.race([
    waitForState(app.service, (state) => state.status === 'signed-in'),
    sleep(PROMPTLY_MS).then(() => undefined),
  ]);
}

describe('signed in shows before the keychain write finishes (real provider, browser and keychain)', () => {
  before(async () => {
    if (skip) return;
    ({ idp, browser, keychain, keytar } = await startStoryServices());
  });
  after(() => stopStoryServices({ idp, browser, keychain }));
  afterEach(() => Promise.all(browser?.browser.contexts().map((context) => context.close()) ?? []));

  test(
    'a held keychain write: signed in as "saving" at once, the tab waits, then "keychain" and the tab says signed in',
    { skip },
    async () => {
      const secrets = controllableSecretStore(keytar);
      const app = appWith(secrets);
      try {
        secrets.hold('setPassword');
        const login = app.service.login();
        const saving = await signedInPromptly(app);
        assert.equal(saving && persistenceOf(saving), 'saving', 'signed in before the write finished');
        await secrets.whenHeld('setPassword');
        await app.tab.asked;
        // The tab's question is parked until the write settles; give a wrong answer time to arrive.
        await sleep(300);
        assert.equal(app.tab.answered, false, 'the tab is not told "signed in" before the keychain has the session');
        assert.equal(await keytar.getPassword(app.keychainService, 'session.v1'), null, 'nothing written yet');

        secrets.release('setPassword');
        const final = await login;
        assert.equal(persistenceOf(final), 'keychain');
        assert.deepEqual(shownPersistence(app.states), ['saving', 'keychain']);
        const page = await app.tab.answer;
        assert.match(page, /You are signed in/);
        assert.doesNotMatch(page, /keychain is unavailable/);
        const saved = await createKeychainTokenStore(keytar, app.keychainService).load();
        assert.equal(saved.kind === 'found' && saved.session.profile.sub, idp.users[0]?.sub);
      } finally {
        secrets.release('setPassword');
        await app.service.dispose();
      }
    },
  );

  test('a refused keychain write: still signed in, for this run only, with the usual warning', { skip }, async () => {
    const secrets = controllableSecretStore(keytar);
    const app = appWith(secrets);
    try {
      secrets.hold('setPassword');
      secrets.failNext('setPassword', 1);
      const login = app.service.login();
      const saving = await signedInPromptly(app);
      assert.equal(saving && persistenceOf(saving), 'saving');
      await secrets.whenHeld('setPassword');
      secrets.release('setPassword');
      const final = await login;
      assert.equal(persistenceOf(final), 'unavailable');
      assert.deepEqual(shownPersistence(app.states), ['saving', 'unavailable']);
      assert.match(app.logs.text(), /warn the session could not be saved to the keychain \(keychain_unavailable\)/);
      const page = await app.tab.answer;
      assert.match(page, /You are signed in/);
      assert.match(page, /keychain is unavailable, so Desktop Login will not remember you after you quit/);
      assert.ok((await app.service.getAccessToken()).length > 0, 'the session works in memory');
    } finally {
      secrets.release('setPassword');
      await app.service.dispose();
    }
  });

  test('Logout pressed while the keychain write is held: the keychain ends empty', { skip }, async () => {
    const secrets = controllableSecretStore(keytar);
    const app = appWith(secrets);
    try {
      secrets.hold('setPassword');
      const login = app.service.login();
      await secrets.whenHeld('setPassword');
      const logout = app.service.logout();
      await waitForState(app.service, (state) => state.status === 'signing-out');
      secrets.release('setPassword');
      await login;
      assert.deepEqual(await logout, { status: 'signed-out', afterLogout: true });
      assert.deepEqual(await keytar.findCredentials(app.keychainService), [], 'the held write was not left behind');
      // What the next start would find.
      assert.equal((await createKeychainTokenStore(keytar, app.keychainService).load()).kind, 'empty');
    } finally {
      secrets.release('setPassword');
      await app.service.dispose();
    }
  });

  test(
    'a refresh that finishes while the sign-in is still being written commits after it: the keychain ends with the refreshed tokens',
    { skip },
    async () => {
      // Held at the token store's save, not at keytar: a held keytar write would hold the
      // refresh's own keychain read too, and the refresh could not finish meanwhile.
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let saves = 0;
      const app = appWith(keytar, (store) => ({
        ...store,
        save: async (session) => {
          saves += 1;
          if (saves === 1) await released;
          return store.save(session);
        },
      }));
      try {
        const login = app.service.login();
        const saving = await signedInPromptly(app);
        assert.equal(saving && persistenceOf(saving), 'saving');
        const refreshes = idp.countRequests('/oauth/token');
        app.clock.advance(LATER);
        let renewed: string | undefined;
        const token = app.service.getAccessToken().then((value) => (renewed = value));
        // The provider has answered the refresh (a code exchange and a refresh so far)...
        for (let waited = 0; idp.countRequests('/oauth/token') === refreshes; waited += 20) {
          assert.ok(waited < PROMPTLY_MS, 'the refresh reached the provider');
          await sleep(20);
        }
        await sleep(300);
        // ...but its tokens wait for the sign-in's write.
        assert.equal(renewed, undefined, 'the refreshed token waits for its commit');
        assert.equal(saves, 1, 'only the sign-in’s write has started');

        release();
        await login;
        const accessToken = await token;
        const saved = await createKeychainTokenStore(keytar, app.keychainService).load();
        assert.ok(saved.kind === 'found');
        assert.equal(saved.session.tokens.accessToken, accessToken, 'the keychain holds the refreshed tokens');
        assert.equal(saves, 2);
        assert.equal(persistenceOf(app.service.getState()), 'keychain');
      } finally {
        release();
        await app.service.dispose();
      }
    },
  );
});
