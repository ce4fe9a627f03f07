import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';

// The layers of STYLE.md are only true while the lint config enforces them. These probes lint
// deliberate violations, written as text at paths inside each folder, through the project's own
// eslint.config.js, and check that each one is reported, and that the imports the design allows are not.
//
// The probe files do not exist, so TypeScript's project service cannot type them; the test switches
// typed linting off (the rules probed here read syntax only) and keeps every other part of the config.

const root = join(import.meta.dirname, '..', '..');
const eslint = new ESLint({ cwd: root, overrideConfig: [tseslint.configs.disableTypeChecked] });

const LAYER_RULE = 'no-restricted-imports';

/** A repository path and the text linted as that file. */
type Probe = readonly [file: string, code: string];

/** Lints `code` as if it were the file at repository path `file`; a parse failure would prove nothing. */
async function problems(file: string, code: string): Promise<Linter.LintMessage[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  assert.ok(result, `a lint result for ${file}`);
  const fatal = result.messages.filter((message) => message.fatal === true);
  assert.deepEqual(fatal, [], `${file} parses`);
  return result.messages;
}

async function isReported(file: string, code: string, rule: string = LAYER_RULE): Promise<boolean> {
  const messages = await problems(file, code);
  return messages.some((message) => message.ruleId === rule);
}

/** Lints every probe and fails with the full list of those that went unreported, not just the first. */
async function assertAllReported(probes: readonly Probe[], rule: string = LAYER_RULE): Promise<void> {
  const missed: string[] = [];
  for (const [file, code] of probes) {
    const lines = code.trimEnd().split('\n');
    if (!(await isReported(file, code, rule)))
      missed.push(`${file}: ${lines.length > 1 ? `(${lines.length} lines)` : code}`);
  }
  assert.deepEqual(missed, [], `${rule} lets these through`);
}

async function assertAllowed(file: string, code: string, rule: string = LAYER_RULE): Promise<void> {
  const messages = await problems(file, code);
  const reported = messages.filter((message) => message.ruleId === rule).map((message) => message.message);
  assert.deepEqual(reported, [], `${rule} accepts this in ${file}:\n${code}`);
}

// Files at the top of a folder and one level down: the relative climbs differ between the two.
const CORE_TOP = 'src/main/auth/layer-probe.ts';
const CORE = 'src/main/auth/flows/layer-probe.ts';
const IPC = 'src/main/ipc/layer-probe.ts';
const SHELL = 'src/main/layer-probe.ts';
const PRELOAD = 'src/preload/layer-probe.ts';
/** The one preload file that may hold raw ipcRenderer. */
const PRELOAD_WRAPPER = 'src/preload/ipc-renderer.ts';
const RENDERER = 'src/renderer/layer-probe.ts';
const RENDERER_DEEP = 'src/renderer/views/layer-probe.ts';
const SHARED = 'src/shared/layer-probe.ts';
const TOOLS = 'tools/idp/layer-probe.ts';

const FORBIDDEN: Record<string, readonly Probe[]> = {
  'the auth core never imports Electron': [
    [CORE, "import { shell } from 'electron';"],
    [CORE_TOP, "import { app } from 'electron';"],
    [CORE, "import { ipcMain } from 'electron/main';"],
    [CORE, "import type { BrowserWindow } from 'electron';"],
  ],
  'the auth core never imports the IPC adapter, the shell, the preload or the renderer': [
    [CORE, "import { registerAuthIpc } from '../../ipc/ipc-main.js';"],
    [CORE_TOP, "import { createAuthHandlers } from '../ipc/ipc-handlers.js';"],
    [CORE, "import { createWindow } from '../../window.js';"],
    [CORE, "import { main } from '../../main.js';"],
    [CORE_TOP, "import { createWindow } from '../window.js';"],
    [CORE_TOP, "import { runLimited } from '../run-limiter.js';"],
    [CORE, "import './../../window.js';"],
    [CORE, "import { createWindow } from './../../window.js';"],
    [CORE, "import { createWindow } from '../session/../../window.js';"],
    [CORE, "import { bridge } from '../../../preload/preload.js';"],
    [CORE, "import { render } from '../../../renderer/dom.js';"],
  ],
  'the IPC adapter never imports the shell': [[IPC, "import { createWindow } from '../window.js';"]],
  'the renderer imports only src/shared': [
    [RENDERER, "import { ipcRenderer } from 'electron';"],
    [RENDERER, "import { contextBridge } from 'electron';"],
    [RENDERER, "import { readFileSync } from 'node:fs';"],
    [RENDERER, "import { readFileSync } from 'fs';"],
    [RENDERER, "import { AuthError } from '../main/auth/auth-error.js';"],
    [RENDERER, "import { createWindow } from '../main/window.js';"],
    [RENDERER_DEEP, "import { createWindow } from '../../main/window.js';"],
    [RENDERER, "import { bridge } from '../preload/preload.js';"],
    [RENDERER, "import * as client from 'openid-client';"],
    [RENDERER, "import { startIdp } from '../../tools/idp/start-idp.js';"],
  ],
  'src/shared imports nothing': [
    [SHARED, "import { readFileSync } from 'node:fs';"],
    [SHARED, "import { app } from 'electron';"],
    [SHARED, "import { AuthError } from '../main/auth/auth-error.js';"],
    [SHARED, "import { render } from '../renderer/dom.js';"],
    [SHARED, "import { decodeJwt } from 'jose';"],
  ],
  'the preload imports only Electron and src/shared': [
    [PRELOAD, "import { AuthError } from '../main/auth/auth-error.js';"],
    [PRELOAD, "import { createWindow } from '../main/window.js';"],
    [PRELOAD, "import { render } from '../renderer/dom.js';"],
    [PRELOAD, "import { join } from 'node:path';"],
    [PRELOAD, "import { decodeJwt } from 'jose';"],
    [PRELOAD, "import { ipcMain } from 'electron';"],
    [PRELOAD, "import { ipcRenderer } from 'electron';"],
  ],
  'raw ipcMain stays in src/main/ipc/ipc-main.ts': [
    [SHELL, "import { ipcMain } from 'electron';"],
    [SHELL, "import { ipcMain } from 'electron/main';"],
    [SHELL, "import * as electron from 'electron';"],
    [SHELL, "import electron from 'electron';"],
    [IPC, "import { ipcMain } from 'electron';"],
    [SHELL, "export { ipcMain } from 'electron';"],
  ],
  'tools never import Electron, the IPC adapter, the shell or the core': [
    [TOOLS, "import { app } from 'electron';"],
    [TOOLS, "import { registerAuthIpc } from '../../src/main/ipc/ipc-main.js';"],
    [TOOLS, "import { createWindow } from '../../src/main/window.js';"],
    [TOOLS, "import { AuthError } from '../../src/main/auth/auth-error.js';"],
  ],
  'files nested deeper than the layer table reaches are not left unchecked': [
    ['src/main/auth/a/b/c/d/e/layer-probe.ts', "import { AuthError } from '../../../../../../auth-error.js';"],
  ],
};

const ALLOWED: Record<string, readonly Probe[]> = {
  'the auth core imports src/shared, its own folders, Node and npm packages': [
    [CORE, "import type { AuthState } from '../../../shared/auth-state.js';"],
    [CORE_TOP, "import type { AuthState } from '../../shared/auth-state.js';"],
    [CORE, "import { AuthError } from '../auth-error.js';"],
    [CORE, "import { loadConfig } from '../config/config.js';"],
    [CORE, "import * as client from 'openid-client';"],
    [CORE, "import { decodeJwt } from 'jose';"],
    [CORE, "import { randomBytes } from 'node:crypto';"],
  ],
  'the IPC adapter imports the core, src/shared and Electron': [
    [IPC, "import { AuthError } from '../auth/auth-error.js';"],
    [IPC, "import { AUTH_CHANNELS } from '../../shared/ipc-contract.js';"],
    [IPC, "import { BrowserWindow, type IpcMainInvokeEvent } from 'electron';"],
    ['src/main/ipc/ipc-main.ts', "import { ipcMain } from 'electron';"],
  ],
  'the shell imports Electron, the core, the IPC adapter and src/shared': [
    [SHELL, "import { app, BrowserWindow, shell } from 'electron';"],
    [SHELL, "import { registerAuthIpc } from './ipc/ipc-main.js';"],
    [SHELL, "import { AuthError } from './auth/auth-error.js';"],
    [SHELL, "import { AUTH_CHANNELS } from '../shared/ipc-contract.js';"],
    [SHELL, "import { join } from 'node:path';"],
  ],
  'the preload imports src/shared and contextBridge; only its typed wrapper imports ipcRenderer': [
    [PRELOAD, "import { contextBridge } from 'electron';"],
    [PRELOAD, "import { AUTH_CHANNELS } from '../shared/ipc-contract.js';"],
    [PRELOAD_WRAPPER, "import { ipcRenderer, type IpcRendererEvent } from 'electron';"],
  ],
  'the renderer imports src/shared and its own files': [
    [RENDERER, "import type { AuthState } from '../shared/auth-state.js';"],
    [RENDERER_DEEP, "import type { AuthState } from '../../shared/auth-state.js';"],
    [RENDERER, "import { render } from './dom.js';"],
  ],
  'src/shared imports its own files': [[SHARED, "import type { AuthState } from './auth-state.js';"]],
  'tools import src/shared, Node and npm packages': [
    [TOOLS, "import type { AuthState } from '../../src/shared/auth-state.js';"],
    [TOOLS, "import { Provider } from 'oidc-provider';"],
    [TOOLS, "import { createServer } from 'node:http';"],
  ],
};

describe('layer rules report imports that cross the folder layers', () => {
  for (const [rule, probes] of Object.entries(FORBIDDEN)) {
    test(rule, async () => {
      await assertAllReported(probes);
    });
  }
});

describe('layer rules accept the imports the design allows', () => {
  for (const [rule, probes] of Object.entries(ALLOWED)) {
    test(rule, async () => {
      for (const [file, code] of probes) await assertAllowed(file, code);
    });
  }
});

const SOURCE = /\.(?:[cm]?ts|tsx|[cm]?js)$/;

function sourceFiles(folder: string): string[] {
  return readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' })
    .filter((name) => SOURCE.test(name))
    .map((name) => join(folder, name));
}

test('every source file under src/ and tools/ falls under a layer rule', async () => {
  const files = [...sourceFiles('src'), ...sourceFiles('tools')];
  assert.ok(files.length > 50, `found the sources (${files.length})`);
  const uncovered: string[] = [];
  for (const file of files) {
    const config = (await eslint.calculateConfigForFile(join(root, file))) as Linter.Config;
    const setting = config.rules?.[LAYER_RULE];
    const [severity, options] = Array.isArray(setting) ? setting : [setting];
    const { paths = [], patterns = [] } = (options ?? {}) as { paths?: unknown[]; patterns?: unknown[] };
    if (severity !== 2 || paths.length + patterns.length === 0) uncovered.push(file);
  }
  assert.deepEqual(uncovered, [], 'files without a layer rule: add their folder to LAYERS in eslint.config.js');
});

describe('size rules keep files and functions short', () => {
  const codeLines = (count: number): string =>
    Array.from({ length: count }, (_, i) => `export const line${i} = ${i};`).join('\n') + '\n';
  const functionOf = (statements: number): string =>
    `export function sized(): number {\n  let total = 0;\n${'  total += 1;\n'.repeat(statements)}  return total;\n}\n`;
  const commented = (text: string): string =>
    text.replace(/\n/g, '\n\n// a comment line is not counted\n/* nor is a block comment */\n');

  test('a file over 300 lines is reported in src/, tools/, scripts/ and bench/', async () => {
    const files = [CORE, RENDERER, TOOLS, 'scripts/layer-probe.ts', 'bench/layer-probe.ts'];
    await assertAllReported(
      files.map((file) => [file, codeLines(301)]),
      'max-lines',
    );
  });

  test('a function over 60 lines is reported in src/, tools/, scripts/ and bench/', async () => {
    const files = [CORE, SHELL, TOOLS, 'scripts/layer-probe.ts', 'bench/layer-probe.ts'];
    await assertAllReported(
      files.map((file) => [file, functionOf(60)]),
      'max-lines-per-function',
    );
  });

  test('blank and comment lines do not count, and tests are exempt', async () => {
    await assertAllowed(CORE, commented(codeLines(290)), 'max-lines');
    await assertAllowed(CORE, commented(functionOf(50)), 'max-lines-per-function');
    await assertAllowed('test/unit/layer-probe.test.ts', codeLines(400), 'max-lines');
    await assertAllowed('test/unit/layer-probe.test.ts', functionOf(100), 'max-lines-per-function');
  });
});
