// Compile-time checks of the IPC contract. `npm run typecheck` compiles this file; nothing runs it
// (it matches no test glob, and its checks sit in functions nobody calls). Every `@ts-expect-error`
// marks a mistake the contract must refuse: if the mistake ever compiles, the directive is unused
// and the type check fails.
import type { WebContents } from 'electron';
import type { AppInfo, AuthState } from '../../src/shared/auth-state.js';
import {
  AUTH_CHANNELS,
  type AuthBridge,
  type AuthEvents,
  type AuthRequests,
  type IpcResult,
  type SetupReport,
} from '../../src/shared/ipc-contract.js';
import type { AuthHandlers } from '../../src/main/ipc/ipc-handlers.js';
import { send } from '../../src/main/ipc/trusted-ipc.js';
import { invoke, subscribe } from '../../src/preload/ipc-renderer.js';

/** True when A and B are the same type (not merely assignable one way). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Compiles only when T is true. */
type Assert<T extends true> = T;

type ChannelKey = keyof typeof AUTH_CHANNELS;
type Channel = (typeof AUTH_CHANNELS)[ChannelKey];

/** The key sets line up: one bridge method per request channel plus the state listener, one handler per request. */
export type KeySetsMatch = [
  Assert<Equal<keyof AuthBridge, Exclude<ChannelKey, 'stateChanged'> | 'onStateChange'>>,
  Assert<Equal<keyof AuthHandlers, Exclude<Channel, keyof AuthEvents>>>,
  Assert<Equal<keyof AuthHandlers, keyof AuthRequests>>,
  Assert<Equal<keyof AuthEvents, typeof AUTH_CHANNELS.stateChanged>>,
];

/** The main side: the handler table and the events main sends. */
export function mainSideChecks(
  handlers: AuthHandlers,
  state: AuthState,
  info: AppInfo,
  report: SetupReport,
  target: Pick<WebContents, 'isDestroyed' | 'send'>,
): void {
  const done = { ok: true, value: null } as const;
  // Plain results, as the real handlers return them, fit without any mark.
  const complete: AuthHandlers = {
    [AUTH_CHANNELS.getState]: () => Promise.resolve(state),
    [AUTH_CHANNELS.getAppInfo]: () => Promise.resolve(info),
    [AUTH_CHANNELS.login]: () => Promise.resolve({ ok: true, value: state }),
    [AUTH_CHANNELS.signUp]: () => Promise.resolve({ ok: true, value: state }),
    [AUTH_CHANNELS.loginWithOtherAccount]: () => Promise.resolve({ ok: true, value: state }),
    [AUTH_CHANNELS.cancelLogin]: () => Promise.resolve(done),
    [AUTH_CHANNELS.reopenBrowser]: () => Promise.resolve(done),
    [AUTH_CHANNELS.copySignInLink]: () => Promise.resolve(done),
    [AUTH_CHANNELS.logout]: () => Promise.resolve({ ok: false, code: 'revocation_pending', message: 'Retried later.' }),
    [AUTH_CHANNELS.callApi]: () => Promise.resolve({ ok: true, value: { status: 200, body: {} } }),
    [AUTH_CHANNELS.checkSetup]: () => Promise.resolve({ ok: true, value: report }),
  };

  // @ts-expect-error a table without the checkSetup handler
  const missing: AuthHandlers = {
    [AUTH_CHANNELS.getState]: () => Promise.resolve(state),
    [AUTH_CHANNELS.getAppInfo]: () => Promise.resolve(info),
    [AUTH_CHANNELS.login]: () => Promise.resolve({ ok: true, value: state }),
    [AUTH_CHANNELS.signUp]: () => Promise.resolve({ ok: true, value: state }),
    [AUTH_CHANNELS.loginWithOtherAccount]: () => Promise.resolve({ ok: true, value: state }),
    [AUTH_CHANNELS.cancelLogin]: () => Promise.resolve(done),
    [AUTH_CHANNELS.reopenBrowser]: () => Promise.resolve(done),
    [AUTH_CHANNELS.copySignInLink]: () => Promise.resolve(done),
    [AUTH_CHANNELS.logout]: () => Promise.resolve({ ok: true, value: state }),
    [AUTH_CHANNELS.callApi]: () => Promise.resolve({ ok: true, value: { status: 200, body: {} } }),
  };

  const wrongPayload: AuthHandlers = {
    ...complete,
    // @ts-expect-error login answers a state, not app facts
    [AUTH_CHANNELS.login]: () => Promise.resolve({ ok: true, value: info }),
    // @ts-expect-error getState answers the state itself, not wrapped in a result
    [AUTH_CHANNELS.getState]: () => Promise.resolve({ ok: true, value: state }),
  };

  const swapped: AuthHandlers = {
    ...complete,
    // @ts-expect-error logout's handler on the login channel: the same payload type, another channel
    [AUTH_CHANNELS.login]: handlers[AUTH_CHANNELS.logout],
    // @ts-expect-error the three logins answer alike, and still cannot stand in for each other
    [AUTH_CHANNELS.signUp]: handlers[AUTH_CHANNELS.loginWithOtherAccount],
    // @ts-expect-error the three `IpcResult<null>` channels cannot stand in for each other either
    [AUTH_CHANNELS.cancelLogin]: handlers[AUTH_CHANNELS.copySignInLink],
  };

  const unknownChannel: AuthHandlers = {
    ...complete,
    // @ts-expect-error a channel the contract does not have
    'auth:delete-account': () => Promise.resolve(done),
  };

  send(target, AUTH_CHANNELS.stateChanged, state);
  // @ts-expect-error the state event carries a state, not app facts
  send(target, AUTH_CHANNELS.stateChanged, info);
  // @ts-expect-error a request channel is not an event
  send(target, AUTH_CHANNELS.login, state);

  void [missing, wrongPayload, swapped, unknownChannel];
}

/** The preload side: the typed wrappers around ipcRenderer, and a bridge written by hand. */
export async function preloadSideChecks(bridge: AuthBridge): Promise<void> {
  const state: AuthState = await invoke(AUTH_CHANNELS.getState);
  const login: IpcResult<AuthState> = await invoke(AUTH_CHANNELS.login);
  // @ts-expect-error getState answers a state, not app facts
  const info: AppInfo = await invoke(AUTH_CHANNELS.getState);
  // @ts-expect-error getState answers the state itself: it has no `ok`
  void (await invoke(AUTH_CHANNELS.getState)).ok;
  // @ts-expect-error a channel the contract does not have
  void invoke('auth:delete-account');
  // @ts-expect-error an event channel cannot be invoked
  void invoke(AUTH_CHANNELS.stateChanged);

  const stop = subscribe(AUTH_CHANNELS.stateChanged, (next: AuthState) => next.status);
  // @ts-expect-error the state event carries a state, not app facts
  subscribe(AUTH_CHANNELS.stateChanged, (next: AppInfo) => next.demo);
  // @ts-expect-error a request channel is not an event
  subscribe(AUTH_CHANNELS.login, () => undefined);

  // Were window.auth ever written by hand again, the channel mark on each answer would still hold
  // every method to its own channel.
  const byHand: AuthBridge = {
    ...bridge,
    getState: () => invoke(AUTH_CHANNELS.getState),
    login: () => invoke(AUTH_CHANNELS.login),
  };
  const swapped: AuthBridge = {
    ...bridge,
    // @ts-expect-error login bound to the logout channel: the same payload type, another channel
    login: () => invoke(AUTH_CHANNELS.logout),
    // @ts-expect-error cancelLogin bound to the copy-link channel, both `IpcResult<null>`
    cancelLogin: () => invoke(AUTH_CHANNELS.copySignInLink),
    // @ts-expect-error getAppInfo bound to the getState channel
    getAppInfo: () => invoke(AUTH_CHANNELS.getState),
  };

  void [state, login, info, stop, byHand, swapped];
}

/** Runs a bridge call the way the renderer does, inferring the value type from the result. */
declare function act<T>(call: Promise<IpcResult<T>>, onSuccess?: (value: T) => void): void;

/** The renderer side: `window.auth` is an AuthBridge. */
export async function rendererSideChecks(auth: AuthBridge): Promise<void> {
  act(auth.login(), (value) => value.status);
  act(auth.callApi(), (value) => value.body);
  act(auth.checkSetup(), (report) => report.checks.length);

  // @ts-expect-error requests take no arguments
  void auth.login({ prompt: 'none' });
  act(auth.signUp(), (value) => value.status);
  act(auth.loginWithOtherAccount(), (value) => value.status === 'signed-in' && value.profile.organization?.id);
  // @ts-expect-error requests take no arguments, the other-account login included
  void auth.loginWithOtherAccount({ prompt: 'login' });
  // @ts-expect-error a method the bridge does not have
  void auth.deleteAccount;

  const result = await auth.logout();
  // @ts-expect-error a result must be checked before its value is read
  void result.value;
  if (result.ok) {
    const status: AuthState['status'] = result.value.status;
    // @ts-expect-error logout answers a state, not the setup report
    void result.value.checks;
    void status;
  } else {
    // @ts-expect-error a failure has a code and a message, no value
    void result.value;
  }
  // @ts-expect-error the value of callApi is the API's answer, not a state
  act(auth.callApi(), (value) => void value.profile);

  const state = await auth.getState();
  // @ts-expect-error only a signed-in state has a profile
  void state.profile;
  // @ts-expect-error only a signed-out state says whether Logout led to it
  void state.afterLogout;
  if (state.status === 'signed-out') {
    const afterLogout: true | undefined = state.afterLogout;
    void afterLogout;
  }

  const stop: () => void = auth.onStateChange((next: AuthState) => next.status);
  // @ts-expect-error the state event carries a state, not app facts
  auth.onStateChange((next: AppInfo) => next.demo);
  stop();
}
