import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium plays the person's system browser; nothing is ever downloaded. */
export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** Flags for Chromium on a machine with no network beyond loopback and no sandbox support as root. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** A real browser the tests hand authorization URLs to, like `shell.openExternal` would. */
export interface SystemBrowser {
  readonly browser: Browser;
  /** A fresh browser profile (its own cookies), like one person's browser. */
  newProfile(): Promise<BrowserContext>;
  close(): Promise<void>;
}

/** Launches headless Chromium for one test file. */
export async function launchSystemBrowser(): Promise<SystemBrowser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  return {
    browser,
    newProfile: () => browser.newContext(),
    close: () => browser.close(),
  };
}

/**
 * An `openBrowser` for the auth core that opens each URL in the real browser and then lets
 * the test act as the person in that tab (sign in, decline, close it...).
 */
export function browserOpener(
  system: SystemBrowser,
  act: (page: Page, url: URL) => Promise<void>,
  /** The person's browser profile; by default a fresh one, so the provider has no session yet. */
  profile?: Promise<BrowserContext>,
): {
  openBrowser: (url: string) => Promise<void>;
  readonly urls: URL[];
  readonly pages: Page[];
  settled(): Promise<void>;
} {
  let context = profile;
  const urls: URL[] = [];
  const pages: Page[] = [];
  const actions: Promise<void>[] = [];
  return {
    urls,
    pages,
    async openBrowser(url: string) {
      urls.push(new URL(url));
      context ??= system.newProfile();
      const page = await (await context).newPage();
      await page.goto(url);
      pages.push(page);
      // The person acts after the app has moved on to waiting, as in real life.
      actions.push(act(page, new URL(url)).catch(() => undefined));
    },
    async settled() {
      await Promise.all(actions);
    },
  };
}
