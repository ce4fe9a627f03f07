import type { AuthState } from '../../../shared/auth-state.js';
import type { Logger } from '../logger.js';
import { INITIAL_STATE, transition, view, type MachineEvent, type MachineState } from './auth-machine.js';

/** The one owner of the machine state: applies events and tells every listener what the renderer sees. */
export interface AuthStatePublisher {
  /** What the renderer sees now. */
  current(): AuthState;
  /** Applies `event` (auth-machine.ts) and tells every listener the resulting view. */
  dispatch(event: MachineEvent): void;
  /** Calls `listener` on every event; returns the unsubscribe function. */
  subscribe(listener: (state: AuthState) => void): () => void;
}

/** Creates the publisher, starting signed out with nothing to say. */
export function createAuthStatePublisher(logger: Logger): AuthStatePublisher {
  const listeners = new Set<(state: AuthState) => void>();
  let machine: MachineState = INITIAL_STATE;
  let shown: AuthState = view(machine);
  return {
    current: () => shown,
    dispatch(event) {
      machine = transition(machine, event);
      // Every event is told, even one that leaves the view as it was (a renewal): listeners learn the session moved on.
      const next = view(machine);
      shown = next;
      for (const listener of listeners) {
        try {
          listener(next);
        } catch {
          logger.error('a state listener threw');
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
