import type { AppInfo, AuthErrorInfo, AuthState } from './auth-state.js';

/** Every IPC channel, declared once. Main, preload and renderer import names from here only. */
export const AUTH_CHANNELS = {
  getState: 'auth:get-state',
  getAppInfo: 'auth:get-app-info',
  login: 'auth:login',
  cancelLogin: 'auth:cancel-login',
  reopenBrowser: 'auth:reopen-browser',
  copySignInLink: 'auth:copy-sign-in-link',
  logout: 'auth:logout',
  callApi: 'auth:call-api',
  checkSetup: 'auth:check-setup',
  stateChanged: 'auth:state-changed',
} as const;

/** Prefix every channel carries; the main-side wrapper refuses anything else. */
export const AUTH_CHANNEL_PREFIX = 'auth:';

/**
 * Errors cross IPC as values, because Electron keeps only `message` of a thrown error
 * (and would leak stack traces into the renderer).
 */
export type IpcResult<T> = { readonly ok: true; readonly value: T } | ({ readonly ok: false } & AuthErrorInfo);

/** Request/response channels: name -> handler signature (main side). All arguments are validated in main. */
export interface AuthRequests {
  [AUTH_CHANNELS.getState]: () => AuthState;
  [AUTH_CHANNELS.getAppInfo]: () => AppInfo;
  [AUTH_CHANNELS.login]: () => IpcResult<AuthState>;
  [AUTH_CHANNELS.cancelLogin]: () => IpcResult<null>;
  [AUTH_CHANNELS.reopenBrowser]: () => IpcResult<null>;
  [AUTH_CHANNELS.copySignInLink]: () => IpcResult<null>;
  [AUTH_CHANNELS.logout]: () => IpcResult<AuthState>;
  [AUTH_CHANNELS.callApi]: () => IpcResult<ApiCallResult>;
  [AUTH_CHANNELS.checkSetup]: () => IpcResult<SetupReport>;
}

/** One line of "Check my setup" (the same checks as `npm run doctor`). */
export interface SetupCheck {
  readonly id: string;
  readonly title: string;
  readonly verdict: 'pass' | 'warn' | 'fail' | 'skip';
  readonly detail: string;
  readonly fix?: string;
}

/** The whole "Check my setup" checklist; `ok` is false when any check failed. */
export interface SetupReport {
  readonly ok: boolean;
  readonly checks: readonly SetupCheck[];
}

/** Events main pushes to the renderer. */
export interface AuthEvents {
  [AUTH_CHANNELS.stateChanged]: AuthState;
}

/** What the demo "Call API" button shows: the JSON the API returned, never the token used. */
export interface ApiCallResult {
  readonly status: number;
  readonly body: unknown;
}

/** The exact surface the preload exposes as `window.auth`. */
export interface AuthBridge {
  getState(): Promise<AuthState>;
  getAppInfo(): Promise<AppInfo>;
  login(): Promise<IpcResult<AuthState>>;
  cancelLogin(): Promise<IpcResult<null>>;
  reopenBrowser(): Promise<IpcResult<null>>;
  /** Main copies the sign-in link to the clipboard; the renderer never holds it. */
  copySignInLink(): Promise<IpcResult<null>>;
  logout(): Promise<IpcResult<AuthState>>;
  callApi(): Promise<IpcResult<ApiCallResult>>;
  /** Runs the same checks as `npm run doctor` and returns the checklist. */
  checkSetup(): Promise<IpcResult<SetupReport>>;
  /** Calls `listener` with every new state; returns the unsubscribe function. */
  onStateChange(listener: (state: AuthState) => void): () => void;
}
