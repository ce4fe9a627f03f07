import { app, clipboard, shell, type BrowserWindow } from 'electron';
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
const mainDir = dirname(fileURLToPath(import.meta.url));
const logger = consoleLogger('desktop-login');

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.whenReady().then(start, (error: unknown) => {
    logger.error(`start-up failed: ${(error as Error).message}`);
    app.quit();
  });
  app.on('window-all-closed', () => app.quit());
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

  // Let a refresh in flight land in the keychain before quitting, so no rotated token is lost.
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

function bringToFront(window: BrowserWindow): void {
  if (window.isDestroyed()) return;
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}
