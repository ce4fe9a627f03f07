import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';
import { stats, type Stats } from './stats.js';

const run = promisify(execFile);

/** Raw and gzip bytes of some built files. */
export interface Size {
  readonly raw: number;
  readonly gzip: number;
}

/** The built app's bundle sizes and the cold import time of the main-process auth core. */
export interface BundleFigures {
  readonly main: Size;
  readonly rendererJs: Size;
  readonly rendererCss: Size;
  readonly coreColdImport: Stats;
}

/** Sizes of the build in dist/, and cold imports of the auth core bundled on its own into `work`. */
export async function measureBundles(root: string, work: string): Promise<BundleFigures> {
  const mainBundle = readFileSync(join(root, 'dist', 'main', 'main.js'));
  const rendererFiles = await run('find', [join(root, 'dist', 'renderer', 'assets'), '-type', 'f']);
  const assets = rendererFiles.stdout.trim().split('\n').filter(Boolean);
  const size = (ext: string): Size => {
    const bytes = assets.filter((file) => file.endsWith(ext)).map((file) => readFileSync(file));
    return {
      raw: bytes.reduce((sum, b) => sum + b.length, 0),
      gzip: bytes.reduce((sum, b) => sum + gzipSync(b).length, 0),
    };
  };
  const coreDir = join(work, 'core');
  await buildAuthCore(root, coreDir);
  const importMs: number[] = [];
  for (let index = 0; index < 10; index += 1) {
    const { stdout } = await run(process.execPath, [
      '--input-type=module',
      '-e',
      `const t = performance.now(); await import(${JSON.stringify(join(coreDir, 'core.js'))}); console.log(performance.now() - t);`,
    ]);
    importMs.push(Number(stdout.trim()));
  }
  return {
    main: { raw: mainBundle.length, gzip: gzipSync(mainBundle).length },
    rendererJs: size('.js'),
    rendererCss: size('.css'),
    coreColdImport: stats(importMs),
  };
}

/** Bundles the auth service with its dependencies into `outDir`/core.js, as the app's main bundle carries it. */
async function buildAuthCore(root: string, outDir: string): Promise<void> {
  await build({
    logLevel: 'silent',
    configFile: false,
    build: {
      ssr: join(root, 'src', 'main', 'auth', 'flows', 'auth-service.ts'),
      outDir,
      target: 'node20',
      rollupOptions: { external: ['keytar', /^node:/], output: { format: 'es', entryFileNames: 'core.js' } },
    },
    ssr: { noExternal: true },
  });
}
