import type { AuthErrorInfo, AuthState, LoginStep, Persistence, Profile } from '../../../shared/auth-state.js';

/**
 * The auth core's state as a pure function of events (STYLE.md "State and concurrency").
 * Effects (network, keychain, browser) run outside and report here as events; what the
 * renderer sees is `view(state)`.
 */
export interface MachineState {
  /** The signed-in session under whatever else is happening: what a cancelled login returns to. */
  readonly session?: { readonly profile: Profile; readonly persistence: Persistence };
  readonly login?: {
    readonly step: LoginStep;
    readonly startedAt: number;
    readonly linkAvailable: boolean;
    readonly browserOpenFailed?: boolean;
  };
  readonly signingOut: boolean;
  /** A failed login, shown until the next login or logout. */
  readonly failure?: AuthErrorInfo;
  /** Why the app is signed out (cancelled, session expired, keychain locked...). */
  readonly notice?: AuthErrorInfo;
  /** Logout ended the session and no sign-in has started since: the signed-out view confirms it. */
  readonly loggedOut?: true;
}

/** What happened; each comes from exactly one operation of the auth service. */
export type MachineEvent =
  | { readonly type: 'restored'; readonly profile: Profile; readonly persistence: Persistence }
  | { readonly type: 'restored-nothing'; readonly notice?: AuthErrorInfo }
  | { readonly type: 'login-started'; readonly startedAt: number }
  | {
      readonly type: 'login-progressed';
      readonly step: LoginStep;
      readonly linkAvailable: boolean;
      readonly browserOpenFailed?: boolean;
    }
  | { readonly type: 'login-succeeded'; readonly profile: Profile; readonly persistence: Persistence }
  | { readonly type: 'login-failed'; readonly error: AuthErrorInfo }
  | { readonly type: 'session-renewed'; readonly profile: Profile; readonly persistence: Persistence }
  /** A signed-in session's keychain write settled (the session showed as `saving` meanwhile). */
  | { readonly type: 'session-saved'; readonly sub: string; readonly persistence: Persistence }
  | { readonly type: 'session-ended'; readonly notice: AuthErrorInfo }
  | { readonly type: 'logout-started' }
  | { readonly type: 'logout-finished'; readonly notice?: AuthErrorInfo }
  | { readonly type: 'revocations-settled' }
  | { readonly type: 'provider-logout-unconfirmed'; readonly notice: AuthErrorInfo };

/** Before anything is known: signed out, nothing to say. */
export const INITIAL_STATE: MachineState = { signingOut: false };

/** The next state. Pure: no clock, no I/O; an event that no longer applies changes nothing. */
export function transition(state: MachineState, event: MachineEvent): MachineState {
  switch (event.type) {
    case 'restored': {
      const { loggedOut: _loggedOut, ...rest } = state;
      return { ...rest, session: { profile: event.profile, persistence: event.persistence }, notice: undefined };
    }
    case 'restored-nothing':
      return state.session ? state : { ...state, notice: event.notice };
    case 'login-started': {
      // A new sign-in, whatever comes of it, is no longer "just signed out".
      const { loggedOut: _loggedOut, ...rest } = state;
      return {
        ...rest,
        login: { step: 'opening-browser', startedAt: event.startedAt, linkAvailable: false },
        failure: undefined,
        notice: undefined,
      };
    }
    case 'login-progressed': {
      if (!state.login) return state;
      const { type: _type, ...progress } = event;
      return { ...state, login: { startedAt: state.login.startedAt, ...progress } };
    }
    case 'login-succeeded':
      return {
        signingOut: state.signingOut,
        session: { profile: event.profile, persistence: event.persistence },
      };
    case 'login-failed': {
      const { login: _login, ...rest } = state;
      if (event.error.code !== 'login_cancelled') return { ...rest, failure: event.error };
      // A cancelled attempt does not end an existing session, and says why only when signed out.
      return rest.session ? rest : { ...rest, notice: event.error };
    }
    case 'session-renewed':
      // A renewal of a session that has since ended or been replaced is not a session.
      if (state.session?.profile.sub !== event.profile.sub) return state;
      return { ...state, session: { profile: event.profile, persistence: event.persistence } };
    case 'session-saved':
      // Only the session that was saved, and only while it is still shown as signed in.
      if (state.session?.profile.sub !== event.sub) return state;
      return { ...state, session: { ...state.session, persistence: event.persistence } };
    case 'session-ended': {
      const { session: _session, ...rest } = state;
      return { ...rest, notice: event.notice };
    }
    case 'logout-started':
      return { signingOut: true, ...(state.session ? { session: state.session } : {}) };
    case 'logout-finished':
      return { signingOut: false, loggedOut: true, ...(event.notice ? { notice: event.notice } : {}) };
    case 'revocations-settled': {
      // The provider has finally revoked what logout could not: stop saying it has not.
      if (state.notice?.code !== 'revocation_pending') return state;
      const { notice: _notice, ...rest } = state;
      return rest;
    }
    case 'provider-logout-unconfirmed':
      // Said only to a signed-out app with nothing else to say: a session, a login or an
      // earlier notice (a pending revocation is the graver news) outranks it.
      if (state.session || state.login || state.signingOut || state.failure || state.notice) return state;
      return { ...state, notice: event.notice };
  }
}

/** What the renderer sees. Signing out outranks a login, a login outranks a failure, a failure the session. */
export function view(state: MachineState): AuthState {
  if (state.signingOut) return { status: 'signing-out' };
  if (state.login) return { status: 'signing-in', ...state.login };
  if (state.failure) return { status: 'error', error: state.failure };
  if (state.session) return { status: 'signed-in', ...state.session };
  return {
    status: 'signed-out',
    ...(state.notice ? { reason: state.notice } : {}),
    ...(state.loggedOut ? { afterLogout: true } : {}),
  };
}

const FOLLOWERS: Readonly<Record<AuthState['status'], readonly AuthState['status'][]>> = {
  'signed-out': ['signed-out', 'signing-in', 'signed-in', 'signing-out', 'error'],
  'signing-in': ['signing-in', 'signed-in', 'signed-out', 'error', 'signing-out'],
  'signed-in': ['signed-in', 'signing-in', 'signing-out', 'signed-out', 'error'],
  'signing-out': ['signing-out', 'signed-out'],
  error: ['error', 'signing-in', 'signed-out', 'signed-in', 'signing-out'],
};

/** Whether the renderer may see `next` right after `previous`; the interleaving tests check every step. */
export function canFollow(previous: AuthState['status'], next: AuthState['status']): boolean {
  return FOLLOWERS[previous].includes(next);
}
