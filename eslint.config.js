// @ts-check
import js from '@eslint/js';
import { posix } from 'node:path';
import tseslint from 'typescript-eslint';

/**
 * @typedef {object} Layer
 * @property {string} name Short name used in block names and messages.
 * @property {string} folder The layer's folder, relative to the repository root.
 * @property {boolean} [topLevelOnly] Only the files directly in `folder` (its subfolders are layers of their own).
 * @property {string[]} reach Folders outside its own that the layer may import from.
 * @property {boolean} node May import Node built-ins (`node:*`).
 * @property {boolean} packages May import npm packages.
 * @property {boolean} electron May import `electron`.
 * @property {string[]} [rawIpc] Raw IPC endpoints (`ipcMain`, `ipcRenderer`) the whole layer may import.
 * @property {Record<string, string[]>} [rawIpcWrappers] Single files (repository paths) that may import more raw IPC endpoints.
 * @property {string} why The reason, shown in every message about this layer.
 */

/**
 * The layers of STYLE.md and DESIGN.md ("Shape"), stated once. Every `no-restricted-imports` setting
 * in this file is generated from this table, one per file: in flat config a later block's setting of
 * a rule replaces an earlier one for the same file, so two blocks restricting imports of the same
 * folder would silently drop the first one's rules (the auth core once lost its `electron` ban that way).
 * @type {Layer[]}
 */
const LAYERS = [
  {
    name: 'shared',
    folder: 'src/shared',
    reach: [],
    node: false,
    packages: false,
    electron: false,
    why: 'src/shared is the contract that main, preload and the sandboxed renderer all compile; it imports nothing.',
  },
  {
    name: 'core',
    folder: 'src/main/auth',
    reach: ['src/shared'],
    node: true,
    packages: true,
    electron: false,
    why: 'The auth core runs under plain Node (tests, doctor, bench) and takes Electron services as arguments.',
  },
  {
    name: 'ipc',
    folder: 'src/main/ipc',
    reach: ['src/main/auth', 'src/shared'],
    node: true,
    packages: true,
    electron: true,
    rawIpcWrappers: { 'src/main/ipc/ipc-main.ts': ['ipcMain'] },
    why: 'The IPC adapter maps the shared contract onto the core; the shell calls it, never the other way round.',
  },
  {
    name: 'shell',
    folder: 'src/main',
    topLevelOnly: true,
    // The core (./auth) and the IPC adapter (./ipc) lie inside src/main, so only src/shared is outside.
    reach: ['src/shared'],
    node: true,
    packages: true,
    electron: true,
    why: 'The Electron shell wires the core, the IPC adapter and the window together.',
  },
  {
    name: 'preload',
    folder: 'src/preload',
    reach: ['src/shared'],
    node: false,
    packages: false,
    electron: true,
    rawIpcWrappers: { 'src/preload/ipc-renderer.ts': ['ipcRenderer'] },
    why: 'The sandboxed preload only maps the shared contract onto ipcRenderer through contextBridge.',
  },
  {
    name: 'renderer',
    folder: 'src/renderer',
    reach: ['src/shared'],
    node: false,
    packages: false,
    electron: false,
    why: 'The renderer is a sandboxed web page that talks to main only through window.auth.',
  },
  {
    name: 'tools',
    folder: 'tools',
    // No tool imports the auth core; scripts/ and bench/ do, and stay outside this table.
    reach: ['src/shared'],
    node: true,
    packages: true,
    electron: false,
    why: 'The local identity provider and developer programs run under plain Node, apart from the app.',
  },
];

/** `ipcMain` and `ipcRenderer` stay inside the typed wrappers (GitHub Desktop's rule, STYLE.md). */
const RAW_IPC = ['ipcMain', 'ipcRenderer'];

/** The deepest subfolder level the generated rules cover; files below it fail loudly (see `tooDeepBlock`). */
const MAX_DEPTH = 4;

const SOURCE_FILES = '*.{ts,mts,cts,tsx,js,mjs,cjs}';

/** @param {string} text */
const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * `no-restricted-imports` sees only the import string, so a folder rule must be phrased in relative
 * paths, and those depend on how deep the importing file sits: from src/main/auth/flows/x.ts,
 * `../../main.js` is the shell, but from src/main/auth/x.ts `../main.js` is, and `../auth-error.js`
 * from the former is the core's own file; no glob on file names can tell these apart.
 * So each layer gets one block per depth, and the rule is a boundary: a file `depth` folders below the
 * layer's folder leaves the layer with exactly `depth + 1` leading `../`; such an import is allowed
 * only when it continues into a folder of the layer's `reach`. New shell files, renamed folders and
 * new subfolders inside a layer need no change here.
 * @param {Layer} layer
 * @param {number} depth
 * @returns {{ regex: string, caseSensitive: true, message: string }}
 */
function boundaryPattern(layer, depth) {
  const here = posix.join(layer.folder, ...Array.from({ length: depth }, (_, i) => `d${i}`));
  const exits = layer.reach.map((folder) => `${escapeRegExp(posix.relative(here, folder))}/`);
  const allowed = exits.length > 0 ? `(?!${exits.join('|')})` : '';
  const reach = layer.reach.length > 0 ? `only ${layer.reach.join(' and ')}` : 'nothing';
  return {
    regex: `^${allowed}${'\\.\\./'.repeat(depth)}\\.\\.(?:/|$)`,
    caseSensitive: true,
    message: `${layer.folder}${layer.topLevelOnly ? '/*' : ''} may import ${reach} from outside its folder. ${layer.why}`,
  };
}

/**
 * The boundary test reads leading `../` only, so a detour such as `./../../window.js` or
 * `./flows/../../ipc/ipc-main.js` would slip past it: relative imports must be written without one.
 */
const NO_DETOURS = {
  regex: '(?:^|/)(?!\\.\\.(?:/|$))[^/]*/\\.\\.(?:/|$)',
  caseSensitive: true,
  message: 'Write relative imports without a detour (`a/../b`), so the layer rules can read where they lead.',
};

/**
 * The one `no-restricted-imports` setting of a file in `layer`.
 * @param {Layer} layer
 * @param {number} depth
 * @param {string[]} rawIpcAllowed
 * @returns {import('eslint').Linter.RuleEntry}
 */
function importRestrictions(layer, depth, rawIpcAllowed) {
  /** @type {Record<string, unknown>[]} */
  const patterns = [NO_DETOURS, boundaryPattern(layer, depth)];
  if (!layer.electron) {
    patterns.push({ regex: '^electron(?:/|$)', caseSensitive: true, message: `No Electron here. ${layer.why}` });
  } else {
    const banned = RAW_IPC.filter((name) => !rawIpcAllowed.includes(name));
    if (banned.length > 0) {
      // `electron/main` and `electron/renderer` export the same objects; a default or namespace import
      // would reach them as properties, so those forms are refused too.
      patterns.push({
        regex: '^electron(?:/|$)',
        caseSensitive: true,
        importNames: [...banned, 'default'],
        message:
          'Raw IPC only in the typed wrappers (src/main/ipc/ipc-main.ts, src/preload/ipc-renderer.ts), with the shared contract.',
      });
    }
  }
  if (!layer.node) {
    patterns.push({ regex: '^node:', caseSensitive: true, message: `No Node built-ins here. ${layer.why}` });
  }
  if (!layer.packages) {
    patterns.push({
      regex: '^(?!\\.|node:|electron(?:/|$))',
      caseSensitive: true,
      message: `No npm packages (nor bare Node built-ins) here. ${layer.why}`,
    });
  }
  return ['error', { patterns }];
}

/**
 * The blocks of one layer: one per depth, with the raw-IPC wrappers carved out into blocks of their own,
 * so that no file is matched by two of them.
 * @param {Layer} layer
 * @returns {import('eslint').Linter.Config[]}
 */
function layerBlocks(layer) {
  const blocks = [];
  const wrappers = Object.entries(layer.rawIpcWrappers ?? {});
  const maxDepth = layer.topLevelOnly ? 0 : MAX_DEPTH;
  for (let depth = 0; depth <= maxDepth; depth++) {
    const atDepth = wrappers.filter(([file]) => posix.relative(layer.folder, file).split('/').length === depth + 1);
    blocks.push({
      name: `layers/${layer.name}/depth-${depth}`,
      files: [`${layer.folder}/${'*/'.repeat(depth)}${SOURCE_FILES}`],
      ignores: atDepth.map(([file]) => file),
      rules: { 'no-restricted-imports': importRestrictions(layer, depth, layer.rawIpc ?? []) },
    });
    for (const [file, names] of atDepth) {
      blocks.push({
        name: `layers/${layer.name}/${posix.basename(file)}`,
        files: [file],
        rules: { 'no-restricted-imports': importRestrictions(layer, depth, [...(layer.rawIpc ?? []), ...names]) },
      });
    }
  }
  if (!layer.topLevelOnly) blocks.push(tooDeepBlock(layer));
  return blocks;
}

/**
 * Files nested deeper than MAX_DEPTH would otherwise have no layer rule at all; here any import they
 * make is an error that says how to fix it.
 * @param {Layer} layer
 * @returns {import('eslint').Linter.Config}
 */
function tooDeepBlock(layer) {
  return {
    name: `layers/${layer.name}/too-deep`,
    files: [`${layer.folder}/${'*/'.repeat(MAX_DEPTH + 1)}**/${SOURCE_FILES}`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^',
              message: `Folders nest at most ${MAX_DEPTH} deep under ${layer.folder}; raise MAX_DEPTH in eslint.config.js.`,
            },
          ],
        },
      ],
    },
  };
}

/** The layer table's folders must not overlap, or two generated blocks would set the rule for one file. */
function assertLayersDisjoint() {
  for (const outer of LAYERS) {
    for (const inner of LAYERS) {
      if (inner === outer) continue;
      const rel = posix.relative(outer.folder, inner.folder);
      const nested = rel === '' || (!rel.startsWith('..') && !posix.isAbsolute(rel));
      if (nested && (rel === '' || !outer.topLevelOnly)) {
        throw new Error(`Layer ${inner.name} (${inner.folder}) lies inside layer ${outer.name} (${outer.folder}).`);
      }
    }
  }
}

/**
 * Only the generated layer blocks may set `no-restricted-imports`: any other block would replace the
 * layer setting of the files it matches, which is how the core once lost its `electron` ban.
 * @param {ReadonlyArray<{ name?: string, rules?: object }>} configs
 */
function assertOnlyLayersRestrictImports(configs) {
  for (const config of configs) {
    if (config.rules && 'no-restricted-imports' in config.rules && !config.name?.startsWith('layers/')) {
      throw new Error(
        `Config block ${config.name ?? '(unnamed)'} sets no-restricted-imports; state import rules in LAYERS instead.`,
      );
    }
  }
}

assertLayersDisjoint();

const config = tseslint.config(
  { ignores: ['dist/', 'release/', 'node_modules/', 'test-results/', 'bench/tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'test', 'it', 'suite', 'before', 'after'] },
          ],
        },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' }],
    },
  },
  ...LAYERS.flatMap(layerBlocks),
  {
    // STYLE.md: a file does one thing and stays short. Tests are exempt: a story reads best in one piece.
    name: 'size',
    files: [`{src,tools,scripts,bench}/**/${SOURCE_FILES}`],
    rules: {
      'max-lines': ['error', { max: 300, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    // Tool configs must default-export, and Playwright loads a reporter through its default export.
    files: ['eslint.config.js', 'vite.config.ts', 'playwright.config.ts', 'test/support/skip-reasons-reporter.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);

assertOnlyLayersRestrictImports(config);

export default config;
