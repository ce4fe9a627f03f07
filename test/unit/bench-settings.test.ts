import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BenchSettingError, readBenchSettings } from '../../bench/bench-settings.js';

const root = mkdtempSync(join(tmpdir(), 'desktop-login-bench-settings-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('unset or empty: 20 pairs, a random integer seed, results in bench/results.json', () => {
  for (const env of [{}, { BENCH_PAIRS: '', BENCH_SEED: ' ', BENCH_RESULTS: '' }]) {
    const settings = readBenchSettings({ ...env, INIT_CWD: root }, process.cwd());
    assert.equal(settings.pairs, 20);
    assert.ok(Number.isInteger(settings.seed) && settings.seed >= 0);
    assert.equal(settings.resultsPath, join(process.cwd(), 'bench', 'results.json'));
  }
});

test('one pair, a negative seed, and a results path relative to where npm was run', () => {
  const settings = readBenchSettings(
    { BENCH_PAIRS: '1', BENCH_SEED: '-7', BENCH_RESULTS: 'out.json', INIT_CWD: root },
    '/x',
  );
  assert.deepEqual(settings, { pairs: 1, seed: -7, resultsPath: join(root, 'out.json') });
});

test('a bad value is refused with a one-line reason naming the variable and the value', () => {
  const refused: [Record<string, string>, RegExp][] = [
    [{ BENCH_PAIRS: '0' }, /^BENCH_PAIRS must be a positive integer .*"0"$/],
    [{ BENCH_PAIRS: '-1' }, /^BENCH_PAIRS .*"-1"$/],
    [{ BENCH_PAIRS: '2.5' }, /^BENCH_PAIRS .*"2\.5"$/],
    [{ BENCH_PAIRS: 'ten' }, /^BENCH_PAIRS .*"ten"$/],
    [{ BENCH_PAIRS: '1e3' }, /^BENCH_PAIRS .*"1e3"$/],
    [{ BENCH_SEED: '1.5' }, /^BENCH_SEED must be an integer .*"1\.5"$/],
    [{ BENCH_SEED: 'abc' }, /^BENCH_SEED .*"abc"$/],
    [{ BENCH_SEED: '99999999999999999999' }, /^BENCH_SEED /],
    [{ BENCH_RESULTS: join(root, 'missing', 'results.json') }, /^BENCH_RESULTS: the folder .*missing does not exist$/],
  ];
  for (const [env, message] of refused) {
    assert.throws(
      () => readBenchSettings(env, root),
      (error: unknown) =>
        error instanceof BenchSettingError && message.test(error.message) && !error.message.includes('\n'),
      JSON.stringify(env),
    );
  }
});
