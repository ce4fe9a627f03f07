import { app, clipboard, dialog, Menu, shell, type BrowserWindow } from 'electron';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppInfo, AuthState } from '../shared/auth-state.js';
import { AUTH_CHANNELS } from '../shared/ipc-contract.js';
import { AuthError } from './auth/auth-error.js';
import { createAuthService, type AuthService } from './auth/flows/auth-service.js';
import { BAKED_SETTINGS_FILE, readBakedSettings } from './auth/config/baked-settings.js';
import { loadConfig, withDotEnv, type AuthConfig, type AuthEnv } from './auth/config/config.js';
import { runDoctor } from './auth/doctor/run-doctor.js';
import { isAllowedExternalUrl } from './auth/oidc/external-url.js';
import { createAuthHandlers, type AuthHandlers } from './ipc/ipc-handlers.js';
import { consoleLogger } from './auth/logger.js';
import { createKeychainPendingRevocations, type PendingRevocations } from './auth/session/pending-revocations.js';
import { loadKeytar } from './auth/session/secret-store.js';
import { createKeychainTokenStore, type TokenStore } from './auth/session/token-store.js';
import { appMenuTemplate, setupReportMessage } from './app-menu.js';
import { registerAuthHandlers, send } from './ipc/ipc-main.js';
import { limitRuns } from './run-limiter.js';
import { guardWebContents } from './web-contents-guard.js';
import { createMainWindow, denyAllPermissions } from './window.js';

const APP_NAME = 'Desktop Login';
/** "Check my setup" probes the provider: one run at a time, with at least this pause between runs. */
const SETUP_CHECK_GAP_MS = 3_000;
const mainDir = dirname(fileURLToPath(import.meta.url));
const logger = consoleLogger('desktop-login');

useUserDataFromEnv();
// Electron security checklist #4: every renderer is sandboxed, whatever its webPreferences say.
// Electron accepts this only before the app is ready.
app.enableSandbox();
// Electron security checklist #12-#14 for every web contents, including any the app never meant to create.
app.on('web-contents-created', (_event, contents) => guardWebContents(contents));
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  // Also catches a throw inside start(), which would otherwise be an unhandled rejection with the app left running.
  app
    .whenReady()
    .then(start)
    .catch((error: unknown) => {
      logger.error(`start-up failed: ${error instanceof Error ? error.message : String(error)}`);
      app.quit();
    });
  app.on('window-all-closed', () => app.quit());
}

/** Unpackaged only: DESKTOP_LOGIN_USER_DATA gives an instance its own data folder (and its own single-instance lock). */
function useUserDataFromEnv(): void {
  const folder = app.isPackaged ? undefined : process.env['DESKTOP_LOGIN_USER_DATA'];
  if (!folder) return;
  const path = resolve(folder);
  // Electron refuses a userData folder that does not exist yet.
  mkdirSync(path, { recursive: true });
  app.setPath('userData', path);
}

/** A packaged app uses only the settings `npm run dist` baked in: the environment cannot point it at another tenant. */
function readEnv(): AuthEnv {
  return app.isPackaged
    ? readBakedSettings(join(mainDir, BAKED_SETTINGS_FILE))
    : withDotEnv(process.env, resolve(process.cwd(), '.env'));
}

function readConfig(): { config?: AuthConfig; error?: AuthError } {
  try {
    return { config: loadConfig(readEnv()) };
  } catch (error) {
    return {
      error:
        error instanceof AuthError ? error : new AuthError('config_invalid', 'The sign-in settings could not be read.'),
    };
  }
}

function safeEnv(): AuthEnv {
  try {
    return readEnv();
  } catch {
    return {};
  }
}

function keychainFor(config: AuthConfig): { tokenStore?: TokenStore; pendingRevocations?: PendingRevocations } {
  try {
    const keytar = loadKeytar();
    return {
      tokenStore: createKeychainTokenStore(keytar, config.keychainService),
      pendingRevocations: createKeychainPendingRevocations(keytar, config.keychainService),
    };
  } catch {
    logger.warn('the system keychain could not be loaded; sessions will not be remembered');
    return {};
  }
}

async function start(): Promise<void> {
  denyAllPermissions();
  const { config, error: configError } = readConfig();
  const { window, isTrustedSender } = createMainWindow(mainDir);
  app.on('second-instance', () => bringToFront(window));

  const service: AuthService | undefined = config
    ? createAuthService({
        config,
        logger,
        appName: APP_NAME,
        ...keychainFor(config),
        // Checklist #6 / CVE-2025-6514: only the configured issuer's pages reach the system browser.
        openBrowser: async (url) => {
          if (!isAllowedExternalUrl(url, config))
            throw new AuthError('untrusted_endpoint', 'Refused to open an untrusted URL.');
          await shell.openExternal(url);
        },
      })
    : undefined;
  service?.subscribe((state) => {
    send(window.webContents, AUTH_CHANNELS.stateChanged, state);
    // The browser handed the login back: bring the app forward so the person sees the result.
    if (state.status === 'signed-in' || state.status === 'error') bringToFront(window);
  });

  const appInfo: AppInfo = { demo: config?.demo ?? false, issuerHost: config?.issuer.host ?? '' };
  const handlers = createAuthHandlers({
    service,
    ...(configError ? { configError } : {}),
    appInfo,
    shell: {
      writeClipboard: (text) => clipboard.writeText(text),
      readClipboard: () => clipboard.readText(),
      clearClipboard: () => clipboard.clear(),
    },
    // "Check my setup" runs the same checks as `npm run doctor`; this process is Electron. The
    // checks probe the provider and bind the callback ports, so a page calling again and again
    // gets one run at a time, a few seconds apart.
    checkSetup: limitRuns(
      () => runDoctor(safeEnv(), { findElectronBinary: () => process.execPath }),
      SETUP_CHECK_GAP_MS,
    ),
  });
  registerAuthHandlers(handlers, isTrustedSender);
  if (app.isPackaged) useAppMenu(window, handlers, service);

  // Quitting lets a refresh in flight land its rotated token in the keychain, within a deadline:
  // a provider that never answers must not keep the app from quitting (dispose is bounded).
  let disposed = false;
  app.on('before-quit', (event) => {
    if (disposed || !service) return;
    event.preventDefault();
    disposed = true;
    void service.dispose().finally(() => app.quit());
  });
  // Restoring reads only the keychain: the profile shows at once, refresh happens in the background.
  await service?.restore();
}

/**
 * A packaged build gets its own small menu instead of Electron's default, whose View menu offers
 * Reload and Toggle Developer Tools (DESIGN checklist 11). Sign out follows the session.
 */
function useAppMenu(window: BrowserWindow, handlers: AuthHandlers, service: AuthService | undefined): void {
  let signedIn: boolean | undefined;
  const show = (state: AuthState | undefined): void => {
    const now = state?.status === 'signed-in';
    if (now === signedIn) return;
    signedIn = now;
    const template = appMenuTemplate({
      appName: APP_NAME,
      platform: process.platform,
      signedIn: now,
      actions: {
        checkSetup: () =>
          void showSetupReport(window, handlers).catch((error: unknown) =>
            logger.warn(
              `the setup check could not be shown: ${error instanceof Error ? error.message : String(error)}`,
            ),
          ),
        signOut: () => void handlers[AUTH_CHANNELS.logout](),
      },
    });
    Menu.setApplicationMenu(Menu.buildFromTemplate(template));
  };
  show(service?.getState());
  service?.subscribe(show);
}

/** "Check my setup…" from the menu: the same (rate-limited) handler as the window's button, in a message box. */
async function showSetupReport(window: BrowserWindow, handlers: AuthHandlers): Promise<void> {
  const { type, message, detail } = setupReportMessage(await handlers[AUTH_CHANNELS.checkSetup]());
  if (window.isDestroyed()) return;
  await dialog.showMessageBox(window, { type, title: 'Check my setup', message, detail, buttons: ['OK'] });
}

function bringToFront(window: BrowserWindow): void {
  if (window.isDestroyed()) return;
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}
