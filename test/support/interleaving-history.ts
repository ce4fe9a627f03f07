import type { AuthState } from '../../src/shared/auth-state.js';

/** A logout as the history records it. */
export interface LogoutRecord {
  /** The step that pressed logout, for the report. */
  readonly step: number;
  readonly called: number;
  resolved?: number;
  /** The keychain answered every call during the logout and the logout said it cleared it. */
  cleanKeychain?: boolean;
}

/**
 * The order in which a run's operations were called and finished. The invariants that depend on
 * order ("after the logout resolved", "since the last login") read it instead of wall-clock
 * times, which two overlapping operations can share.
 */
export interface RunHistory {
  /** A fresh sequence number: every event gets one, so "before" and "after" are exact. */
  next(): number;
  loginCalled(): void;
  readonly loginCount: number;
  loginSignedIn(sub: string, step: number): void;
  restoreCalled(): void;
  logoutCalled(step: number): LogoutRecord;
  /**
   * The completed logout that still binds: no login was pressed since it started (a login pressed
   * during a logout waits for it and then starts), no restart (restore) since it ended.
   */
  openLogout(): LogoutRecord | undefined;
  /**
   * Why `state` shows a session that is not the newest, or undefined. A session changes hands
   * only by a login or a restart (restore), never by a refresh, so until one of those starts
   * again the person shown must be the last one who signed in.
   */
  staleSession(state: AuthState): string | undefined;
}

export function runHistory(): RunHistory {
  let seq = 0;
  const loginCalls: number[] = [];
  const restoreCalls: number[] = [];
  const logouts: LogoutRecord[] = [];
  let newestLogin: { readonly sub: string; readonly step: number; readonly resolved: number } | undefined;
  const next = (): number => ++seq;

  return {
    next,
    loginCalled: () => void loginCalls.push(next()),
    get loginCount() {
      return loginCalls.length;
    },
    loginSignedIn(sub, step) {
      newestLogin = { sub, step, resolved: next() };
    },
    restoreCalled: () => void restoreCalls.push(next()),
    logoutCalled(step) {
      const record: LogoutRecord = { step, called: next() };
      logouts.push(record);
      return record;
    },
    openLogout: () =>
      logouts.find(
        (logout) =>
          logout.resolved !== undefined &&
          !loginCalls.some((call) => call > logout.called) &&
          !restoreCalls.some((call) => call > (logout.resolved ?? Infinity)),
      ),
    staleSession(state) {
      const latest = newestLogin;
      if (!latest || state.status !== 'signed-in' || state.profile.sub === latest.sub) return undefined;
      const superseded = [...loginCalls, ...restoreCalls].some((call) => call > latest.resolved);
      return superseded
        ? undefined
        : `${state.profile.sub} is shown after ${latest.sub} signed in (login of step ${latest.step})`;
    },
  };
}
