import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import type { BenchResults } from '../../bench/results-table.js';
import type { Stats } from '../../bench/stats.js';
import { PROJECT_DIR } from '../../scripts/electron-binary.js';
import { keychainUnavailableReason } from '../support/keychain.js';
import { browserUnavailableReason } from '../support/system-browser.js';
import { testCaUnavailableReason } from '../support/test-ca.js';

// `npm run bench` as a person runs it: the build, the real keychain, Chromium and the HTTPS
// setting, with one timed pair per setting so it stays quick. What it proves is the command's
// wiring and output (every goal judged, a results file that holds every figure), not the speed.

const STACK_LINE = /^\s+at /m;
const COMMITTED_RESULTS = join(PROJECT_DIR, 'bench', 'results.json');
const SETTINGS = ['HTTP, 0 ms round trip', 'HTTP, 50 ms round trip', 'HTTPS, 50 ms round trip'];
/** Every goal the README promises, by name; the limit after `<=` is the bench's to set. */
const GOALS = [
  ...SETTINGS.map((setting) => `click -> URL (${setting})`),
  'callback -> signed in (HTTP, 0 ms round trip)',
  'callback -> signed in (HTTPS, 50 ms round trip)',
  ...SETTINGS.map((setting) => `whole login (${setting})`),
  'restore, bundle: process start -> signed in',
  'restore() itself',
  'RSS after login',
];

const skip =
  (process.platform === 'linux' ? undefined : 'the bench hands sign-in URLs to a stand-in xdg-open, as on Linux') ??
  (await keychainUnavailableReason()) ??
  browserUnavailableReason() ??
  testCaUnavailableReason();
if (skip) process.stdout.write(`# skipping the full npm run bench test: ${skip}\n`);

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** `npm run bench` with the person's environment plus `env`; the whole process group dies on timeout. */
function npmRunBench(env: Record<string, string>, timeoutMs: number): Promise<Run> {
  const started = Date.now();
  // Under `npm run`, npm_execpath is npm's own CLI: no shell needed, on Windows either.
  const npmCli = process.env['npm_execpath'];
  const [command, args] = npmCli ? [process.execPath, [npmCli, 'run', 'bench']] : ['npm', ['run', 'bench']];
  const child = spawn(command, args, {
    cwd: PROJECT_DIR,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own group, so a timeout also stops the browser and keyring the bench started.
    detached: process.platform !== 'win32',
    shell: !npmCli && process.platform === 'win32',
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => {
    if (child.pid !== undefined && process.platform !== 'win32') process.kill(-child.pid, 'SIGKILL');
    else child.kill('SIGKILL');
  }, timeoutMs);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({
        code,
        stdout: stripVTControlCharacters(stdout),
        stderr: stripVTControlCharacters(stderr),
        ms: Date.now() - started,
      });
    });
  });
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Every number anywhere in the results, with its path, to catch a NaN that JSON wrote as null. */
function leaves(value: unknown, path = '$'): { path: string; value: unknown }[] {
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, inner]) => leaves(inner, `${path}.${key}`));
  }
  return [{ path, value }];
}

/** A median/p95/min/max figure as the file holds it (read from JSON: any part may be missing). */
function assertStats(figure: Partial<Stats> | undefined, where: string, n?: number): void {
  assert.ok(figure, `${where} is in the results`);
  for (const key of ['median', 'p95', 'min', 'max'] as const) {
    assert.ok(Number.isFinite(figure[key]), `${where}.${key} is a number, not ${String(figure[key])}`);
  }
  if (n !== undefined) assert.equal(figure.n, n, `${where}.n`);
}

let work: string;
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'desktop-login-bench-command-'));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('npm run bench', () => {
  test(
    'with one pair per setting it judges every goal, writes every figure where BENCH_RESULTS says, and leaves the committed figures alone',
    { skip, timeout: 330_000 },
    async () => {
      const committed = readFileSync(COMMITTED_RESULTS);
      const resultsPath = join(work, 'results.json');
      const result = await npmRunBench({ BENCH_PAIRS: '1', BENCH_SEED: '7', BENCH_RESULTS: resultsPath }, 300_000);
      process.stdout.write(`# npm run bench with BENCH_PAIRS=1 took ${(result.ms / 1000).toFixed(1)} s\n`);
      assert.equal(result.code, 0, result.stderr);
      assert.doesNotMatch(result.stdout + result.stderr, STACK_LINE);

      assert.match(result.stdout, /^order seed 7 \(BENCH_SEED=7 repeats it\), 1 pair per setting$/m);
      assert.match(result.stdout, /\(order seed 7\)/);
      // A setting's header may say more after a comma (how long the person spends on the sign-in page).
      for (const setting of SETTINGS) assert.match(result.stdout, new RegExp(`^${escape(setting)}(,.*)?$`, 'm'));
      assert.doesNotMatch(result.stdout, /NaN|undefined|Infinity/);

      const results = JSON.parse(readFileSync(resultsPath, 'utf8')) as BenchResults;
      assert.equal(results.seed, 7);
      assert.equal(results.pairs, 1);
      const notNumbers = leaves(results).filter(({ value }) => value === null || Number.isNaN(value));
      assert.deepEqual(notNumbers, [], 'no figure came out as NaN (written as null)');

      assert.deepEqual(
        results.networks.map((network) => network.setting.name),
        SETTINGS,
      );
      for (const network of results.networks) {
        const name = network.setting.name;
        for (const figure of ['urlOpened', 'redirectToSignedIn', 'roundTrip'] as const) {
          const paired = network[figure];
          assertStats(paired.ours, `${name} ${figure}.ours`, 1);
          assertStats(paired.peer, `${name} ${figure}.peer`, 1);
          assertStats(paired.difference, `${name} ${figure}.difference`, 1);
          assert.ok(Number.isFinite(paired.ratio) && paired.ratio > 0, `${name} ${figure}.ratio`);
        }
        for (const kind of ['roundTrips', 'firstLoginRoundTrips'] as const) {
          for (const side of ['ours', 'peer'] as const) {
            for (const path of ['urlOpened', 'callbackToSignedIn'] as const) {
              const count = network[kind][side][path];
              assert.ok(Number.isInteger(count.requests), `${name} ${kind}.${side}.${path}.requests`);
              assert.ok(Number.isInteger(count.connections), `${name} ${kind}.${side}.${path}.connections`);
            }
          }
        }
      }
      for (const figure of ['oursAfterLogin', 'peerAfterLogin', 'oursAfterRestore', 'bareNode'] as const) {
        assertStats(results.memory[figure], `memory.${figure}`);
      }
      assertStats(results.restore.sinceProcessStart, 'restore.sinceProcessStart');
      assertStats(results.restore.restoreCall, 'restore.restoreCall');

      assert.deepEqual(
        GOALS.map((goal) => results.goals.filter((entry) => entry.goal.startsWith(`${goal} <=`)).length),
        GOALS.map(() => 1),
        `each goal once in ${JSON.stringify(results.goals.map((entry) => entry.goal))}`,
      );
      for (const entry of results.goals) {
        assert.equal(typeof entry.pass, 'boolean', `${entry.goal} has a verdict`);
        const verdict = entry.pass ? 'pass' : 'FAIL';
        const line = new RegExp(`^${escape(entry.goal)} +${escape(entry.measured)} +${verdict}$`, 'm');
        assert.match(result.stdout, line, `the table prints "${entry.goal}" with its verdict`);
      }

      assert.ok(readFileSync(COMMITTED_RESULTS).equals(committed), 'bench/results.json is unchanged');
    },
  );

  // The settings are checked once the build is done, before anything else starts; the build
  // takes seconds, so this runs the command a person types rather than bench/run.ts alone.
  test('BENCH_PAIRS=0 stops with exit code 2 and one line saying what to set', { timeout: 150_000 }, async () => {
    const resultsPath = join(work, 'never-written.json');
    const result = await npmRunBench({ BENCH_PAIRS: '0', BENCH_SEED: '7', BENCH_RESULTS: resultsPath }, 120_000);
    assert.equal(result.code, 2, result.stderr);
    // npm may add its own "npm error" lines about the failed script; the bench's own is one line.
    const lines = result.stderr.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('npm '));
    assert.deepEqual(lines, ['bench: BENCH_PAIRS must be a positive integer (pairs of logins per setting), not "0"']);
    assert.doesNotMatch(result.stdout + result.stderr, STACK_LINE);
    assert.doesNotMatch(result.stdout, /order seed/, 'nothing was measured');
    assert.equal(existsSync(resultsPath), false, 'no results file was written');
  });
});
