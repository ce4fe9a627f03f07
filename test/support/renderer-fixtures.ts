import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from '@playwright/test';
import { DEMO_ISSUER_VARIABLE, type AuthEnv } from '../../src/main/auth/config/config.js';
import { runDoctor } from '../../src/main/auth/doctor/run-doctor.js';
import type { SecretStore } from '../../src/main/auth/session/secret-store.js';
import { startApp } from './app-harness.js';
import { keychainUnavailableReason } from './keychain.js';
import { test as base } from './provider-fixtures.js';
import { PRELOAD_PATH } from './preload-in-page.js';
import { openAppWindow, RENDERER_DIR, serveRenderer, type AppWindow, type ServedRenderer } from './renderer-harness.js';
import { browserUnavailableReason, type SystemBrowser } from './system-browser.js';

/** One app start: the real core, its window on the built renderer and preload, the person's browser. */
export type LaunchedApp = ReturnType<typeof startApp> & {
  readonly window: AppWindow;
  readonly page: Page;
  /** Quits this app start (disposes the core, closes the window); the fixture does it for those left open. */
  close(): Promise<void>;
};

/** How one app start differs from the usual. */
export interface LaunchOptions {
  /** What the person does in the browser tab the app opened; by default they sign in. */
  act?: (page: Page, url: URL) => Promise<void>;
  /** The browser context the window opens in; by default the test's own. */
  context?: BrowserContext;
  /** Where the window goes; by default the renderer's entry URL, the only one the sender check trusts. */
  url?: string;
  /** See PreloadBindings.invokeHook. */
  invokeHook?: string;
  /** The keychain the core uses, e.g. the test keychain behind a hand on its timing; by default the test keychain. */
  keytar?: SecretStore;
  /** The person's browser profile, e.g. one whose routes stall or fail; by default a fresh one. */
  profile?: Promise<BrowserContext>;
  /** Settings beyond the demo ones, as the app's `.env` would give them (e.g. AUTH0_ORGANIZATION). */
  env?: AuthEnv;
}

interface RendererWorkerFixtures {
  /** Why the renderer tests cannot run on this machine, or undefined. */
  rendererSkipReason: string | undefined;
  /** The built renderer, served on loopback: the origin the sender check trusts. */
  renderer: ServedRenderer;
}

interface RendererTestFixtures {
  /** Skips each test, with the reason, where the machine lacks what the renderer tests need. */
  rendererPrerequisites: void;
  /** The person's system browser: fresh profiles in the same browser as the app window. */
  person: SystemBrowser;
  /** Starts the app on a keychain service named after `keychainLabel`: same label, same keychain entries. */
  launchApp: (keychainLabel: string, options?: LaunchOptions) => Promise<LaunchedApp>;
  /**
   * A context that ignores the pages' CSP. The renderer's `default-src 'none'` forbids every
   * iframe, so only here can a test put a sub-frame into our window and show main refusing it.
   */
  framingContext: BrowserContext;
  /** The same built renderer on a second loopback origin: a page that is not ours. */
  otherOrigin: ServedRenderer;
}

/** The renderer tests' `test`: the provider, keychain and served renderer per worker; app starts per test. */
export const test = base.extend<RendererTestFixtures, RendererWorkerFixtures>({
  rendererSkipReason: [
    // Playwright reads a fixture's dependencies from this pattern; this fixture has none.
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const built = existsSync(join(RENDERER_DIR, 'index.html')) && existsSync(PRELOAD_PATH);
      await use(
        (built ? undefined : 'the renderer or preload is not built (run npm run build)') ??
          browserUnavailableReason() ??
          (await keychainUnavailableReason()),
      );
    },
    { scope: 'worker' },
  ],
  // Auto fixtures are set up before the ones a test asks for, so a skip here comes before any
  // keychain, provider or browser is started; each test is skipped and counted on its own.
  rendererPrerequisites: [
    async ({ rendererSkipReason }, use, testInfo) => {
      testInfo.skip(rendererSkipReason !== undefined, rendererSkipReason);
      await use();
    },
    { auto: true },
  ],
  renderer: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const renderer = await serveRenderer();
      await use(renderer);
      await renderer.close();
    },
    { scope: 'worker' },
  ],
  person: async ({ browser }, use) => {
    const profiles: BrowserContext[] = [];
    const closeProfiles = async (): Promise<void> => {
      await Promise.all(profiles.splice(0).map((profile) => profile.close()));
    };
    await use({
      browser,
      async newProfile() {
        const profile = await browser.newContext();
        profiles.push(profile);
        return profile;
      },
      close: closeProfiles,
    });
    await closeProfiles();
  },
  launchApp: async ({ idp, keychain, person, context, renderer }, use) => {
    const closers: (() => Promise<void>)[] = [];
    await use(async (keychainLabel, options = {}) => {
      const app = startApp({
        idp,
        browser: person,
        keytar: options.keytar ?? keychain.keytar,
        env: { ...options.env, KEYCHAIN_SERVICE: keychain.serviceName(keychainLabel) },
        ...(options.act ? { act: options.act } : {}),
        ...(options.profile ? { profile: options.profile } : {}),
      });
      // Registered before the window opens, so a start that fails half-way is still quit.
      const windows: AppWindow[] = [];
      let closed = false;
      const close = async (): Promise<void> => {
        if (closed) return;
        closed = true;
        await app.service.dispose();
        await Promise.all(windows.map((window) => window.close()));
      };
      closers.push(close);
      await app.service.restore();
      const window = await openAppWindow({
        context: options.context ?? context,
        entryUrl: renderer.url,
        url: options.url,
        service: app.service,
        appInfo: { demo: app.config.demo, issuerHost: app.config.issuer.host },
        invokeHook: options.invokeHook,
        // "Check my setup" runs the real doctor against the same provider and test keychain.
        checkSetup: () =>
          runDoctor(
            {
              [DEMO_ISSUER_VARIABLE]: idp.issuer,
              AUTH0_AUDIENCE: idp.audience,
              KEYCHAIN_SERVICE: keychain.serviceName('renderer-doctor'),
            },
            { secretStore: () => keychain.keytar },
          ),
      });
      windows.push(window);
      return { ...app, window, page: window.page, close };
    });
    // Quit whatever a test left running, even when it failed half-way.
    for (const close of closers) await close();
  },
  framingContext: async ({ browser }, use) => {
    const context = await browser.newContext({ bypassCSP: true });
    await use(context);
    await context.close();
  },
  // eslint-disable-next-line no-empty-pattern
  otherOrigin: async ({}, use) => {
    const served = await serveRenderer();
    await use(served);
    await served.close();
  },
});

export { expect } from '@playwright/test';
