import { randomInt } from 'node:crypto';
import { statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * What a bench run is asked to do, from the environment:
 * - BENCH_PAIRS: timed pairs of logins per network setting (a positive integer, default 20).
 * - BENCH_SEED: the order seed (an integer, default random); the bench prints it so a run can be repeated.
 * - BENCH_RESULTS: where results.json goes (default bench/results.json), e.g. so a test leaves the
 *   committed figures alone. A relative path is taken from the folder `npm run bench` was typed in.
 * An empty variable counts as unset, as for the app's own settings.
 */
export interface BenchSettings {
  readonly pairs: number;
  readonly seed: number;
  readonly resultsPath: string;
}

/** A setting the bench cannot run with; its message is the whole explanation, one line. */
export class BenchSettingError extends Error {
  override readonly name = 'BenchSettingError';
}

/** Reads and checks the settings before anything starts, so a typo costs a second, not a run. */
export function readBenchSettings(env: NodeJS.ProcessEnv, root: string): BenchSettings {
  const value = (name: string): string | undefined => env[name]?.trim() || undefined;
  const pairs = value('BENCH_PAIRS');
  const seed = value('BENCH_SEED');
  const results = value('BENCH_RESULTS');
  if (pairs !== undefined && !(/^\d+$/.test(pairs) && Number(pairs) > 0 && Number.isSafeInteger(Number(pairs)))) {
    throw new BenchSettingError(`BENCH_PAIRS must be a positive integer (pairs of logins per setting), not "${pairs}"`);
  }
  if (seed !== undefined && !(/^-?\d+$/.test(seed) && Number.isSafeInteger(Number(seed)))) {
    throw new BenchSettingError(`BENCH_SEED must be an integer (the order seed a run printed), not "${seed}"`);
  }
  // npm runs scripts from the project root; INIT_CWD is where the person typed the command.
  const resultsPath = results
    ? resolve(env['INIT_CWD'] ?? process.cwd(), results)
    : join(root, 'bench', 'results.json');
  if (!isFolder(dirname(resultsPath))) {
    throw new BenchSettingError(`BENCH_RESULTS: the folder ${dirname(resultsPath)} does not exist`);
  }
  return {
    pairs: pairs === undefined ? 20 : Number(pairs),
    seed: seed === undefined ? randomInt(2 ** 31) : Number(seed),
    resultsPath,
  };
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
