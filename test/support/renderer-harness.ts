import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { AuthError } from '../../src/main/auth/auth-error.js';
import type { AuthService } from '../../src/main/auth/flows/auth-service.js';
import { createAuthHandlers, type AuthHandlers } from '../../src/main/ipc/ipc-handlers.js';
import { registerAuthHandlersOn, send, trustedSenderCheck } from '../../src/main/ipc/trusted-ipc.js';
import type { AppInfo, AuthState } from '../../src/shared/auth-state.js';
import { AUTH_CHANNELS, type SetupReport } from '../../src/shared/ipc-contract.js';
import { createIpcMainStandIn, trustedWindowStandIn, webContentsStandIn } from './ipc-main-stand-in.js';
import { preloadInitScript } from './preload-in-page.js';

export const RENDERER_DIR = join(import.meta.dirname, '..', '..', 'dist', 'renderer');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** The built renderer served on one loopback origin. */
export interface ServedRenderer {
  /** The renderer's index.html on that origin. */
  readonly url: string;
  close(): Promise<void>;
}

/** Serves the built renderer on loopback (Chromium will not load module scripts from file://). */
export async function serveRenderer(): Promise<ServedRenderer> {
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

/** The app window: the built renderer and the built preload in a page, wired to a real auth service. */
export interface AppWindow {
  readonly page: Page;
  /** What main wrote to the clipboard. */
  readonly clipboard: string[];
  /** What the clipboard holds now: main clears a copied sign-in link when the sign-in ends. */
  clipboardText(): string;
  /** Everything that crossed to the page: invoke results and pushed states. */
  readonly payloads: unknown[];
  close(): Promise<void>;
}

// The page-side names of the two bindings; the stand-ins take them off `window` before the page runs.
const BINDINGS = { invoke: '__desktopLoginIpcInvoke', events: '__desktopLoginIpcEvents' } as const;

/**
 * Opens a window on the built renderer, running the built preload against stand-ins for
 * Electron's contextBridge and ipcRenderer, with the real handler table registered through the
 * real `registerAuthHandlersOn` and `trustedSenderCheck` on a stand-in ipcMain.
 */
export async function openAppWindow(options: {
  context: BrowserContext;
  /** The URL the sender check trusts: in the app, the renderer's file URL the window loads. */
  entryUrl: string;
  /** Where the window goes; the entry URL unless a test shows a page that is not ours. */
  url?: string;
  /** The auth core; undefined for an app that started with settings it could not use (`configError`). */
  service: AuthService | undefined;
  configError?: AuthError;
  appInfo: AppInfo;
  checkSetup?: () => Promise<SetupReport>;
  /** See PreloadBindings.invokeHook. */
  invokeHook?: string;
}): Promise<AppWindow> {
  const clipboard: string[] = [];
  let clipboardText = '';
  const payloads: unknown[] = [];
  const handlers: AuthHandlers = createAuthHandlers({
    service: options.service,
    ...(options.configError ? { configError: options.configError } : {}),
    appInfo: options.appInfo,
    // One clipboard, as Electron's: written, read back and cleared by main.
    shell: {
      writeClipboard: (text) => {
        clipboard.push(text);
        clipboardText = text;
      },
      readClipboard: () => clipboardText,
      clearClipboard: () => {
        clipboardText = '';
      },
    },
    checkSetup: options.checkSetup ?? (() => Promise.reject(new Error('no doctor in this window'))),
  });
  const page = await options.context.newPage();
  const webContents = webContentsStandIn(page);
  const ipcMain = createIpcMainStandIn();
  const unregister = registerAuthHandlersOn(
    ipcMain,
    handlers,
    trustedSenderCheck(trustedWindowStandIn(page, webContents), options.entryUrl),
  );
  // Bindings first: the init script below picks them up as the document starts.
  await page.exposeBinding(BINDINGS.invoke, async ({ frame }, channel: unknown, ...args: unknown[]) => {
    const result = await ipcMain.invoke(webContents.invokeEvent(frame), channel, args);
    payloads.push(result);
    return result;
  });
  await page.exposeBinding(BINDINGS.events, ({ frame }) => webContents.nextEvents(frame));
  await page.addInitScript({
    content: await preloadInitScript({
      ...BINDINGS,
      ...(options.invokeHook ? { invokeHook: options.invokeHook } : {}),
    }),
  });
  const unsubscribe =
    options.service?.subscribe((state: AuthState) => {
      payloads.push(state);
      send(webContents, AUTH_CHANNELS.stateChanged, state);
    }) ?? (() => undefined);
  await page.goto(options.url ?? options.entryUrl);
  let closed = false;
  return {
    page,
    clipboard,
    clipboardText: () => clipboardText,
    payloads,
    async close() {
      if (closed) return;
      closed = true;
      unsubscribe();
      unregister();
      await page.close();
    },
  };
}
