import { createRequire } from 'node:module';
import { AuthError } from '../auth-error.js';
import { serialiseSecretStore } from './serial-secret-store.js';

/** The keychain operations the app uses; keytar's shape, so another backend is a one-file change. */
export interface SecretStore {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
  findCredentials(service: string): Promise<Array<{ account: string; password: string }>>;
}

let shared: SecretStore | undefined;

/**
 * The OS keychain (Keychain on macOS, Credential Manager on Windows, Secret Service on Linux)
 * through keytar: one store per process, whose calls run one at a time, so the token store,
 * pending revocations and the setup check share a single queue however each of them got it.
 * A missing or broken native module becomes `keychain_unavailable`, never a crash.
 */
export function loadKeytar(): SecretStore {
  if (shared) return shared;
  let keytar: SecretStore;
  try {
    // keytar is a CommonJS native addon; required lazily so a broken build only disables persistence.
    keytar = createRequire(import.meta.url)('keytar') as SecretStore;
  } catch (error) {
    throw new AuthError('keychain_unavailable', 'The system keychain could not be loaded.', { cause: error });
  }
  shared = serialiseSecretStore(keytar);
  return shared;
}
