import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

/** The project this script belongs to; `npm start` and the tests resolve Electron from here by default. */
export const PROJECT_DIR = resolve(import.meta.dirname, '..');

/** The project's `electron` package: where it lives and which Electron it stands for. */
export interface ElectronPackage {
  readonly dir: string;
  readonly version: string;
}

/** Resolves the `electron` package the way Node would from `projectDir`, without loading it. */
export function findElectronPackage(projectDir: string = PROJECT_DIR): ElectronPackage | undefined {
  try {
    const manifest = createRequire(join(projectDir, 'package.json')).resolve('electron/package.json');
    const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
    return { dir: dirname(manifest), version };
  } catch {
    return undefined;
  }
}

/**
 * Where the `electron` package's own `index.js` would look for the executable, computed
 * without running it: loading that file downloads the binary when it is missing, which a
 * check (doctor, a test's skip) must never do. Mirrors its rules, including
 * ELECTRON_OVERRIDE_DIST_PATH.
 */
export function expectedElectronBinary(pkg: ElectronPackage, env: NodeJS.ProcessEnv = process.env): string {
  const pathFile = join(pkg.dir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8') : undefined;
  const override = env['ELECTRON_OVERRIDE_DIST_PATH'];
  if (override) return join(override, relative || 'electron');
  return join(pkg.dir, 'dist', relative ?? defaultExecutable());
}

/** The installed Electron executable, or undefined when it has not been fetched yet. */
export function findElectronBinary(projectDir: string = PROJECT_DIR, env = process.env): string | undefined {
  const pkg = findElectronPackage(projectDir);
  if (pkg === undefined) return undefined;
  const binary = expectedElectronBinary(pkg, env);
  return existsSync(binary) ? binary : undefined;
}

function defaultExecutable(): string {
  if (process.platform === 'darwin') return 'Electron.app/Contents/MacOS/Electron';
  return process.platform === 'win32' ? 'electron.exe' : 'electron';
}
