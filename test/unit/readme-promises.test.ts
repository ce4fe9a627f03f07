import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { PROJECT_DIR } from '../../scripts/electron-binary.js';
import { ROOT_WITHOUT_SANDBOX_MESSAGE, busyIdpPortMessage } from '../../scripts/start-demo-idp.js';
import { ELECTRON_FETCH_FIX } from '../../src/main/auth/doctor/electron-check.js';

// The README quotes what `npm start` prints and states what the project needs; these keep the
// quotes and the statements true to the code and the manifest.

const readme = readFileSync(join(PROJECT_DIR, 'README.md'), 'utf8');
const manifest = JSON.parse(readFileSync(join(PROJECT_DIR, 'package.json'), 'utf8')) as {
  engines: { node: string };
  allowScripts: Record<string, boolean>;
};

/** The lowest version a `>=x.y[.z]` range admits, as [major, minor, patch]. */
function minimum(range: string): number[] {
  const match = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(range.trim());
  assert.ok(match, `expected a ">=" range, got "${range}"`);
  return [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)];
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i += 1) if (a[i] !== b[i]) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

test('the README quotes the start failures word for word', () => {
  assert.ok(readme.includes(ELECTRON_FETCH_FIX), 'the Electron fetch fix');
  assert.ok(readme.includes(busyIdpPortMessage(4401)), 'the busy IDP_PORT sentence');
  assert.ok(readme.includes(ROOT_WITHOUT_SANDBOX_MESSAGE), 'the root sentence');
  assert.doesNotMatch(readme, /ELECTRON_SKIP_BINARY_DOWNLOAD/, 'a variable Electron 45 no longer reads');
});

test('the Node requirement is the same in engines, .nvmrc and the README, and meets Electron’s own', () => {
  const ours = minimum(manifest.engines.node);
  const electron = JSON.parse(readFileSync(join(PROJECT_DIR, 'node_modules', 'electron', 'package.json'), 'utf8')) as {
    engines: { node: string };
  };
  assert.ok(
    compare(ours, minimum(electron.engines.node)) >= 0,
    `engines ${manifest.engines.node} admits a Node Electron refuses`,
  );
  assert.ok(readme.includes(`**Node.js ${ours[0]}.${ours[1]} or newer**`), 'README states the engines minimum');
  const nvmrc = readFileSync(join(PROJECT_DIR, '.nvmrc'), 'utf8').trim();
  assert.equal(Number(nvmrc), ours[0], '.nvmrc names the same major');
});

test('every dependency install script is reviewed, and keytar (a native build) is allowed', async () => {
  const { stdout } = await promisify(execFile)('npm', ['install-scripts', 'ls', '--json'], {
    cwd: PROJECT_DIR,
    shell: process.platform === 'win32',
  });
  assert.deepEqual(
    (JSON.parse(stdout) as { allowScripts: unknown[] }).allowScripts,
    [],
    'no unreviewed install scripts',
  );
  assert.equal(manifest.allowScripts['keytar'], true);
});

test("the README's Playwright Electron example is a test the suite runs, word for word", () => {
  const block = /```ts\n(import \{ expect, test \} from '..\/support\/electron-fixtures\.js';[\s\S]*?)```/.exec(
    readme,
  )?.[1];
  assert.ok(block, 'the README shows the fixture in use');
  const body = block.slice(block.indexOf('test('));
  const spec = readFileSync(join(PROJECT_DIR, 'test', 'e2e', 'electron.spec.ts'), 'utf8');
  assert.ok(spec.includes(body), 'test/e2e/electron.spec.ts holds the README example');
});

/** Every folder under `root`, relative to the project, e.g. `src/main/auth/flows`. */
function foldersUnder(root: string): string[] {
  return readdirSync(join(PROJECT_DIR, root), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => relative(PROJECT_DIR, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .concat(root)
    .sort();
}

/** The folders the README's architecture tree names under `src/`, from their indentation. */
function foldersInReadmeTree(): string[] {
  const section = readme.slice(readme.indexOf('## How it is built'));
  const tree = /```\n(src\/\n[\s\S]*?)```/.exec(section)?.[1];
  assert.ok(tree, 'the architecture section opens with a tree of src/');
  const path: string[] = [];
  const folders: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^( *)([\w.-]+)\/(?:\s|$)/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 2;
    if (depth === 0 && match[2] !== 'src') break;
    path.length = depth;
    path.push(match[2] ?? '');
    folders.push(path.join('/'));
  }
  return folders.sort();
}

test("the README's architecture tree names exactly the folders under src/", () => {
  assert.deepEqual(foldersInReadmeTree(), foldersUnder('src'));
});
