import { app, clipboard, shell, type BrowserWindow } from 'electron';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppInfo } from '../shared/auth-state.js';
import { AUTH_CHANNELS } from '../shared/ipc-contract.js';
import { AuthError } from './auth/auth-error.js';
import { createAuthService, type AuthService } from './auth/auth-service.js';
import { BAKED_SETTINGS_FILE, readBakedSettings } from './auth/baked-settings.js';
import { loadConfig, withDotEnv, type AuthConfig, type AuthEnv } from './auth/config.js';
import { runDoctor } from './auth/doctor/run-doctor.js';
import { isAllowedExternalUrl } from './auth/external-url.js';
import { createAuthHandlers } from './auth/ipc-handlers.js';
import { consoleLogger } from './auth/logger.js';
import { createDirectoryLock } from './auth/refresh-lock.js';
import { loadKeytar } from './auth/secret-store.js';
import { createKeychainTokenStore, type TokenStore } from './auth/token-store.js';
import { registerAuthHandlers, send } from './ipc-main.js';
import { createMainWindow, denyAllPermissions } from './window.js';

const APP_NAME = 'Desktop Login';
/** How long quitting waits for the provider (a refresh in flight); the keychain gets a few seconds more. */
const QUIT_DEADLINE_MS = 3_000;
const mainDir = dirname(fileURLToPath(import.meta.url));
const logger = consoleLogger('desktop-login');

useUserDataFromEnv();
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

/** Unpackaged only: DESKTOP_LOGIN_USER_DATA gives an instance its own data folder (single-instance, refresh locks). */
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

function keychainFor(config: AuthConfig): { tokenStore?: TokenStore } {
  try {
    return { tokenStore: createKeychainTokenStore(loadKeytar(), config.keychainService) };
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
        refreshLock: createDirectoryLock(app.getPath('userData')),
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
  registerAuthHandlers(
    createAuthHandlers({
      service,
      ...(configError ? { configError } : {}),
      appInfo,
      shell: { writeClipboard: (text) => clipboard.writeText(text) },
      // "Check my setup" runs the same checks as `npm run doctor`; this process is Electron.
      checkSetup: () => runDoctor(safeEnv(), { findElectronBinary: () => process.execPath }),
    }),
    isTrustedSender,
  );

  // Quitting lets a refresh in flight land its rotated token in the keychain, within a deadline:
  // a provider that never answers must not keep the app from quitting (dispose is bounded).
  let disposed = false;
  app.on('before-quit', (event) => {
    if (disposed || !service) return;
    event.preventDefault();
    disposed = true;
    void service.dispose({ deadlineMs: QUIT_DEADLINE_MS }).finally(() => app.quit());
  });
  // Restoring reads only the keychain: the profile shows at once, refresh happens in the background.
  await service?.restore();
}

function bringToFront(window: BrowserWindow): void {
  if (window.isDestroyed()) return;
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}
