// Bundled with the auth core and run in a new plain Node process by the bench: one login (the bench
// plays the person in the browser), then the process's resident set size.
import { spawn } from 'node:child_process';
import { DEMO_ISSUER_VARIABLE, loadConfig } from '../src/main/auth/config/config.js';
import { createAuthService } from '../src/main/auth/flows/auth-service.js';
import { loadKeytar } from '../src/main/auth/session/secret-store.js';
import { createKeychainTokenStore } from '../src/main/auth/session/token-store.js';

const config = loadConfig({
  [DEMO_ISSUER_VARIABLE]: process.env['BENCH_ISSUER'],
  AUTH0_AUDIENCE: process.env['BENCH_AUDIENCE'],
  KEYCHAIN_SERVICE: process.env['BENCH_KEYCHAIN_SERVICE'],
});
const service = createAuthService({
  config,
  // The same door as shell.openExternal on Linux: the bench's xdg-open on PATH.
  openBrowser: (url) =>
    new Promise((resolve, reject) => {
      const child = spawn('xdg-open', [url], { stdio: 'ignore' });
      child.once('spawn', () => resolve());
      child.once('error', reject);
    }),
  tokenStore: createKeychainTokenStore(loadKeytar(), config.keychainService),
});
const state = await service.login();
const rss = process.memoryUsage().rss;
await service.dispose();
process.stdout.write(JSON.stringify({ status: state.status, rss }));
process.exit(0);
