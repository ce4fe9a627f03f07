import type { BrowserWindow } from 'electron';
import { app, shell } from 'electron';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppInfo, AuthState } from '../shared/auth-state.js';
import { AUTH_CHANNELS, type IpcResult } from '../shared/ipc-contract.js';
import { AuthError } from './auth/auth-error.js';
import { createAuthService, type AuthService } from './auth/auth-service.js';
import { loadConfig, withDotEnv, type AuthConfig } from './auth/config.js';
import { isAllowedExternalUrl } from './auth/external-url.js';
import { consoleLogger } from './auth/logger.js';
import { createDirectoryLock } from './auth/refresh-lock.js';
import { loadKeytar } from './auth/secret-store.js';
import { createKeychainTokenStore, type TokenStore } from './auth/token-store.js';
import { handle, send } from './ipc-main.js';
import { createMainWindow, denyAllPermissions } from './window.js';

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

function readConfig(): { config?: AuthConfig; error?: AuthError } {
  try {
    return { config: loadConfig(withDotEnv(process.env, resolve(process.cwd(), '.env'))) };
  } catch (error) {
    return {
      error:
        error instanceof AuthError ? error : new AuthError('config_invalid', 'The sign-in settings could not be read.'),
    };
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
        ...keychainFor(config),
        refreshLock: createDirectoryLock(app.getPath('userData')),
        appName: 'Desktop Login',
        // Checklist #6: only the configured issuer's sign-in pages reach the system browser.
        openBrowser: async (url) => {
          if (!isAllowedExternalUrl(url, config))
            throw new AuthError('untrusted_endpoint', 'Refused to open an untrusted URL.');
          await shell.openExternal(url);
        },
      })
    : undefined;
  const configState: AuthState = {
    status: 'error',
    error: (configError ?? new AuthError('config_invalid', 'The sign-in settings are missing.')).toInfo(),
  };
  service?.subscribe((state) => {
    send(window.webContents, AUTH_CHANNELS.stateChanged, state);
    // The browser handed the login back: bring the app forward so the person sees the result.
    if (state.status === 'signed-in' || state.status === 'error') bringToFront(window);
  });

  const appInfo: AppInfo = { demo: config?.demo ?? false, issuerHost: config?.issuer.host ?? '' };
  handle(AUTH_CHANNELS.getState, isTrustedSender, () => service?.getState() ?? configState);
  handle(AUTH_CHANNELS.getAppInfo, isTrustedSender, () => appInfo);
  handle(AUTH_CHANNELS.login, isTrustedSender, async () => {
    if (!service) return failure(configError);
    return { ok: true, value: await service.login() };
  });
  handle(AUTH_CHANNELS.cancelLogin, isTrustedSender, () => {
    service?.cancelLogin();
    return { ok: true, value: null };
  });
  handle(AUTH_CHANNELS.reopenBrowser, isTrustedSender, async () => {
    if (!service) return failure(configError);
    try {
      await service.reopenBrowser();
      return { ok: true, value: null };
    } catch (error) {
      return failure(error);
    }
  });
  handle(AUTH_CHANNELS.logout, isTrustedSender, async () => {
    if (!service) return failure(configError);
    return { ok: true, value: await service.logout() };
  });
  handle(AUTH_CHANNELS.callApi, isTrustedSender, async () => {
    if (!service) return failure(configError);
    try {
      return { ok: true, value: await service.callApi(DEMO_API_PATH) };
    } catch (error) {
      return failure(error);
    }
  });

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

/** The path the "Call API" button calls under API_BASE_URL. */
const DEMO_API_PATH = 'private';

function keychainFor(config: AuthConfig): { tokenStore?: TokenStore } {
  try {
    return { tokenStore: createKeychainTokenStore(loadKeytar(), config.keychainService) };
  } catch {
    logger.warn('the system keychain could not be loaded; sessions will not be remembered');
    return {};
  }
}

function failure(error: unknown): IpcResult<never> {
  const authError =
    error instanceof AuthError ? error : new AuthError('unexpected', 'Something went wrong. Try again.');
  return { ok: false, ...authError.toInfo() };
}

function bringToFront(window: BrowserWindow): void {
  if (window.isDestroyed()) return;
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}
