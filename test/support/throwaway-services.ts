import { randomBytes } from 'node:crypto';
import type { SecretStore } from '../../src/main/auth/session/secret-store.js';

/** How every keychain service the tests use begins; no real app install uses it. */
export const TEST_SERVICE_PREFIX = 'desktop-login-test-';

/**
 * Keychain services that exist only for one test run. On macOS and Windows the tests write to
 * the person's real keychain, so every service gets a random name no app uses, every service
 * touched is remembered, and `finish` removes them all again.
 */
export interface ThrowawayServices {
  /** The store, limited to this run's services and recording each one it touches. */
  readonly store: SecretStore;
  /** A KEYCHAIN_SERVICE value (or raw service name) for `label`, unique to this run; the same label gives the same name. */
  readonly serviceName: (label: string) => string;
  /** Marks a service another process wrote to (the doctor CLI, the Electron app) for deletion. */
  readonly track: (service: string) => void;
  /**
   * Deletes every entry of every service touched or tracked (unless `deleteEntries` is false),
   * then fails if a test asked for a service outside this run.
   */
  finish(options?: { deleteEntries?: boolean }): Promise<void>;
}

export function throwawayServices(inner: SecretStore): ThrowawayServices {
  const base = `${TEST_SERVICE_PREFIX}${randomBytes(6).toString('hex')}`;
  const touched = new Set<string>();
  const refused = new Set<string>();

  // A service outside this run could be the person's own signed-in app, and finish() would
  // wipe it; refusing here turns a test that forgot serviceName() into a loud failure.
  const allow = (service: string): void => {
    if (!service.startsWith(`${base}-`)) {
      refused.add(service);
      throw new Error(`the test keychain only touches this run's services (from serviceName()); refused "${service}"`);
    }
    touched.add(service);
  };

  // Rejects rather than throws, like the keychain itself, so callers see one kind of failure.
  const guarded = <T>(service: string, call: () => Promise<T>): Promise<T> =>
    Promise.resolve().then(() => {
      allow(service);
      return call();
    });
  const store: SecretStore = {
    getPassword: (service, account) => guarded(service, () => inner.getPassword(service, account)),
    setPassword: (service, account, password) => guarded(service, () => inner.setPassword(service, account, password)),
    deletePassword: (service, account) => guarded(service, () => inner.deletePassword(service, account)),
    findCredentials: (service) => guarded(service, () => inner.findCredentials(service)),
  };

  return {
    store,
    serviceName: (label) => `${base}-${label}`,
    track: allow,
    async finish({ deleteEntries = true } = {}) {
      const failures: string[] = [];
      for (const service of deleteEntries ? touched : []) {
        try {
          for (const { account } of await inner.findCredentials(service)) await inner.deletePassword(service, account);
        } catch (error) {
          failures.push(`could not delete the test entries of "${service}": ${String(error)}`);
        }
      }
      touched.clear();
      if (refused.size > 0) {
        failures.push(`a test used keychain services outside its run: ${[...refused].join(', ')}`);
      }
      if (failures.length > 0) throw new Error(failures.join('\n'));
    },
  };
}
