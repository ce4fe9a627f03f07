import { createRequire } from 'node:module';
import { AuthError } from './auth-error.js';

/** The keychain operations the app uses; keytar's shape, so another backend is a one-file change. */
export interface SecretStore {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
  findCredentials(service: string): Promise<Array<{ account: string; password: string }>>;
}

/**
 * Loads keytar (the OS keychain: Keychain on macOS, Credential Manager on Windows, Secret
 * Service on Linux). A missing or broken native module becomes `keychain_unavailable`, never a crash.
 */
export function loadKeytar(): SecretStore {
  try {
    // keytar is a CommonJS native addon; required lazily so a broken build only disables persistence.
    const keytar = createRequire(import.meta.url)('keytar') as SecretStore;
    return keytar;
  } catch (error) {
    throw new AuthError('keychain_unavailable', 'The system keychain could not be loaded.', { cause: error });
  }
}
