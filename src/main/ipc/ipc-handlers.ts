import type { AppInfo, AuthState } from '../../shared/auth-state.js';
import { AUTH_CHANNELS, type AuthRequests, type IpcResult, type SetupReport } from '../../shared/ipc-contract.js';
import { AuthError } from '../auth/auth-error.js';
import type { AuthService } from '../auth/flows/auth-service.js';
import { createSignInLinkClipboard } from './sign-in-link-clipboard.js';

/** One async handler per request channel of the contract; the result types come from the contract. */
export type AuthHandlers = {
  readonly [C in keyof AuthRequests]: () => Promise<ReturnType<AuthRequests[C]>>;
};

/** What the handlers need from the desktop shell. */
export interface ShellActions {
  writeClipboard(text: string): Promise<void> | void;
  /** The clipboard's text now, so a copied sign-in link is cleared only while it is still there. */
  readClipboard(): Promise<string> | string;
  clearClipboard(): Promise<void> | void;
}

/** The path the "Call API" button calls under API_BASE_URL. */
export const DEMO_API_PATH = 'private';

/**
 * The IPC handler table, free of Electron so the renderer tests bind the very same table to
 * the page. Errors become typed results: Electron would pass only `message` of a thrown
 * error and could leak stack traces.
 */
export function createAuthHandlers(options: {
  readonly service: AuthService | undefined;
  /** Why there is no service (bad configuration); shown as the state. */
  readonly configError?: AuthError;
  readonly appInfo: AppInfo;
  readonly shell: ShellActions;
  /** Runs the doctor's checks (works even when the configuration is broken). */
  readonly checkSetup: () => Promise<SetupReport>;
}): AuthHandlers {
  const { service, appInfo, shell } = options;
  const configError = options.configError ?? new AuthError('config_invalid', 'The sign-in settings are missing.');
  const configState: AuthState = { status: 'error', error: configError.toInfo() };

  const signInLink = createSignInLinkClipboard(shell);

  const run = async <T>(work: (service: AuthService) => Promise<T> | T): Promise<IpcResult<T>> => {
    if (!service) return failure(configError);
    try {
      return { ok: true, value: await work(service) };
    } catch (error) {
      return failure(error);
    }
  };

  return {
    [AUTH_CHANNELS.getState]: () => Promise.resolve(service?.getState() ?? configState),
    [AUTH_CHANNELS.getAppInfo]: () => Promise.resolve(appInfo),
    [AUTH_CHANNELS.login]: () => run((s) => s.login()),
    [AUTH_CHANNELS.signUp]: () => run((s) => s.signUp()),
    [AUTH_CHANNELS.loginWithOtherAccount]: () => run((s) => s.loginWithOtherAccount()),
    [AUTH_CHANNELS.cancelLogin]: () =>
      run((s) => {
        s.cancelLogin();
        return null;
      }),
    [AUTH_CHANNELS.reopenBrowser]: () =>
      run(async (s) => {
        await s.reopenBrowser();
        return null;
      }),
    [AUTH_CHANNELS.copySignInLink]: () =>
      run(async (s) => {
        const link = s.signInLink();
        if (link === undefined) throw new AuthError('not_signed_in', 'There is no sign-in in progress.');
        await shell.writeClipboard(link);
        signInLink.clearWhenSignInEnds(s, link);
        return null;
      }),
    [AUTH_CHANNELS.logout]: () => run((s) => s.logout()),
    [AUTH_CHANNELS.callApi]: () => run((s) => s.callApi(DEMO_API_PATH)),
    [AUTH_CHANNELS.checkSetup]: async () => {
      // A login in progress holds the callback port the doctor would try to bind.
      if (service?.getState().status === 'signing-in') {
        return failure(new AuthError('login_in_progress', 'Finish or cancel the sign-in first, then check the setup.'));
      }
      try {
        return { ok: true, value: await options.checkSetup() };
      } catch (error) {
        return failure(error);
      }
    },
  };
}

function failure(error: unknown): IpcResult<never> {
  // Only AuthError messages are written for people; anything else is summarised, never passed on.
  const authError =
    error instanceof AuthError ? error : new AuthError('unexpected', 'Something went wrong. Try again.');
  return { ok: false, ...authError.toInfo() };
}
