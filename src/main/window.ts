import { app, BrowserWindow, session } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { trustedSenderCheck, type SenderCheck } from './ipc/trusted-ipc.js';
import { HARDENED_WEB_PREFERENCES } from './web-preferences.js';

/** Where the built app's files live, relative to the bundled main script (dist/main). */
export function rendererEntry(mainDir: string): string {
  return join(mainDir, '..', 'renderer', 'index.html');
}

/** Creates the main window, locked down per Electron's security checklist. */
export function createMainWindow(mainDir: string): {
  window: BrowserWindow;
  isTrustedSender: SenderCheck;
} {
  const entry = rendererEntry(mainDir);
  const entryUrl = pathToFileURL(entry).href;
  const window = new BrowserWindow({
    // With useContentSize, Electron applies the size and the minimum size to the page's viewport
    // (content size constraints), not to the frame, whose title bar and borders differ per OS.
    // Every state fits both sizes without the page scrolling, buttons in view; only long content
    // scrolls inside its own box (test/e2e/renderer-layout.spec.ts checks both sizes).
    useContentSize: true,
    width: 480,
    height: 640,
    minWidth: 380,
    minHeight: 520,
    show: false,
    title: 'Desktop Login',
    webPreferences: {
      ...HARDENED_WEB_PREFERENCES,
      // DESIGN checklist 11: a packaged build has no DevTools, which would run any script in the page.
      devTools: !app.isPackaged,
      preload: join(mainDir, '..', 'preload', 'preload.cjs'),
    },
  });
  window.once('ready-to-show', () => window.show());
  // Checklist #13/#14: the window never navigates or opens other windows.
  window.webContents.on('will-navigate', (event) => event.preventDefault());
  window.webContents.on('will-redirect', (event) => event.preventDefault());
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  void window.loadFile(entry);

  return { window, isTrustedSender: trustedSenderCheck(window, entryUrl) };
}

/** Denies every permission request (camera, notifications, ...) app-wide: the app needs none. */
export function denyAllPermissions(): void {
  session.defaultSession.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
}
