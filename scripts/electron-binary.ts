import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The one-sentence fix shown wherever the Electron binary is missing. */
export const ELECTRON_MISSING_MESSAGE =
  'The Electron binary is not installed (its download was skipped or failed); run `npm install` again with internet access and without ELECTRON_SKIP_BINARY_DOWNLOAD, then try again.';

/**
 * Finds the Electron executable without requiring the `electron` package, whose index
 * tries to download the binary when it is missing.
 */
export function findElectronBinary(): string | undefined {
  let packageDir: string;
  try {
    packageDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return undefined;
  }
  const pathFile = join(packageDir, 'path.txt');
  if (!existsSync(pathFile)) return undefined;
  const relative = readFileSync(pathFile, 'utf8').trim();
  const distDir = process.env['ELECTRON_OVERRIDE_DIST_PATH'] ?? join(packageDir, 'dist');
  const binary = join(distDir, relative);
  return existsSync(binary) ? binary : undefined;
}
