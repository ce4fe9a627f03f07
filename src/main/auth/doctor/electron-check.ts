import { result, skipped, type CheckResult } from './check-result.js';

/** The commands that install Electron's binary; npm's postinstall downloads it. */
export const ELECTRON_INSTALL_FIX =
  'Run `npm install` again with internet access and without ELECTRON_SKIP_BINARY_DOWNLOAD set, or download only the binary with `node node_modules/electron/install.js`.';

/**
 * Checks that the Electron binary is installed. The finder is injected (scripts/ has it, and
 * src must not import scripts/); the app itself, running inside Electron, can omit it.
 */
export function checkElectron(findElectronBinary: (() => string | undefined) | undefined): CheckResult {
  if (findElectronBinary === undefined) return skipped('electron', 'the app itself runs on Electron');
  const binary = findElectronBinary();
  if (binary === undefined) {
    return result(
      'electron',
      'warn',
      'The Electron binary is not installed, so `npm start` cannot run the app (the auth checks above do not need it).',
      ELECTRON_INSTALL_FIX,
    );
  }
  return result('electron', 'pass', `Found at ${binary}.`);
}
