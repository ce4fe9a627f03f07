import { register } from 'node:module';
import type { HookData } from './resolve-hook.js';

/**
 * Maps `import … from 'electron'` to the stand-in module (electron.ts) for every module
 * loaded after this one. Import it first in a node:test file, then load the shell with a
 * dynamic `import()` (static imports are resolved before any module runs), or pass it to
 * a child process with `node --import`.
 */
const data: HookData = { standInUrl: new URL('./electron.ts', import.meta.url).href };
register(new URL('./resolve-hook.ts', import.meta.url), { data });
