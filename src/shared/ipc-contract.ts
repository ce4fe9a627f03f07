import type { AppInfo, AuthErrorInfo, AuthState } from './auth-state.js';

/** Prefix every channel carries; the main-side wrapper refuses anything else. */
export const AUTH_CHANNEL_PREFIX = 'auth:';

/** A channel name as the contract spells it: the prefix comes first. */
type PrefixedChannel = `${typeof AUTH_CHANNEL_PREFIX}${string}`;

/**
 * window.auth's request methods, each with the channel it invokes: the preload builds the bridge
 * from this table, so no method is ever bound to a channel by hand.
 */
export const BRIDGE_REQUESTS = {
  getState: 'auth:get-state',
  getAppInfo: 'auth:get-app-info',
  login: 'auth:login',
  /** A login that opens the provider's sign-up page (Auth0 `screen_hint=signup`). */
  signUp: 'auth:sign-up',
  /**
   * A login that shows the provider's login page even when its browser session would skip it
   * (`prompt=login`), so another person can sign in; a different account replaces the session.
   */
  loginWithOtherAccount: 'auth:login-other-account',
  cancelLogin: 'auth:cancel-login',
  reopenBrowser: 'auth:reopen-browser',
  /** Main copies the sign-in link to the clipboard; the renderer never holds it. */
  copySignInLink: 'auth:copy-sign-in-link',
  logout: 'auth:logout',
  callApi: 'auth:call-api',
  /** Runs the same checks as `npm run doctor` and returns the checklist. */
  checkSetup: 'auth:check-setup',
} as const satisfies Record<string, PrefixedChannel>;

/** Every IPC channel, declared once. Main, preload and renderer import names from here only. */
export const AUTH_CHANNELS = {
  ...BRIDGE_REQUESTS,
  stateChanged: 'auth:state-changed',
} as const satisfies Record<string, PrefixedChannel>;

/** window.auth's listener methods, each with the event channel it listens on. */
export const BRIDGE_LISTENERS = {
  /** Calls `listener` with every new state; returns the unsubscribe function. */
  onStateChange: AUTH_CHANNELS.stateChanged,
} as const;

/** A name of window.auth's request methods. */
export type RequestMethod = keyof typeof BRIDGE_REQUESTS;
/** A request/response channel of the contract. */
export type RequestChannel = (typeof BRIDGE_REQUESTS)[RequestMethod];
/** A name of window.auth's listener methods. */
export type ListenerMethod = keyof typeof BRIDGE_LISTENERS;

/**
 * Errors cross IPC as values, because Electron keeps only `message` of a thrown error
 * (and would leak stack traces into the renderer).
 */
export type IpcResult<T> = { readonly ok: true; readonly value: T } | ({ readonly ok: false } & AuthErrorInfo);

/** What each request channel answers. */
interface RequestAnswers {
  [AUTH_CHANNELS.getState]: AuthState;
  [AUTH_CHANNELS.getAppInfo]: AppInfo;
  [AUTH_CHANNELS.login]: IpcResult<AuthState>;
  [AUTH_CHANNELS.signUp]: IpcResult<AuthState>;
  [AUTH_CHANNELS.loginWithOtherAccount]: IpcResult<AuthState>;
  [AUTH_CHANNELS.cancelLogin]: IpcResult<null>;
  [AUTH_CHANNELS.reopenBrowser]: IpcResult<null>;
  [AUTH_CHANNELS.copySignInLink]: IpcResult<null>;
  [AUTH_CHANNELS.logout]: IpcResult<AuthState>;
  [AUTH_CHANNELS.callApi]: IpcResult<ApiCallResult>;
  [AUTH_CHANNELS.checkSetup]: IpcResult<SetupReport>;
}

// A type-only mark, never present at run time.
declare const answerOf: unique symbol;

/**
 * Marks an answer with the channel it came from. Several channels answer the same shape (login
 * and logout, the three `IpcResult<null>` ones), and the mark keeps a function that answers one of
 * them from standing in for another: an optional property of a different literal type does not fit.
 */
export interface AnswerOf<C extends RequestChannel> {
  readonly [answerOf]?: C;
}

/**
 * Request/response channels: name -> handler signature (main side). No request takes arguments,
 * and main refuses any (STYLE.md: validate IPC input at the boundary).
 */
export type AuthRequests = {
  readonly [C in RequestChannel]: () => RequestAnswers[C] & AnswerOf<C>;
};

/** What `channel` answers, marked with the channel. */
export type ResultOf<C extends RequestChannel> = ReturnType<AuthRequests[C]>;

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

/** An event channel of the contract. */
export type EventChannel = keyof AuthEvents;

/** What the demo "Call API" button shows: the JSON the API returned, never the token used. */
export interface ApiCallResult {
  readonly status: number;
  readonly body: unknown;
}

/** The request method `M` of window.auth: it invokes BRIDGE_REQUESTS[M] and answers what AuthRequests gives it. */
export type BridgeRequest<M extends RequestMethod> = () => Promise<ResultOf<(typeof BRIDGE_REQUESTS)[M]>>;

/** The listener method `L` of window.auth: it listens on BRIDGE_LISTENERS[L] with that event's payload. */
export type BridgeListener<L extends ListenerMethod> = (
  listener: (payload: AuthEvents[(typeof BRIDGE_LISTENERS)[L]]) => void,
) => () => void;

/** window.auth's request methods, one per entry of BRIDGE_REQUESTS. */
export type BridgeRequests = { readonly [M in RequestMethod]: BridgeRequest<M> };

/** window.auth's listener methods, one per entry of BRIDGE_LISTENERS. */
export type BridgeListeners = { readonly [L in ListenerMethod]: BridgeListener<L> };

/** The exact surface the preload exposes as `window.auth`. */
export interface AuthBridge extends BridgeRequests, BridgeListeners {}
