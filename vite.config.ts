import { builtinModules } from 'node:module';
import { defineConfig, type UserConfig } from 'vite';

// One config, three outputs: `vite build` (renderer), `--mode main`, `--mode preload`.
// Main is bundled (openid-client and jose are ESM-only; bundling also keeps the package small);
// only Electron itself and keytar's native module stay external.
const nodeExternals = ['electron', 'keytar', ...builtinModules, ...builtinModules.map((name) => `node:${name}`)];

function nodeBuild(entry: string, outDir: string, format: 'es' | 'cjs', fileName: string): UserConfig {
  return {
    build: {
      ssr: entry,
      outDir,
      emptyOutDir: true,
      target: 'node22',
      sourcemap: false,
      minify: false,
      rollupOptions: {
        external: nodeExternals,
        output: { format, entryFileNames: fileName },
      },
    },
    ssr: { noExternal: true, external: ['electron', 'keytar'] },
  };
}

export default defineConfig(({ mode }): UserConfig => {
  if (mode === 'main') return nodeBuild('src/main/main.ts', 'dist/main', 'es', 'main.js');
  if (mode === 'preload') return nodeBuild('src/preload/preload.ts', 'dist/preload', 'cjs', 'preload.cjs');
  return {
    root: 'src/renderer',
    base: './',
    build: {
      outDir: '../../dist/renderer',
      emptyOutDir: true,
      target: 'chrome130',
      sourcemap: false,
      // No inline scripts or styles: the renderer CSP is script-src 'self'.
      assetsInlineLimit: 0,
      modulePreload: { polyfill: false },
    },
  };
});
