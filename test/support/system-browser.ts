import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { browserArgs, findBrowser, noBrowserReason } from '../../tools/browser/find-browser.js';

/**
 * The installed Chrome, Chromium or Edge that plays the person's system browser (nothing is
 * ever downloaded), or undefined when there is none. Throws when CHROMIUM_PATH names a
 * missing file.
 */
export function systemBrowserPath(): string | undefined {
  return findBrowser({ platform: process.platform, env: process.env, exists: existsSync });
}

/** Why tests that need the browser cannot run here, or undefined when they can. */
export function browserUnavailableReason(): string | undefined {
  return systemBrowserPath() === undefined ? noBrowserReason(process.platform) : undefined;
}

/** Flags for the test browser on this machine (see browserArgs). */
export function systemBrowserArgs(): string[] {
  return browserArgs(process.platform, process.getuid?.());
}

/** A real browser the tests hand authorization URLs to, like `shell.openExternal` would. */
export interface SystemBrowser {
  readonly browser: Browser;
  /** A fresh browser profile (its own cookies), like one person's browser. */
  newProfile(): Promise<BrowserContext>;
  close(): Promise<void>;
}

/**
 * Launches the headless browser for one test file. `trustedSpkiHashes` makes it accept server
 * certificates with those keys (a test CA's server), as a machine with that CA installed would.
 */
export async function launchSystemBrowser(options: { trustedSpkiHashes?: string[] } = {}): Promise<SystemBrowser> {
  const executablePath = systemBrowserPath();
  if (executablePath === undefined) throw new Error(noBrowserReason(process.platform));
  const trust = options.trustedSpkiHashes?.length
    ? [`--ignore-certificate-errors-spki-list=${options.trustedSpkiHashes.join(',')}`]
    : [];
  const browser = await chromium.launch({ executablePath, headless: true, args: [...systemBrowserArgs(), ...trust] });
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
