import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AuthService } from '../src/main/auth/flows/auth-service.js';
import type { TestClock } from '../test/support/app-harness.js';
import type { RunningIdp } from '../tools/idp/start-idp.js';

const run = promisify(execFile);

/** Start-up restore in a new process, ten times: process start -> signed-in from the keychain. */
export async function measureRestores(
  root: string,
  idp: RunningIdp,
  keychainService: string,
): Promise<{ restoreMs: number[]; restoreInternalMs: number[] }> {
  const restoreMs: number[] = [];
  const restoreInternalMs: number[] = [];
  for (let index = 0; index < 10; index += 1) {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', join(root, 'bench', 'restore-probe.ts')], {
      env: {
        ...process.env,
        BENCH_ISSUER: idp.issuer,
        BENCH_AUDIENCE: idp.audience,
        BENCH_KEYCHAIN_SERVICE: keychainService,
      },
    });
    const figures = JSON.parse(stdout) as { sinceProcessStartMs: number; restoreMs: number; status: string };
    if (figures.status !== 'signed-in') throw new Error('restore probe did not find the session');
    restoreMs.push(figures.sinceProcessStartMs);
    restoreInternalMs.push(figures.restoreMs);
  }
  return { restoreMs, restoreInternalMs };
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
