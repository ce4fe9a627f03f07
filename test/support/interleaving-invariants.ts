import type { AuthState } from '../../src/shared/auth-state.js';

/** Every status the core can show. */
export type Status = AuthState['status'];

// The core's own transition table: the test and the core can never disagree about it.
export { canFollow } from '../../src/main/auth/flows/auth-machine.js';

/** The properties the interleaving test holds the core to, named as its report prints them. */
export const INVARIANTS = {
  transition: 'every state change is allowed by the transition table',
  keychainWhole: 'the keychain holds nothing or one complete session',
  keychainIsShown: 'once idle, a signed-in keychain session is the person shown',
  logoutFinal: 'after a logout completes: no token request, not signed in, keychain empty',
  oneServer: 'at most one loopback server listens',
  quitDeadline: 'quit finishes within its deadline + 1 s',
  quitClosesServers: 'after quit no loopback server listens',
  tokenOwner: 'access tokens belong to the person shown',
  newestSession: 'the person shown is the one who signed in last',
  neverRejects: 'login() and logout() never reject',
  noUnhandled: 'no unhandled promise rejection',
} as const;

/** One of the INVARIANTS' descriptions. */
export type Invariant = (typeof INVARIANTS)[keyof typeof INVARIANTS];

/** A broken invariant; `invariant` lets the report group failures without parsing messages. */
export class InvariantViolation extends Error {
  override readonly name = 'InvariantViolation';

  constructor(
    readonly invariant: Invariant,
    detail: string,
  ) {
    super(`${invariant}: ${detail}`);
  }
}
