import { existsSync } from 'node:fs';
import { defineConfig } from '@playwright/test';
import { browserArgs, findBrowser } from './tools/browser/find-browser.js';

// The installed Chrome, Chromium or Edge; nothing is ever downloaded. Without one, each renderer
// test skips with the reason (test/support/renderer-fixtures.ts) before any browser is launched.
const executablePath = findBrowser({ platform: process.platform, env: process.env, exists: existsSync });

export default defineConfig({
  testDir: 'test/e2e',
  // Two cores, and one keychain that the suites would otherwise share at the same time.
  workers: 1,
  timeout: 60_000,
  forbidOnly: Boolean(process.env['CI']),
  outputDir: 'test-results/playwright',
  // Playwright's summary counts skips; the second reporter names each one and says why.
  reporter: [['list'], ['./test/support/skip-reasons-reporter.ts']],
  use: { trace: 'retain-on-failure', screenshot: 'only-on-failure' },
  projects: [
    {
      name: 'renderer',
      // node:test's *.test.ts files share the folder; Playwright must never load them.
      testMatch: ['**/renderer.spec.ts', '**/renderer-*.spec.ts'],
      use: {
        browserName: 'chromium',
        // The app window's default content size (src/main/window.ts sets useContentSize).
        viewport: { width: 480, height: 640 },
        launchOptions: {
          ...(executablePath === undefined ? {} : { executablePath }),
          args: browserArgs(process.platform, process.getuid?.()),
        },
      },
    },
    { name: 'electron', testMatch: '**/electron.spec.ts' },
  ],
});
