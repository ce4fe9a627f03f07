import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  INITIAL_STATE,
  canFollow,
  transition,
  view,
  type MachineEvent,
  type MachineState,
} from '../../src/main/auth/flows/auth-machine.js';
import type { AuthErrorInfo, AuthState, Profile } from '../../src/shared/auth-state.js';

const alice: Profile = { sub: 'auth0|alice', name: 'Alice' };
const bob: Profile = { sub: 'auth0|bob', name: 'Bob' };
const cancelled: AuthErrorInfo = { code: 'login_cancelled', message: 'Sign-in was cancelled.' };
const denied: AuthErrorInfo = { code: 'access_denied', message: 'Sign-in was declined.' };
const expired: AuthErrorInfo = { code: 'session_expired', message: 'Your session has ended.' };
const unconfirmed: AuthErrorInfo = { code: 'provider_logout_unconfirmed', message: 'The provider did not confirm.' };

/** One of every kind of event, with both people where it matters. */
const EVENTS: readonly MachineEvent[] = [
  { type: 'restored', profile: alice, persistence: 'keychain' },
  { type: 'restored-nothing' },
  { type: 'restored-nothing', notice: { code: 'keychain_unavailable', message: 'Locked.' } },
  { type: 'login-started', startedAt: 1 },
  { type: 'login-progressed', step: 'waiting-for-user', linkAvailable: true },
  { type: 'login-progressed', step: 'opening-browser', linkAvailable: true, browserOpenFailed: true },
  { type: 'login-succeeded', profile: bob, persistence: 'keychain' },
  { type: 'login-succeeded', profile: alice, persistence: 'unavailable' },
  { type: 'login-succeeded', profile: alice, persistence: 'saving' },
  { type: 'session-saved', sub: alice.sub, persistence: 'keychain' },
  { type: 'session-saved', sub: bob.sub, persistence: 'unavailable' },
  { type: 'login-failed', error: cancelled },
  { type: 'login-failed', error: denied },
  { type: 'session-renewed', profile: { ...alice, name: 'Alice B.' }, persistence: 'keychain' },
  { type: 'session-renewed', profile: bob, persistence: 'unavailable' },
  { type: 'session-ended', notice: expired },
  { type: 'logout-started' },
  { type: 'logout-finished' },
  { type: 'logout-finished', notice: { code: 'provider_unreachable', message: 'Offline.' } },
  { type: 'logout-finished', notice: { code: 'revocation_pending', message: 'Not revoked yet.' } },
  { type: 'revocations-settled' },
  { type: 'provider-logout-unconfirmed', notice: unconfirmed },
];

/** Every state reachable from the start in up to `depth` events (deduplicated). */
function reachable(depth: number): MachineState[] {
  const seen = new Map<string, MachineState>([[JSON.stringify(INITIAL_STATE), INITIAL_STATE]]);
  let frontier = [INITIAL_STATE];
  for (let level = 0; level < depth; level += 1) {
    const next: MachineState[] = [];
    for (const state of frontier) {
      for (const event of EVENTS) {
        const after = transition(state, event);
        const key = JSON.stringify(after);
        if (!seen.has(key)) {
          seen.set(key, after);
          next.push(after);
        }
      }
    }
    frontier = next;
  }
  return [...seen.values()];
}

const apply = (...events: MachineEvent[]): MachineState => events.reduce(transition, INITIAL_STATE);

describe('the auth state machine (pure)', () => {
  test('every event from every reachable state leads to a view the renderer may see next', () => {
    const states = reachable(4);
    assert.ok(states.length > 50, `explored ${states.length} states`);
    for (const state of states) {
      for (const event of EVENTS) {
        const before = view(state).status;
        const after = view(transition(state, event)).status;
        assert.ok(canFollow(before, after), `${before} -> ${after} on ${event.type} from ${JSON.stringify(state)}`);
      }
    }
  });

  test('the view never shows a session together with signing out, and never a token', () => {
    for (const state of reachable(4)) {
      const shown: AuthState = view(state);
      if (state.signingOut) assert.deepEqual(shown, { status: 'signing-out' });
      assert.doesNotMatch(JSON.stringify(shown), /token/i);
    }
  });

  test('a start-up restore that arrives during a login stays underneath it', () => {
    const state = apply(
      { type: 'login-started', startedAt: 5 },
      { type: 'restored', profile: alice, persistence: 'keychain' },
    );
    assert.equal(view(state).status, 'signing-in');
    assert.deepEqual(view(transition(state, { type: 'login-succeeded', profile: bob, persistence: 'keychain' })), {
      status: 'signed-in',
      profile: bob,
      persistence: 'keychain',
    });
  });

  test('a cancelled login returns to the session it interrupted; signed out it says why', () => {
    const signedIn = apply({ type: 'restored', profile: alice, persistence: 'keychain' });
    const back = transition(transition(signedIn, { type: 'login-started', startedAt: 1 }), {
      type: 'login-failed',
      error: cancelled,
    });
    assert.deepEqual(view(back), { status: 'signed-in', profile: alice, persistence: 'keychain' });
    const out = apply({ type: 'login-started', startedAt: 1 }, { type: 'login-failed', error: cancelled });
    assert.deepEqual(view(out), { status: 'signed-out', reason: cancelled });
  });

  test('a failed login shows the error until the next login or logout, and keeps the session underneath', () => {
    const failed = apply(
      { type: 'restored', profile: alice, persistence: 'keychain' },
      { type: 'login-started', startedAt: 1 },
      { type: 'login-failed', error: denied },
    );
    assert.deepEqual(view(failed), { status: 'error', error: denied });
    assert.equal(failed.session?.profile.sub, alice.sub);
    assert.equal(view(transition(failed, { type: 'login-started', startedAt: 2 })).status, 'signing-in');
    assert.equal(view(transition(failed, { type: 'logout-started' })).status, 'signing-out');
  });

  test('a renewal of someone who is no longer signed in changes nothing', () => {
    const signedIn = apply(
      { type: 'login-started', startedAt: 1 },
      { type: 'login-succeeded', profile: bob, persistence: 'keychain' },
    );
    assert.equal(transition(signedIn, { type: 'session-renewed', profile: alice, persistence: 'keychain' }), signedIn);
    const ended = transition(signedIn, { type: 'session-ended', notice: expired });
    assert.equal(transition(ended, { type: 'session-renewed', profile: bob, persistence: 'keychain' }), ended);
  });

  test('a keychain write that settles updates the signed-in session it saved, and nothing else', () => {
    const saving = apply(
      { type: 'login-started', startedAt: 1 },
      { type: 'login-succeeded', profile: alice, persistence: 'saving' },
    );
    assert.deepEqual(view(saving), { status: 'signed-in', profile: alice, persistence: 'saving' });
    for (const persistence of ['keychain', 'unavailable'] as const) {
      assert.deepEqual(view(transition(saving, { type: 'session-saved', sub: alice.sub, persistence })), {
        status: 'signed-in',
        profile: alice,
        persistence,
      });
    }
    // Someone else's save, or a save that settles once signed out, shows nothing.
    assert.equal(transition(saving, { type: 'session-saved', sub: bob.sub, persistence: 'keychain' }), saving);
    const signedOut = transition(transition(saving, { type: 'logout-started' }), { type: 'logout-finished' });
    assert.equal(transition(signedOut, { type: 'session-saved', sub: alice.sub, persistence: 'keychain' }), signedOut);
  });

  test('an empty keychain read does not hide a session that is already there', () => {
    const signedIn = apply(
      { type: 'login-started', startedAt: 1 },
      { type: 'login-succeeded', profile: bob, persistence: 'keychain' },
    );
    assert.equal(transition(signedIn, { type: 'restored-nothing', notice: expired }), signedIn);
  });

  test('logout shows signing-out until it finishes, then signed out with nothing left', () => {
    const out = apply(
      { type: 'restored', profile: alice, persistence: 'keychain' },
      { type: 'logout-started' },
      { type: 'login-progressed', step: 'waiting-for-user', linkAvailable: true },
      { type: 'session-renewed', profile: alice, persistence: 'keychain' },
    );
    assert.deepEqual(view(out), { status: 'signing-out' });
    const done = transition(out, { type: 'logout-finished' });
    assert.deepEqual(done, { signingOut: false, loggedOut: true });
    assert.deepEqual(view(done), { status: 'signed-out', afterLogout: true });
  });

  test('only a signed-out state that Logout left says so; a start-up or a cancelled sign-in does not', () => {
    assert.deepEqual(view(INITIAL_STATE), { status: 'signed-out' });
    assert.deepEqual(view(apply({ type: 'restored-nothing' })), { status: 'signed-out' });
    const loggedOut = apply(
      { type: 'restored', profile: alice, persistence: 'keychain' },
      { type: 'logout-started' },
      { type: 'logout-finished', notice: { code: 'browser_open_failed', message: 'No browser.' } },
    );
    assert.deepEqual(view(loggedOut), {
      status: 'signed-out',
      reason: { code: 'browser_open_failed', message: 'No browser.' },
      afterLogout: true,
    });
    // A sign-in started after the logout ends the "just signed out" moment, even when it is cancelled.
    const cancelledAfter = apply(
      { type: 'logout-started' },
      { type: 'logout-finished' },
      { type: 'login-started', startedAt: 1 },
      { type: 'login-failed', error: cancelled },
    );
    assert.deepEqual(view(cancelledAfter), { status: 'signed-out', reason: cancelled });
    // Signed in again and timed out: the session's end is not a logout.
    const endedLater = apply(
      { type: 'logout-started' },
      { type: 'logout-finished' },
      { type: 'restored', profile: alice, persistence: 'keychain' },
      { type: 'session-ended', notice: expired },
    );
    assert.deepEqual(view(endedLater), { status: 'signed-out', reason: expired });
  });

  test('a revocation that finally succeeds clears only its own message', () => {
    const pending = apply(
      { type: 'logout-started' },
      { type: 'logout-finished', notice: { code: 'revocation_pending', message: 'x' } },
    );
    assert.deepEqual(view(transition(pending, { type: 'revocations-settled' })), {
      status: 'signed-out',
      afterLogout: true,
    });
    const expiredState = apply({ type: 'session-ended', notice: expired });
    assert.equal(transition(expiredState, { type: 'revocations-settled' }), expiredState);
  });

  test('an unconfirmed provider logout is said only to a signed-out app with nothing else to say', () => {
    const afterLogout = transition(transition(INITIAL_STATE, { type: 'logout-started' }), { type: 'logout-finished' });
    const said = transition(afterLogout, { type: 'provider-logout-unconfirmed', notice: unconfirmed });
    assert.deepEqual(view(said), { status: 'signed-out', reason: unconfirmed, afterLogout: true });
    // A login started meanwhile, a new session, or graver news already shown: nothing changes.
    const signingIn = transition(afterLogout, { type: 'login-started', startedAt: 1 });
    assert.equal(transition(signingIn, { type: 'provider-logout-unconfirmed', notice: unconfirmed }), signingIn);
    const signedIn = transition(afterLogout, { type: 'login-succeeded', profile: alice, persistence: 'keychain' });
    assert.equal(transition(signedIn, { type: 'provider-logout-unconfirmed', notice: unconfirmed }), signedIn);
    const pending = transition(transition(INITIAL_STATE, { type: 'logout-started' }), {
      type: 'logout-finished',
      notice: { code: 'revocation_pending', message: 'Not revoked yet.' },
    });
    assert.equal(transition(pending, { type: 'provider-logout-unconfirmed', notice: unconfirmed }), pending);
  });

  test('a step of a login that already ended is ignored', () => {
    const signedOut = apply({ type: 'restored-nothing' });
    assert.equal(
      transition(signedOut, { type: 'login-progressed', step: 'exchanging-code', linkAvailable: true }),
      signedOut,
    );
  });

  test('the transition table forbids what no operation does: signing-out straight to signed-in or signing-in', () => {
    assert.equal(canFollow('signing-out', 'signed-in'), false);
    assert.equal(canFollow('signing-out', 'signing-in'), false);
    assert.equal(canFollow('signing-out', 'error'), false);
    assert.equal(canFollow('signed-out', 'signing-in'), true);
  });
});
