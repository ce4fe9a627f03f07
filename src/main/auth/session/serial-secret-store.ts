import { createOperationQueue } from './operation-queue.js';
import type { SecretStore } from './secret-store.js';

/**
 * Runs the calls of `inner` one at a time, in the order they were made. keytar runs each call on
 * a worker thread, so calls from different users of the keychain (the token store, pending
 * revocations, the setup check's probe) overlap unless something orders them; and keytar's
 * findCredentials crashes the whole process (libsecret hands it a null secret) when an entry of
 * the service it lists is deleted meanwhile. A call that fails does not hold up the next.
 */
export function serialiseSecretStore(inner: SecretStore): SecretStore {
  const queue = createOperationQueue();
  return {
    getPassword: (service, account) => queue.run(() => inner.getPassword(service, account)),
    setPassword: (service, account, password) => queue.run(() => inner.setPassword(service, account, password)),
    deletePassword: (service, account) => queue.run(() => inner.deletePassword(service, account)),
    findCredentials: (service) => queue.run(() => inner.findCredentials(service)),
  };
}
