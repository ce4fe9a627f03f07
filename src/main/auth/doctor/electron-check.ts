import { result, skipped, type CheckResult } from './check-result.js';

/**
 * What fixes a missing Electron binary. `npm start`, the doctor and the Electron tests' skip
 * reason all print this one text, so the advice cannot drift apart. Since Electron 42 the
 * `electron` package has no postinstall: it fetches its binary on first use, and
 * `install-electron` is its own command for doing that by hand.
 */
export const ELECTRON_FETCH_FIX =
  'Run `npx install-electron --no` with internet access; behind a proxy set HTTPS_PROXY and ELECTRON_GET_USE_PROXY=true, or fetch from a mirror with ELECTRON_MIRROR; or set ELECTRON_OVERRIDE_DIST_PATH to the folder of an Electron binary you already have.';

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
      'The Electron binary is not installed yet (the auth checks above do not need it); `npm start` fetches it on its first run.',
      ELECTRON_FETCH_FIX,
    );
  }
  return result('electron', 'pass', `Found at ${binary}.`);
}
