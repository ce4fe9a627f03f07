// Bundled with the auth core and run in a new plain Node process by the bench: how long from
// process start until the saved session shows, and the process's memory once it does.
import { createAuthService } from '../src/main/auth/flows/auth-service.js';
import { DEMO_ISSUER_VARIABLE, loadConfig } from '../src/main/auth/config/config.js';
import { loadKeytar } from '../src/main/auth/session/secret-store.js';
import { createKeychainTokenStore } from '../src/main/auth/session/token-store.js';

const config = loadConfig({
  [DEMO_ISSUER_VARIABLE]: process.env['BENCH_ISSUER'],
  AUTH0_AUDIENCE: process.env['BENCH_AUDIENCE'],
  // The bench's throwaway service (test/support/keychain.ts), where it saved the session.
  KEYCHAIN_SERVICE: process.env['BENCH_KEYCHAIN_SERVICE'],
});
const service = createAuthService({
  config,
  openBrowser: () => Promise.reject(new Error('no browser in the restore probe')),
  tokenStore: createKeychainTokenStore(loadKeytar(), config.keychainService),
});
const started = performance.now();
const state = await service.restore();
const restoredAt = performance.now();
await service.dispose();
// performance.now() counts from the start of this process.
process.stdout.write(
  JSON.stringify({
    status: state.status,
    sinceProcessStartMs: restoredAt,
    restoreMs: restoredAt - started,
    rss: process.memoryUsage().rss,
  }),
);
process.exit(0);
