import type { SecretStore } from '../../src/main/auth/session/secret-store.js';
import { startIdp, type RunningIdp } from '../../tools/idp/start-idp.js';
import { startKeychain, type TestKeychain } from './keychain.js';
import { launchSystemBrowser, type SystemBrowser } from './system-browser.js';

/** The real provider, system browser and keychain an integration test file signs people in with. */
export interface StoryServices {
  readonly idp: RunningIdp;
  readonly browser: SystemBrowser;
  readonly keychain: TestKeychain;
  readonly keytar: SecretStore;
}

/**
 * Starts the three for one test file. The keychain comes first: it points this process's D-Bus
 * address at itself, and libsecret keeps the bus of its first call. A failed start stops what did start.
 */
export async function startStoryServices(): Promise<StoryServices> {
  const keychain = await startKeychain();
  const started = await Promise.allSettled([startIdp(), launchSystemBrowser()]);
  const [idp, browser] = started;
  if (idp.status === 'fulfilled' && browser.status === 'fulfilled') {
    return { idp: idp.value, browser: browser.value, keychain, keytar: keychain.keytar };
  }
  await stopStoryServices({
    keychain,
    ...(idp.status === 'fulfilled' ? { idp: idp.value } : {}),
    ...(browser.status === 'fulfilled' ? { browser: browser.value } : {}),
  });
  throw started.find((result) => result.status === 'rejected')?.reason;
}

/** Stops what a test file started; any of them may be missing when its start-up failed or was skipped. */
export async function stopStoryServices(services: Partial<StoryServices>): Promise<void> {
  await Promise.all([services.idp?.close(), services.browser?.close()]);
  await services.keychain?.close();
}
