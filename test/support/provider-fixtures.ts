import { test as base } from '@playwright/test';
import { startIdp, type RunningIdp } from '../../tools/idp/start-idp.js';
import { startKeychain, type TestKeychain } from './keychain.js';

/** What every end-to-end project shares per worker: the identity provider and the OS keychain. */
export interface ProviderWorkerFixtures {
  /** The real OS keychain (on Linux a private gnome-keyring), under throwaway service names. */
  keychain: TestKeychain;
  /** The local identity provider, configured like an Auth0 tenant. */
  idp: RunningIdp;
}

/** The base `test` of the renderer and Electron projects. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- no per-test fixtures at this level
export const test = base.extend<{}, ProviderWorkerFixtures>({
  keychain: [
    // Playwright reads a fixture's dependencies from this pattern; this fixture has none.
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      // Started before the first keytar call in this worker: libsecret connects to one bus and keeps it.
      const keychain = await startKeychain();
      await use(keychain);
      await keychain.close();
    },
    { scope: 'worker' },
  ],
  idp: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const idp = await startIdp();
      await use(idp);
      await idp.close();
    },
    { scope: 'worker' },
  ],
});
