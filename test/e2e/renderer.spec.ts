import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Frame, Page } from '@playwright/test';
import { createKeychainTokenStore } from '../../src/main/auth/session/token-store.js';
import { AUTH_CHANNELS, type AuthBridge, type AuthEvents } from '../../src/shared/ipc-contract.js';
import { expect, test } from '../support/renderer-fixtures.js';
import { controllableSecretStore } from '../support/controllable-secret-store.js';
import { acceptConsent, declineConsent, signIn } from '../support/sign-in.js';

const SHOTS = join(import.meta.dirname, '..', '..', 'test-results', 'renderer');

async function shot(page: Page, name: string, scheme: 'light' | 'dark' = 'light'): Promise<void> {
  await mkdir(SHOTS, { recursive: true });
  await page.emulateMedia({ colorScheme: scheme });
  await page.screenshot({ path: join(SHOTS, `${name}${scheme === 'dark' ? '-dark' : ''}.png`) });
}

const signedOutHeading = (page: Page) => page.getByRole('heading', { name: 'Sign in to Desktop Login' });
/** The line under the profile while the keychain write is under way. */
const SAVING = 'Saving to your keychain…';
/** The line under the profile when the keychain refused the session. */
const NOT_REMEMBERED = 'Your keychain is unavailable, so this session will not be remembered after you quit.';

/** A transparent 1×1 PNG: what the routed picture hosts answer. */
const ONE_PIXEL_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);

test.describe('the app window (built renderer and preload on the real core)', () => {
  test('signed out: Login is focused, the demo banner shows, Enter starts the login', async ({ launchApp, idp }) => {
    let signInPage: Page | undefined;
    const app = await launchApp('renderer-cancel', {
      act: async (page) => {
        signInPage = page;
        await page.locator('input[name="email"]').waitFor();
      },
    });
    const { page } = app;
    await expect(signedOutHeading(page)).toBeVisible();
    await expect(page.locator('#demo-banner')).toBeVisible();
    await expect(page.locator('#demo-banner')).toContainText('Demo sign-in, not your Auth0 tenant');
    await expect(page.getByRole('button', { name: 'Login' })).toBeFocused();
    await shot(page, '1-signed-out');
    await shot(page, '1-signed-out', 'dark');

    // Keyboard only: Enter on the focused button.
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { name: 'Continue in your browser' })).toBeVisible();
    await expect(page.getByText('Waiting for you to sign in')).toBeVisible();
    await expect(page.getByText('Your browser may ask you to confirm returning')).toBeVisible();
    await page.getByRole('button', { name: 'Copy the sign-in link' }).click();
    await expect(page.getByText('Sign-in link copied')).toBeVisible();
    await expect(page.getByText('It is cleared from the clipboard when the sign-in ends.')).toBeVisible();
    expect(app.window.clipboard).toHaveLength(1);
    expect(new URL(app.window.clipboard[0]).origin, 'main copied the sign-in link').toBe(idp.origin);
    expect(app.window.clipboardText()).toBe(app.window.clipboard[0]);
    await shot(page, '2-waiting');
    await shot(page, '2-waiting', 'dark');

    // "Open the browser again" opens the same sign-in page a second time.
    await page.getByRole('button', { name: 'Open the browser again' }).click();
    await expect.poll(() => app.opener.urls.length).toBe(2);
    expect(app.opener.urls[1].href).toBe(app.opener.urls[0].href);

    // Cancel returns to signed out, with a note.
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect(signedOutHeading(page)).toBeVisible();
    await expect(page.locator('main').getByText('Sign-in was cancelled')).toBeVisible();
    // The link (state and PKCE challenge) left the shared clipboard with the sign-in.
    await expect.poll(() => app.window.clipboardText(), { message: 'the clipboard was cleared' }).toBe('');
    expect(signInPage, 'the browser was opened').toBeDefined();
  });

  test('profile pictures load from the avatar hosts Auth0 uses, and from nowhere else', async ({ launchApp, idp }) => {
    const { page } = await launchApp('renderer-pictures');
    await expect(signedOutHeading(page)).toBeVisible();
    // Every picture request that leaves the page is answered here, so a picture that does not
    // load was stopped by the window's Content Security Policy before any request was made.
    const requested: string[] = [];
    await page.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => {
      requested.push(route.request().url());
      return route.fulfill({ status: 200, contentType: 'image/png', body: ONE_PIXEL_PNG });
    });
    const loads = async (url: string): Promise<boolean> =>
      // A string, because this project's Node types have no DOM; the page runs it as is.
      (await page.evaluate(`new Promise((done) => {
        const image = new Image();
        image.onload = () => done(true);
        image.onerror = () => done(false);
        image.src = ${JSON.stringify(url)};
      })`)) === true;

    const allowed = [
      idp.users[0].picture,
      'https://secure.gravatar.com/avatar/c160f8cc69a4f0bf2b0362752353d060',
      'https://cdn.auth0.com/avatars/al.png',
      'https://lh3.googleusercontent.com/a/ACg8ocK',
      'https://avatars.githubusercontent.com/u/1?v=4',
      'https://platform-lookaside.fbsbx.com/platform/profilepic/?asid=1',
    ];
    for (const url of allowed) expect(await loads(url), url).toBe(true);
    expect(requested).toEqual(allowed);

    const blocked = [
      'https://tracker.example/pixel.png?who=alice',
      'https://gravatar.com.attacker.example/avatar/1',
      'http://s.gravatar.com/avatar/1',
      'http://192.168.1.1/favicon.ico',
      // Gravatar's open image proxy, which would fetch any URL.
      'https://i0.wp.com/tracker.example/pixel.png',
      `data:image/png;base64,${ONE_PIXEL_PNG.toString('base64')}`,
    ];
    for (const url of blocked) expect(await loads(url), url).toBe(false);
    expect(requested, 'no blocked picture reached the network').toEqual(allowed);
  });

  test('a declined sign-in shows the error banner, and Try again signs in', async ({ launchApp, idp }) => {
    const user = idp.users[0];
    let attempt = 0;
    const { page } = await launchApp('renderer-retry', {
      act: async (browserPage) => {
        attempt += 1;
        if (attempt === 1) {
          await signIn(browserPage, user.email, 'demo');
          await declineConsent(browserPage);
        } else {
          // The provider still has the session from the first try, so only consent is asked again.
          await acceptConsent(browserPage);
        }
      },
    });
    await page.getByRole('button', { name: 'Login' }).click();
    await expect(page.getByRole('alert')).toContainText('declined');
    await shot(page, '4-error');
    await page.getByRole('button', { name: 'Try again' }).click();
    await expect(page.getByRole('heading', { name: user.name })).toBeVisible();
  });

  test('signs in, calls the API, restarts signed in, and logs out', async ({ launchApp, idp, keychain }) => {
    const user = idp.users[0];
    const app = await launchApp('renderer-story');
    const { page } = app;
    await page.getByRole('button', { name: 'Login' }).click();
    await expect(page.getByRole('heading', { name: user.name })).toBeVisible();
    await expect(page.getByText(user.email)).toBeVisible();
    await expect(page.getByText('Verified', { exact: true })).toBeVisible();
    await expect(page.getByText(SAVING)).toBeHidden();
    // No picture host is reachable here, so the initials stand in without a broken image.
    await shot(page, '3-signed-in');
    await shot(page, '3-signed-in', 'dark');

    await page.getByRole('button', { name: 'Call API' }).click();
    const response = page.getByLabel('API response', { exact: true }).last();
    await expect(response).toContainText('Hello from the demo API');
    const body = JSON.parse((await response.textContent()) ?? '{}') as { message?: string; sub?: string };
    expect(body).toMatchObject({ message: 'Hello from the demo API', sub: user.sub });
    await shot(page, '5-api-result');

    // Nothing the page received carries a token.
    const stored = await createKeychainTokenStore(keychain.keytar, app.config.keychainService).load();
    if (stored.kind !== 'found') throw new Error(`the session is not in the keychain (${stored.kind})`);
    const { accessToken, refreshToken, idToken } = stored.session.tokens;
    const secrets = [accessToken, refreshToken, idToken].filter((secret) => secret !== undefined);
    expect(secrets, 'an access, refresh and ID token were stored').toHaveLength(3);
    const seen = JSON.stringify(app.window.payloads) + (await page.content());
    for (const secret of secrets) expect(seen.includes(secret), 'a token reached the renderer').toBe(false);
    await app.close();

    // "Restart": a new core on the same keychain; the profile shows at once.
    const restarted = await launchApp('renderer-story');
    await expect(restarted.page.getByRole('heading', { name: user.name })).toBeVisible();
    // The provider takes its time revoking: the window says it is signing out meanwhile.
    idp.faults.set('/oauth/revoke', { delayMs: 1500, times: 1 });
    await restarted.page.getByRole('button', { name: 'Logout' }).click();
    await expect(restarted.page.getByRole('heading', { name: 'Signing out…' })).toBeVisible();
    await expect(signedOutHeading(restarted.page)).toBeVisible();
    await shot(restarted.page, '6-signed-out-after-logout');
    expect(await keychain.keytar.findCredentials(restarted.config.keychainService)).toEqual([]);
  });

  test('signed in shows while the keychain saves, with a line that goes once it is saved', async ({
    launchApp,
    idp,
    keychain,
  }) => {
    const user = idp.users[0];
    const secrets = controllableSecretStore(keychain.keytar);
    secrets.hold('setPassword');
    try {
      const { page } = await launchApp('renderer-saving', { keytar: secrets });
      await page.getByRole('button', { name: 'Login' }).click();
      await expect(page.getByRole('heading', { name: user.name })).toBeVisible();
      await expect(page.getByText(SAVING)).toBeVisible();
      await expect(page.getByRole('button', { name: 'Call API' })).toBeFocused();
      await shot(page, '3-signed-in-saving');
      secrets.release('setPassword');
      await expect(page.getByText(SAVING)).toBeHidden();
      await expect(page.getByText(NOT_REMEMBERED)).toBeHidden();
      // The same state, updated: keyboard focus stays on the main action.
      await expect(page.getByRole('button', { name: 'Call API' })).toBeFocused();
    } finally {
      secrets.release('setPassword');
    }
  });

  test('a keychain that refuses the write: signed in for this run, and the window says so', async ({
    launchApp,
    idp,
    keychain,
  }) => {
    const secrets = controllableSecretStore(keychain.keytar);
    secrets.failNext('setPassword', 1);
    const { page } = await launchApp('renderer-not-saved', { keytar: secrets });
    await page.getByRole('button', { name: 'Login' }).click();
    await expect(page.getByRole('heading', { name: idp.users[0].name })).toBeVisible();
    await expect(page.getByText(NOT_REMEMBERED)).toBeVisible();
    await expect(page.getByText(SAVING)).toBeHidden();
  });
});

// window.auth's methods, from the contract: one per request channel, and one listener per event.
const EVENT_LISTENERS = {
  [AUTH_CHANNELS.stateChanged]: 'onStateChange',
} as const satisfies Record<keyof AuthEvents, keyof AuthBridge>;
type EventKey = { [K in keyof typeof AUTH_CHANNELS]: (typeof AUTH_CHANNELS)[K] extends keyof AuthEvents ? K : never };
type RequestMethod = Exclude<keyof typeof AUTH_CHANNELS, EventKey[keyof typeof AUTH_CHANNELS]>;
type DerivedMethod = RequestMethod | (typeof EVENT_LISTENERS)[keyof typeof EVENT_LISTENERS];
const BRIDGE_METHODS: readonly DerivedMethod[] = [
  ...Object.entries(AUTH_CHANNELS)
    .filter(([, channel]) => !(channel in EVENT_LISTENERS))
    .map(([key]) => key as RequestMethod),
  ...Object.values(EVENT_LISTENERS),
];
// The names derived above are exactly AuthBridge's keys, or this line does not compile.
const DERIVED_IS_THE_BRIDGE: [DerivedMethod] extends [keyof AuthBridge]
  ? [keyof AuthBridge] extends [DerivedMethod]
    ? true
    : never
  : never = true;

// What a page would use to reach Electron or Node if a preload leaked it.
const ELECTRON_AND_NODE_NAMES = ['require', 'process', 'ipcRenderer', 'electron', 'module', 'exports', 'Buffer'];

/** Calls `window.auth[method]()` in `frame`, the way the renderer does. */
function callBridge(frame: Page | Frame, method: Exclude<keyof AuthBridge, 'onStateChange'>): Promise<unknown> {
  return frame.evaluate(
    (name): Promise<unknown> => (globalThis as unknown as { auth: AuthBridge }).auth[name](),
    method,
  );
}

test.describe('window.auth: the built preload behind the real sender check', () => {
  test('the page sees exactly the contract on window.auth, and nothing of Electron or Node', async ({
    launchApp,
    renderer,
  }) => {
    const { page } = await launchApp('renderer-surface');
    await expect(signedOutHeading(page)).toBeVisible();
    const seen = await page.evaluate((names) => {
      const pageGlobal = globalThis as unknown as Record<string, unknown>;
      const auth = pageGlobal['auth'] as Record<string, unknown>;
      const property = Object.getOwnPropertyDescriptor(globalThis, 'auth');
      return {
        methods: Object.keys(auth).sort(),
        allFunctions: Object.values(auth).every((value) => typeof value === 'function'),
        frozen: Object.isFrozen(auth),
        writable: property?.writable,
        configurable: property?.configurable,
        leaked: names.filter((name) => name in globalThis),
        globals: Object.getOwnPropertyNames(globalThis),
      };
    }, ELECTRON_AND_NODE_NAMES);
    expect(DERIVED_IS_THE_BRIDGE).toBe(true);
    expect(seen.methods).toEqual([...BRIDGE_METHODS].sort());
    expect(seen).toMatchObject({ allFunctions: true, frozen: true, writable: false, configurable: false, leaked: [] });

    // Beside Playwright's own machinery, the page's globals differ from those of the same renderer
    // opened without the preload by `auth` alone: the stand-ins took their bindings off window, as
    // contextIsolation keeps ipcRenderer off it.
    const plain = await page.context().newPage();
    await plain.goto(renderer.url);
    const baseline = new Set(await plain.evaluate(() => Object.getOwnPropertyNames(globalThis)));
    await plain.close();
    const added = seen.globals.filter((name) => !baseline.has(name) && !/^__(playwright|pw)/.test(name));
    expect(added).toEqual(['auth']);
  });

  test('a call from a sub-frame is refused, even one showing our own entry URL', async ({
    framingContext,
    launchApp,
    renderer,
  }) => {
    const { page, opener } = await launchApp('renderer-subframe', { context: framingContext });
    await expect(signedOutHeading(page)).toBeVisible();
    // A string, because this project's Node types have no DOM; the page runs it as is.
    await page.evaluate(`new Promise((loaded) => {
      const frame = document.createElement('iframe');
      frame.src = ${JSON.stringify(renderer.url)};
      frame.onload = loaded;
      document.body.append(frame);
    })`);
    const [child] = page.mainFrame().childFrames();
    if (!child) throw new Error('the sub-frame did not load');
    expect(child.url()).toBe(renderer.url);

    await expect(callBridge(child, 'getState')).rejects.toThrow('Refused: untrusted sender');
    await expect(callBridge(child, 'login')).rejects.toThrow('Refused: untrusted sender');
    expect(opener.urls, 'no browser was opened').toHaveLength(0);
    // The top frame of the same window is still heard.
    await expect(callBridge(page, 'getState')).resolves.toMatchObject({ status: 'signed-out' });
  });

  test('a call from a page on another origin is refused', async ({ otherOrigin, launchApp }) => {
    const { page, opener } = await launchApp('renderer-origin', { url: otherOrigin.url });
    expect(new URL(page.url()).origin).toBe(new URL(otherOrigin.url).origin);
    await expect(callBridge(page, 'getState')).rejects.toThrow('Refused: untrusted sender');
    await expect(callBridge(page, 'login')).rejects.toThrow('Refused: untrusted sender');
    expect(opener.urls, 'no browser was opened').toHaveLength(0);
  });

  test('a call with arguments, or on a channel main does not handle, is refused', async ({ launchApp }) => {
    const hook = '__ipcRendererInvokeForTest';
    const { page, opener } = await launchApp('renderer-arguments', { invokeHook: hook });
    await expect(signedOutHeading(page)).toBeVisible();
    const invoke = (channel: string, ...args: unknown[]): Promise<unknown> =>
      page.evaluate(
        ([name, target, rest]) =>
          (globalThis as unknown as Record<string, (channel: string, ...args: unknown[]) => Promise<unknown>>)[name](
            target,
            ...rest,
          ),
        [hook, channel, args] as const,
      );

    await expect(invoke(AUTH_CHANNELS.getState)).resolves.toMatchObject({ status: 'signed-out' });
    await expect(invoke(AUTH_CHANNELS.getState, 'extra')).rejects.toThrow('Refused: unexpected arguments');
    await expect(invoke(AUTH_CHANNELS.login, { prompt: 'none' })).rejects.toThrow('Refused: unexpected arguments');
    await expect(invoke(`${AUTH_CHANNELS.login}-now`)).rejects.toThrow(
      `No handler registered for '${AUTH_CHANNELS.login}-now'`,
    );
    expect(opener.urls, 'no browser was opened').toHaveLength(0);
  });
});
