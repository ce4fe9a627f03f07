import { setTimeout as sleep } from 'node:timers/promises';
import type { SecretStore } from '../../src/main/auth/session/secret-store.js';

/** One of the keychain operations the app uses. */
export type SecretStoreMethod = keyof SecretStore;

/**
 * How a held call behaves until it is released. `call`: it waits before it reaches the keychain,
 * like a request queued behind a locked keyring's unlock prompt, and reads what is there once
 * released. `answer`: it reaches the keychain at once and only its answer is late, like a slow
 * Secret Service reply, so it reports what the keychain held when it was asked.
 */
export type HoldMode = 'call' | 'answer';

/**
 * The real test keychain with a hand on its timing: calls can be held and released, slowed
 * down, or refused. Everything else passes straight through, and the answers stay keytar's
 * (async, the same values and rejections), so the token store cannot tell the difference.
 */
export interface ControllableSecretStore extends SecretStore {
  /** Holds every later call of `method` until release(method). */
  hold(method: SecretStoreMethod, mode?: HoldMode): void;
  /** Lets the held calls of `method` go, in the order they were made, and stops holding. */
  release(method: SecretStoreMethod): void;
  /** Resolves once at least one call of `method` is being held. */
  whenHeld(method: SecretStoreMethod): Promise<void>;
  /** Makes every later call of `method` take `ms` longer (0 stops). */
  delay(method: SecretStoreMethod, ms: number): void;
  /** Refuses the next `count` calls of `method` with `error` (an error like keytar's by default). */
  failNext(method: SecretStoreMethod, count: number, error?: Error): void;
  /** How many calls of `method` were made so far. */
  calls(method: SecretStoreMethod): number;
}

interface MethodControl {
  mode: HoldMode | undefined;
  readonly held: Array<() => void>;
  readonly heldWaiters: Array<() => void>;
  delayMs: number;
  failures: number;
  failure: Error;
  calls: number;
}

/** Wraps `inner` (the test keychain's keytar) in a controllable SecretStore. */
export function controllableSecretStore(inner: SecretStore): ControllableSecretStore {
  const methods: readonly SecretStoreMethod[] = ['getPassword', 'setPassword', 'deletePassword', 'findCredentials'];
  const controls = new Map<SecretStoreMethod, MethodControl>(
    methods.map((method) => [
      method,
      {
        mode: undefined,
        held: [],
        heldWaiters: [],
        delayMs: 0,
        failures: 0,
        failure: new Error('The keychain refused the request.'),
        calls: 0,
      },
    ]),
  );
  const control = (method: SecretStoreMethod): MethodControl => {
    const found = controls.get(method);
    if (!found) throw new TypeError(`unknown keychain method ${method}`);
    return found;
  };

  const waitForRelease = (entry: MethodControl): Promise<void> =>
    new Promise((resolve) => {
      entry.held.push(resolve);
      for (const waiter of entry.heldWaiters.splice(0)) waiter();
    });

  const run = async <T>(method: SecretStoreMethod, call: () => Promise<T>): Promise<T> => {
    const entry = control(method);
    entry.calls += 1;
    const refusal = entry.failures > 0 ? entry.failure : undefined;
    if (refusal) entry.failures -= 1;
    const reach = (): Promise<T> => (refusal ? Promise.reject(refusal) : call());
    if (entry.mode === 'answer') {
      const answer = reach();
      // The answer is delivered (or its rejection raised) only once released.
      answer.catch(() => undefined);
      await waitForRelease(entry);
      return answer;
    }
    if (entry.mode === 'call') await waitForRelease(entry);
    if (entry.delayMs > 0) await sleep(entry.delayMs);
    return reach();
  };

  return {
    getPassword: (service, account) => run('getPassword', () => inner.getPassword(service, account)),
    setPassword: (service, account, password) =>
      run('setPassword', () => inner.setPassword(service, account, password)),
    deletePassword: (service, account) => run('deletePassword', () => inner.deletePassword(service, account)),
    findCredentials: (service) => run('findCredentials', () => inner.findCredentials(service)),

    hold(method, mode = 'call') {
      control(method).mode = mode;
    },
    release(method) {
      const entry = control(method);
      entry.mode = undefined;
      for (const resume of entry.held.splice(0)) resume();
    },
    whenHeld(method) {
      const entry = control(method);
      if (entry.held.length > 0) return Promise.resolve();
      return new Promise((resolve) => entry.heldWaiters.push(resolve));
    },
    delay(method, ms) {
      control(method).delayMs = ms;
    },
    failNext(method, count, error) {
      const entry = control(method);
      entry.failures = count;
      if (error) entry.failure = error;
    },
    calls: (method) => control(method).calls,
  };
}
