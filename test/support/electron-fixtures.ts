import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { _electron, expect, type ElectronApplication, type Page, type TestInfo } from '@playwright/test';
import { PROJECT_DIR, findElectronBinary } from '../../scripts/electron-binary.js';
import { DEMO_ISSUER_VARIABLE } from '../../src/main/auth/config/config.js';
import { ELECTRON_FETCH_FIX } from '../../src/main/auth/doctor/electron-check.js';
import type { RunningIdp } from '../../tools/idp/start-idp.js';
import { keychainUnavailableReason } from './keychain.js';
import { test as base } from './provider-fixtures.js';
import { browserUnavailableReason, launchSystemBrowser, type SystemBrowser } from './system-browser.js';

// Playwright fixtures for the built app in a real Electron, the way people who adopt this app
// write their own tests: each test gets an app of its own (own userData, own keychain service),
// and the worker shares the identity provider, the keychain and the person's browser.

/** The user-data variable main.ts honours outside a packaged app; see src/main/main.ts. */
export const USER_DATA_VARIABLE = 'DESKTOP_LOGIN_USER_DATA';

/** Set by the GitHub workflow, where Electron exists: a skip there would hide a broken suite. */
export const REQUIRE_ELECTRON_VARIABLE = 'DESKTOP_LOGIN_REQUIRE_ELECTRON';

/** One start of the app, with the URLs it handed to the system browser. */
export interface RunningApp {
  readonly app: ElectronApplication;
  readonly window: Page;
  /** Resolves with the `count`-th URL the app opened in the system browser. */
  readonly openedUrl: (count: number) => Promise<URL>;
  /** How often main focused the window (it does when the browser hands the login back). */
  readonly focusCount: () => Promise<number>;
  readonly close: () => Promise<void>;
}

interface WorkerFixtures {
  display: Record<string, string>;
  personBrowser: SystemBrowser;
}

interface TestFixtures {
  /**
   * Starts the app. Calls within one test share userData and keychain service, so a second
   * call is "the same person restarts the app".
   */
  launchApp: () => Promise<RunningApp>;
}

/**
 * Why the Electron tests cannot run here, or undefined. Where REQUIRE_ELECTRON_VARIABLE is
 * set this throws instead, so the suite fails rather than skipping.
 */
export async function electronSkipReason(): Promise<string | undefined> {
  const reason = await findSkipReason();
  if (reason !== undefined && process.env[REQUIRE_ELECTRON_VARIABLE] === '1') {
    throw new Error(`${REQUIRE_ELECTRON_VARIABLE}=1, but the Electron tests would skip: ${reason}`);
  }
  return reason;
}

async function findSkipReason(): Promise<string | undefined> {
  if (findElectronBinary() === undefined)
    return `Electron tests need the Electron binary, which is not installed. ${ELECTRON_FETCH_FIX}`;
  if (!existsSync(join(PROJECT_DIR, 'dist', 'main', 'main.js'))) return 'the app is not built (run npm run build)';
  if (process.platform === 'linux' && !process.env['DISPLAY'] && !process.env['WAYLAND_DISPLAY'] && !hasXvfb())
    return 'no display: set DISPLAY, or install Xvfb (Debian: apt-get install xvfb)';
  return (await keychainUnavailableReason()) ?? browserUnavailableReason();
}

function hasXvfb(): boolean {
  return spawnSync('sh', ['-c', 'command -v Xvfb'], { encoding: 'utf8' }).status === 0;
}

/** A virtual X display for this worker when Linux has none, as `xvfb-run` would give. */
async function startXvfb(): Promise<{ display: string; child: ChildProcess }> {
  // -displayfd: Xvfb picks a free display number and writes it to fd 3 once it accepts clients.
  const child = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
  });
  const display = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdio[3]?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) resolve(`:${text.trim()}`);
    });
    child.once('exit', () => reject(new Error('Xvfb exited before it was ready')));
  });
  return { display, child };
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  display: [
    // eslint-disable-next-line no-empty-pattern -- Playwright reads a fixture's dependencies from this pattern.
    async ({}, use) => {
      if (process.platform !== 'linux' || process.env['DISPLAY'] || process.env['WAYLAND_DISPLAY'] || !hasXvfb()) {
        await use({});
        return;
      }
      const xvfb = await startXvfb();
      await use({ DISPLAY: xvfb.display });
      xvfb.child.kill();
    },
    { scope: 'worker' },
  ],
  personBrowser: [
    // eslint-disable-next-line no-empty-pattern -- Playwright reads a fixture's dependencies from this pattern.
    async ({}, use) => {
      const browser = await launchSystemBrowser();
      await use(browser);
      await browser.close();
    },
    { scope: 'worker' },
  ],
  launchApp: async ({ display, idp, keychain }, use, testInfo) => {
    const label = `electron-${testInfo.testId}`;
    const service = keychain.serviceName(label);
    // The app stores under `<KEYCHAIN_SERVICE> (<issuer host>)`; delete that too afterwards.
    keychain.track(`${service} (${new URL(idp.issuer).host})`);
    const userData = testInfo.outputPath('user-data');
    const started: RunningApp[] = [];
    await use(async () => {
      const running = await launch({ display, idp, service, userData, testInfo });
      started.push(running);
      return running;
    });
    for (const running of started) await running.close();
  },
});

export { expect } from '@playwright/test';

async function launch(options: {
  display: Record<string, string>;
  idp: RunningIdp;
  service: string;
  userData: string;
  testInfo: TestInfo;
}): Promise<RunningApp> {
  const executablePath = findElectronBinary();
  if (executablePath === undefined) throw new Error(`no Electron binary. ${ELECTRON_FETCH_FIX}`);
  // Chromium, and so Electron, refuses to run as root on Linux unless its sandbox is off.
  const asRoot = process.platform === 'linux' && process.getuid?.() === 0;
  const app = await _electron.launch({
    executablePath,
    args: [PROJECT_DIR, ...(asRoot ? ['--no-sandbox'] : [])],
    cwd: PROJECT_DIR,
    env: {
      ...(process.env as Record<string, string>),
      ...options.display,
      AUTH0_DOMAIN: '',
      [DEMO_ISSUER_VARIABLE]: options.idp.issuer,
      AUTH0_AUDIENCE: options.idp.audience,
      KEYCHAIN_SERVICE: options.service,
      [USER_DATA_VARIABLE]: options.userData,
    },
  });
  await app.context().tracing.start({ screenshots: true, snapshots: true });
  // The system browser is the test's: record what the app would open instead of opening it.
  await app.evaluate(({ app: electronApp, shell, BrowserWindow }) => {
    const state = globalThis as unknown as { openedUrls: string[]; focusCalls: number };
    state.openedUrls = [];
    state.focusCalls = 0;
    shell.openExternal = (url: string) => {
      state.openedUrls.push(url);
      return Promise.resolve();
    };
    const countFocus = (window: Electron.BrowserWindow): void => {
      const focus = window.focus.bind(window);
      window.focus = () => {
        state.focusCalls += 1;
        focus();
      };
    };
    // The window may not exist yet: main creates it once the app is ready.
    BrowserWindow.getAllWindows().forEach(countFocus);
    electronApp.on('browser-window-created', (_event, window) => countFocus(window));
  });
  const window = await app.firstWindow();
  await window.waitForLoadState('domcontentloaded');
  let closed = false;
  return {
    app,
    window,
    async openedUrl(count) {
      let urls: string[] = [];
      await expect(async () => {
        urls = await app.evaluate(() => (globalThis as unknown as { openedUrls: string[] }).openedUrls);
        expect(urls.length).toBeGreaterThanOrEqual(count);
      }).toPass({ timeout: 15_000 });
      return new URL(urls[count - 1] ?? '');
    },
    focusCount: () => app.evaluate(() => (globalThis as unknown as { focusCalls: number }).focusCalls),
    async close() {
      if (closed) return;
      closed = true;
      const failed = options.testInfo.status !== options.testInfo.expectedStatus;
      await app
        .context()
        .tracing.stop(failed ? { path: options.testInfo.outputPath(`trace-${Date.now()}.zip`) } : {})
        .catch(() => undefined);
      await app.close();
    },
  };
}
