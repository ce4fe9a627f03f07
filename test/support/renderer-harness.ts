import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { AuthService } from '../../src/main/auth/auth-service.js';
import { createAuthHandlers, type AuthHandlers } from '../../src/main/auth/ipc-handlers.js';
import type { AppInfo, AuthState } from '../../src/shared/auth-state.js';
import { AUTH_CHANNELS, type SetupReport } from '../../src/shared/ipc-contract.js';

export const RENDERER_DIR = join(import.meta.dirname, '..', '..', 'dist', 'renderer');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Serves the built renderer on loopback (Chromium will not load module scripts from file://). */
export async function serveRenderer(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)).replace(
      /^(\.\.[/\\])+/,
      '',
    );
    const file = join(RENDERER_DIR, path === '/' ? 'index.html' : path);
    if (!file.startsWith(RENDERER_DIR)) {
      response.writeHead(404).end();
      return;
    }
    readFile(file).then(
      (body) =>
        response.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body),
      () => response.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/index.html`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

// Plays the preload's part: the same window.auth surface, each call going to the real
// main-process handler table through a Playwright binding instead of Electron IPC.
const BRIDGE_SCRIPT = `(() => {
  const channels = ${JSON.stringify(AUTH_CHANNELS)};
  const listeners = new Set();
  const invoke = (channel) => window.__authInvoke(channel);
  window.__authEmit = (state) => listeners.forEach((listener) => listener(state));
  window.auth = Object.freeze({
    getState: () => invoke(channels.getState),
    getAppInfo: () => invoke(channels.getAppInfo),
    login: () => invoke(channels.login),
    cancelLogin: () => invoke(channels.cancelLogin),
    reopenBrowser: () => invoke(channels.reopenBrowser),
    copySignInLink: () => invoke(channels.copySignInLink),
    logout: () => invoke(channels.logout),
    callApi: () => invoke(channels.callApi),
    checkSetup: () => invoke(channels.checkSetup),
    onStateChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  });
})();`;

/** The app window: the built renderer in its own browser context, wired to a real auth service. */
export interface AppWindow {
  readonly page: Page;
  readonly clipboard: string[];
  readonly payloads: unknown[];
  close(): Promise<void>;
}

/** Opens the built renderer with `window.auth` bound to `service` through the real IPC handler table. */
export async function openAppWindow(options: {
  context: BrowserContext;
  url: string;
  service: AuthService;
  appInfo: AppInfo;
  checkSetup?: () => Promise<SetupReport>;
}): Promise<AppWindow> {
  const clipboard: string[] = [];
  const payloads: unknown[] = [];
  const handlers: AuthHandlers = createAuthHandlers({
    service: options.service,
    appInfo: options.appInfo,
    shell: { writeClipboard: (text) => void clipboard.push(text) },
    checkSetup: options.checkSetup ?? (() => Promise.reject(new Error('no doctor in this window'))),
  });
  const page = await options.context.newPage();
  await page.exposeBinding('__authInvoke', async (_source, channel: unknown) => {
    const handler =
      typeof channel === 'string' ? (handlers as Record<string, () => Promise<unknown>>)[channel] : undefined;
    if (!handler) throw new Error('unknown channel');
    const result = await handler();
    payloads.push(result);
    return result;
  });
  await page.addInitScript(BRIDGE_SCRIPT);
  const unsubscribe = options.service.subscribe((state: AuthState) => {
    payloads.push(state);
    void page
      .evaluate((next) => (globalThis as unknown as { __authEmit(value: unknown): void }).__authEmit(next), state)
      .catch(() => undefined);
  });
  await page.goto(options.url);
  return {
    page,
    clipboard,
    payloads,
    async close() {
      unsubscribe();
      await page.close();
    },
  };
}
