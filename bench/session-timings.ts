import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'vite';
import type { AuthService } from '../src/main/auth/flows/auth-service.js';
import type { TestClock } from '../test/support/app-harness.js';
import type { RunningIdp } from '../tools/idp/start-idp.js';

const run = promisify(execFile);

/** What the start-up figures are, and where the restored session came from. */
export interface RestoreFigures {
  readonly restoreMs: number[];
  readonly restoreInternalMs: number[];
  /**
   * keytar alone: the first read of a new process, which opens its D-Bus connection and Secret
   * Service session. restore() reads the keychain once, so this is its floor.
   */
  readonly firstKeychainReadMs: number[];
  /** Resident set size of the process once signed in from the keychain, in bytes. */
  readonly rssBytes: number[];
  /** Bare `node -e ""`'s resident set size, for reference. */
  readonly bareNodeRssBytes: number[];
}

/**
 * Start-up restore in a new plain Node process, ten times: process start -> signed in, from the
 * auth core as a bundle (built like the app's main bundle, not loaded from sources), reading the
 * session the logins saved in the keychain.
 */
export async function measureRestores(
  root: string,
  work: string,
  idp: RunningIdp,
  keychainService: string,
): Promise<RestoreFigures> {
  const probe = await buildRestoreProbe(root, join(work, 'restore'));
  const figures: RestoreFigures = {
    restoreMs: [],
    restoreInternalMs: [],
    firstKeychainReadMs: [],
    rssBytes: [],
    bareNodeRssBytes: [],
  };
  for (let index = 0; index < 10; index += 1) {
    const { stdout } = await run(process.execPath, [probe], {
      env: {
        ...process.env,
        // keytar stays outside the bundle (a native addon), as in the packaged app.
        NODE_PATH: join(root, 'node_modules'),
        BENCH_ISSUER: idp.issuer,
        BENCH_AUDIENCE: idp.audience,
        BENCH_KEYCHAIN_SERVICE: keychainService,
      },
    });
    const probed = JSON.parse(stdout) as {
      sinceProcessStartMs: number;
      restoreMs: number;
      status: string;
      rss: number;
    };
    if (probed.status !== 'signed-in') throw new Error('restore probe did not find the session');
    figures.restoreMs.push(probed.sinceProcessStartMs);
    figures.restoreInternalMs.push(probed.restoreMs);
    figures.rssBytes.push(probed.rss);
    const bare = await run(process.execPath, ['-e', 'process.stdout.write(String(process.memoryUsage().rss))']);
    figures.bareNodeRssBytes.push(Number(bare.stdout));
    const floor = await run(process.execPath, ['-e', FIRST_KEYCHAIN_READ, keychainService], {
      env: { ...process.env, NODE_PATH: join(root, 'node_modules') },
    });
    figures.firstKeychainReadMs.push(Number(floor.stdout));
  }
  return figures;
}

/** Times keytar's first read in a new process (an account that does not exist: same cost). */
const FIRST_KEYCHAIN_READ = `
const keytar = require('keytar');
const started = performance.now();
keytar.getPassword(process.argv[1], 'bench floor').then(() => process.stdout.write(String(performance.now() - started)));
`;

/** Bundles bench/restore-probe.ts with the auth core into one file, keytar left outside. */
async function buildRestoreProbe(root: string, outDir: string): Promise<string> {
  await build({
    logLevel: 'silent',
    configFile: false,
    build: {
      ssr: join(root, 'bench', 'restore-probe.ts'),
      outDir,
      target: 'node22',
      rollupOptions: { external: ['keytar', /^node:/], output: { format: 'es', entryFileNames: 'restore-probe.mjs' } },
    },
    ssr: { noExternal: true },
  });
  return join(outDir, 'restore-probe.mjs');
}

/** getAccessToken: fresh (per call), and 50 concurrent callers during a refresh. */
export async function measureGetAccessToken(
  service: AuthService,
  clock: TestClock,
  idp: RunningIdp,
): Promise<{ freshPerCallUs: number; concurrentWallMs: number[]; tokenRequestsPerRefresh: number[] }> {
  const calls = 20_000;
  await service.getAccessToken();
  const freshStarted = performance.now();
  for (let index = 0; index < calls; index += 1) await service.getAccessToken();
  const freshPerCallUs = ((performance.now() - freshStarted) * 1000) / calls;
  const concurrentWallMs: number[] = [];
  const tokenRequestsPerRefresh: number[] = [];
  for (let index = 0; index < 10; index += 1) {
    clock.advance(3_600_000);
    const before = idp.countRequests('/oauth/token');
    const started = performance.now();
    await Promise.all(Array.from({ length: 50 }, () => service.getAccessToken()));
    concurrentWallMs.push(performance.now() - started);
    tokenRequestsPerRefresh.push(idp.countRequests('/oauth/token') - before);
  }
  return { freshPerCallUs, concurrentWallMs, tokenRequestsPerRefresh };
}
