import type { BrowserContext, Page } from 'playwright-core';
import type { RunningIdp } from '../tools/idp/start-idp.js';
import { startApp, waitForState } from '../test/support/app-harness.js';
import type { TestKeychain } from '../test/support/keychain.js';
import { openAppWindow, type AppWindow, type ServedRenderer } from '../test/support/renderer-harness.js';
import type { SystemBrowser } from '../test/support/system-browser.js';
import { DRIVERS, type ReadmeState } from './readme-drivers.js';
import type { Viewport } from './screenshot-manifest.js';
import {
  OUTLINE_IN_PAGE,
  outlineLines,
  settledInPage,
  type OutlineElement,
  type OutlineMask,
} from './window-outline.js';

export type { ReadmeState } from './readme-drivers.js';

/** One README picture: a state in a colour scheme. */
export interface ReadmeShot {
  readonly file: string;
  readonly state: ReadmeState;
  readonly colorScheme: 'light' | 'dark';
  readonly description: string;
}

/** Every picture the README shows; `npm run screenshots` makes exactly these. */
export const README_SHOTS: readonly ReadmeShot[] = [
  {
    file: 'docs/screenshots/signed-out.png',
    state: 'signed-out',
    colorScheme: 'light',
    description: 'Signed out: the first window, on the demo provider',
  },
  {
    file: 'docs/screenshots/waiting.png',
    state: 'waiting',
    colorScheme: 'light',
    description: 'Signing in: waiting for the person to sign in in their browser',
  },
  {
    file: 'docs/screenshots/signed-in.png',
    state: 'signed-in',
    colorScheme: 'light',
    description: 'Signed in, the session saved in the keychain',
  },
  {
    file: 'docs/screenshots/signed-in-dark.png',
    state: 'signed-in',
    colorScheme: 'dark',
    description: 'Signed in, the session saved in the keychain (dark theme)',
  },
  {
    file: 'docs/screenshots/error.png',
    state: 'error',
    colorScheme: 'light',
    description: 'A sign-in the person declined in the browser',
  },
  {
    file: 'docs/screenshots/sign-up.png',
    state: 'sign-up-page',
    colorScheme: 'light',
    description: "Create an account: the provider's sign-up page, opened in the person's browser (demo provider)",
  },
  {
    file: 'docs/screenshots/signed-in-organization.png',
    state: 'signed-in-organization',
    colorScheme: 'light',
    description: 'Signed in through an organization (AUTH0_ORGANIZATION set)',
  },
  {
    file: 'docs/screenshots/switched-account.png',
    state: 'switched-account',
    colorScheme: 'light',
    description: 'Signed in as another person after "Sign in with a different account"',
  },
];

/** What the window needs: the real provider, keychain and browser, and the built renderer. */
export interface WindowRig {
  readonly idp: RunningIdp;
  readonly keychain: TestKeychain;
  readonly browser: SystemBrowser;
  readonly renderer: ServedRenderer;
  readonly viewport: Viewport;
}

/** The window in one state, ready to be outlined and photographed. */
export interface OpenWindow {
  /** What the picture is of: the app window, or the page the app opened in the person's browser. */
  readonly page: Page;
  /** The drawn window's outline, with the person's name, email and the provider's port masked. */
  outline(): Promise<string[]>;
  close(): Promise<void>;
}

/** True for a state name this module can drive the window into (a manifest's `state`). */
export function isReadmeState(state: string): state is ReadmeState {
  return Object.hasOwn(DRIVERS, state);
}

// Transitions are what caught "Call API" mid-fade; screenshots show the end state only. A
// stylesheet from the page's own origin, as the CSP (style-src 'self') allows no inline style.
const HOLD_STILL_CSS = '*,*::before,*::after{transition:none!important;animation:none!important}';
const HOLD_STILL_PATH = '/hold-still.css';
/** How long the window must stay unchanged to count as settled (see settledInPage). */
const QUIET_MS = 300;
const SETTLE_TIMEOUT_MS = 10_000;

/** The person's name, email and initials, which come from the provider and are not the UI. */
function personMasks(idp: RunningIdp): OutlineMask[] {
  return idp.users.flatMap((user) => [
    { text: user.name, as: '<name>' },
    { text: user.email, as: '<email>' },
    { text: initialsOf(user.name), as: '<initials>', whole: true },
  ]);
}

function initialsOf(name: string): string {
  return name
    .split(/[\s@._-]+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0]?.toUpperCase() ?? '')
    .join('');
}

let starts = 0;

/** Waits until the window has stopped changing, or fails saying so. */
export async function settled(page: Page): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the window kept changing for ${SETTLE_TIMEOUT_MS} ms`)),
      SETTLE_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([page.evaluate(settledInPage(QUIET_MS)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A browser context for the window at the default window size: pictures from other hosts never
 * load (Gravatar would differ per machine; the initials stand in), and the hold-still stylesheet
 * is served from the renderer's own origin. Errors the page throws are collected.
 */
async function windowContext(rig: WindowRig): Promise<{ context: BrowserContext; pageErrors: string[] }> {
  const context = await rig.browser.browser.newContext({ viewport: rig.viewport, deviceScaleFactor: 1 });
  const pageErrors: string[] = [];
  context.on('weberror', (error) => pageErrors.push(String(error.error())));
  await context.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort());
  await context.route(`${new URL(rig.renderer.url).origin}${HOLD_STILL_PATH}`, (route) =>
    route.fulfill({ contentType: 'text/css', body: HOLD_STILL_CSS }),
  );
  return { context, pageErrors };
}

/**
 * Starts the app on the real core (its own keychain entry), opens its window on the built
 * renderer at the default window size, and drives it into `state` the way a person would. The
 * person's browser opens its pages at the same size, for the states pictured there.
 */
export async function openWindowIn(rig: WindowRig, state: ReadmeState): Promise<OpenWindow> {
  const driver = DRIVERS[state];
  const person = await windowContext(rig);
  const app = startApp({
    idp: rig.idp,
    browser: rig.browser,
    keytar: rig.keychain.keytar,
    // Each start its own keychain entry: a session left by an earlier start would be restored.
    env: {
      ...driver.env?.(rig.idp),
      KEYCHAIN_SERVICE: rig.keychain.serviceName(`readme-${state}-${(starts += 1)}`),
    },
    profile: Promise.resolve(person.context),
    ...(driver.act ? { act: driver.act(rig.idp) } : {}),
  });
  const { context, pageErrors } = await windowContext(rig);
  let window: AppWindow | undefined;
  const close = async (): Promise<void> => {
    await app.service.dispose();
    await window?.close();
    await Promise.all([person.context.close(), context.close()]);
  };
  // A window that threw may have stopped following the app's state: its picture would lie.
  const checked = <T>(value: T): T => {
    if (pageErrors.length > 0) throw new Error(`The window threw while showing ${state}: ${pageErrors.join('; ')}`);
    return value;
  };
  try {
    await app.service.restore();
    window = await openAppWindow({
      context,
      entryUrl: rig.renderer.url,
      service: app.service,
      appInfo: { demo: app.config.demo, issuerHost: app.config.issuer.host },
    });
    await window.page.addStyleTag({ url: `${new URL(rig.renderer.url).origin}${HOLD_STILL_PATH}` });
    const page = await driver.reach({
      idp: rig.idp,
      window: window.page,
      browserPages: app.opener.pages,
      until: (predicate) => waitForState(app.service, predicate),
    });
    await settled(page);
    const masks = personMasks(rig.idp);
    const outline = async (): Promise<string[]> =>
      checked(outlineLines(await page.evaluate<OutlineElement[]>(OUTLINE_IN_PAGE), masks));
    return checked({ page, outline, close });
  } catch (error) {
    await close();
    throw error;
  }
}
