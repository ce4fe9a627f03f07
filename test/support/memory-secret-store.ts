import { setTimeout as sleep } from 'node:timers/promises';
import type { SecretStore } from '../../src/main/auth/session/secret-store.js';
import { createKeychainTokenStore, type LoadResult } from '../../src/main/auth/session/token-store.js';

/** One keychain entry as keytar's findCredentials returns it. */
export interface KeychainEntry {
  readonly account: string;
  readonly password: string;
}

/**
 * A keytar-shaped store whose keychain can be made slow, locked or flaky while the app runs,
 * so tests reach the interleavings a real keychain produces only now and then.
 */
export interface FaultySecretStore extends SecretStore {
  /** While true every call rejects, as keytar does for a locked keyring whose unlock prompt was dismissed. */
  locked: boolean;
  /** Every later call waits this long before it runs (0: no wait), like a keychain busy with a prompt. */
  slow(ms: number): void;
  /** The next `count` calls reject, as a Secret Service that drops off the bus now and then does. */
  failNext(count: number): void;
  /**
   * Every later call waits for `gate` before it runs, so a test can choose the order in which
   * overlapping calls land (undefined: no gate).
   */
  order(gate: ((label: string) => Promise<void>) | undefined): void;
  /** How many calls the faults have rejected so far. */
  readonly rejected: number;
  /** Calls that have started and not yet answered. */
  readonly inFlight: number;
  /**
   * Every entry of `service`, with the faults bypassed: what a restart would find. The app's
   * calls wait while it reads, so the copy is of one instant even on a real keychain, and the
   * read never overlaps the app's own calls (libsecret fails a listing that overlaps a delete).
   */
  contents(service: string): Promise<KeychainEntry[]>;
}

/** How long a read of the contents waits for the app's keychain calls to answer. */
const READ_WAIT_LIMIT_MS = 5_000;

/** The error keytar gives when the Secret Service refuses (libsecret's wording for a locked collection). */
function lockedError(): Error {
  return new Error('Cannot create an item in a locked collection');
}

/**
 * Puts the faults in front of `inner`; `contents` reads the entries behind the faults. The
 * real keychain is wrapped too, so one test can lock it without stopping the daemon (which
 * would cut libsecret off for the rest of the process).
 */
export function withKeychainFaults(
  inner: SecretStore,
  contents: (service: string) => Promise<KeychainEntry[]>,
): FaultySecretStore {
  let delayMs = 0;
  let failures = 0;
  let rejected = 0;
  let inFlight = 0;
  let gate: ((label: string) => Promise<void>) | undefined;
  /** Calls running against `inner` right now, and the test's read that holds them off. */
  let running = 0;
  let reading: Promise<void> | undefined;

  const call = async <T>(label: string, operation: () => Promise<T>): Promise<T> => {
    inFlight += 1;
    try {
      if (delayMs > 0) await sleep(delayMs);
      if (gate) await gate(label);
      while (reading) await reading;
      if (store.locked || failures > 0) {
        if (failures > 0) failures -= 1;
        rejected += 1;
        throw lockedError();
      }
      running += 1;
      try {
        return await operation();
      } finally {
        running -= 1;
      }
    } finally {
      inFlight -= 1;
    }
  };

  const readAlone = async (service: string): Promise<KeychainEntry[]> => {
    while (reading) await reading;
    let done!: () => void;
    reading = new Promise((resolve) => (done = resolve));
    try {
      // A keytar call that never answers (libsecret has been seen to drop one when calls overlap)
      // must fail the run with a reason, not hang it.
      for (let waited = 0; running > 0; waited += 1) {
        if (waited >= READ_WAIT_LIMIT_MS)
          throw new Error(`a keychain call has not answered for ${READ_WAIT_LIMIT_MS} ms`);
        await sleep(1);
      }
      return await contents(service);
    } finally {
      reading = undefined;
      done();
    }
  };

  const store: FaultySecretStore = {
    locked: false,
    slow(ms) {
      delayMs = Math.max(0, ms);
    },
    failNext(count) {
      failures = Math.max(0, count);
    },
    order(next) {
      gate = next;
    },
    get rejected() {
      return rejected;
    },
    get inFlight() {
      return inFlight;
    },
    contents: readAlone,
    getPassword: (service, account) =>
      call(`keychain get ${entryKind(account)}`, () => inner.getPassword(service, account)),
    setPassword: (service, account, password) =>
      call(`keychain set ${entryKind(account)}`, () => inner.setPassword(service, account, password)),
    deletePassword: (service, account) =>
      call(`keychain delete ${entryKind(account)}`, () => inner.deletePassword(service, account)),
    findCredentials: (service) => call('keychain list', () => inner.findCredentials(service)),
  };
  return store;
}

/** keytar's semantics in memory: one map of accounts per service, null for a missing entry. */
export function memoryKeychain(initial: Iterable<readonly [string, Iterable<KeychainEntry>]> = []): SecretStore & {
  /** A copy of `service`'s entries, taken synchronously so no write can land half-way through it. */
  snapshot(service: string): KeychainEntry[];
} {
  const services = new Map<string, Map<string, string>>();
  for (const [service, entries] of initial) {
    services.set(service, new Map([...entries].map((entry) => [entry.account, entry.password])));
  }
  const accounts = (service: string): Map<string, string> => {
    let map = services.get(service);
    if (!map) {
      map = new Map();
      services.set(service, map);
    }
    return map;
  };
  const snapshot = (service: string): KeychainEntry[] =>
    [...(services.get(service) ?? new Map<string, string>())].map(([account, password]) => ({ account, password }));
  return {
    snapshot,
    getPassword: (service, account) => Promise.resolve(services.get(service)?.get(account) ?? null),
    setPassword(service, account, password) {
      accounts(service).set(account, password);
      return Promise.resolve();
    },
    deletePassword: (service, account) => Promise.resolve(services.get(service)?.delete(account) ?? false),
    findCredentials: (service) => Promise.resolve(snapshot(service)),
  };
}

/** An account name without its random generation id, so logs of two runs read alike. */
function entryKind(account: string): string {
  return account.replace(/\.[0-9a-f]{12}\./, '.<gen>.');
}

/** A fresh in-memory keychain behind the fault switches. */
export function createMemorySecretStore(): FaultySecretStore {
  const keychain = memoryKeychain();
  return withKeychainFaults(keychain, (service) => Promise.resolve(keychain.snapshot(service)));
}

/**
 * What the app would find in these entries on its next start, read by the real token store
 * from a private copy: loading the live keychain could "discard" a half-written entry and
 * so change what the app under test sees.
 */
export function readSavedSession(entries: readonly KeychainEntry[], service: string): Promise<LoadResult> {
  return createKeychainTokenStore(memoryKeychain([[service, entries]]), service).load();
}
