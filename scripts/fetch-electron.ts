import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ELECTRON_FETCH_FIX } from '../src/main/auth/doctor/electron-check.js';
import { expectedElectronBinary, findElectronPackage } from './electron-binary.js';

/** How long the first start may spend fetching Electron (about 100 MB) before it gives up. */
export const DEFAULT_FETCH_TIMEOUT_MS = 10 * 60_000;

/** The binary to launch, or the plain sentences that say why there is none and what fixes it. */
export type ElectronLookup =
  { readonly ok: true; readonly binary: string } | { readonly ok: false; readonly message: string };

export interface EnsureElectronOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
  /** Told once, before a fetch starts, so the person knows why the first start is slow. */
  readonly onFetch?: (version: string) => void;
}

// Printed by the child just before the path, so installer chatter on stdout cannot be mistaken for it.
const PATH_MARK = '\u0000electron-path:';

/**
 * Returns the Electron executable, fetching it first through the `electron` package's own
 * mechanism when it is missing: requiring the package's `index.js` runs its installer
 * (`@electron/get`, honouring ELECTRON_MIRROR, ELECTRON_GET_USE_PROXY and the cache
 * settings). That runs in a child process so its output and a hung download can be contained
 * and a failure told in two sentences instead of the installer's stack trace.
 */
export async function ensureElectronBinary(
  projectDir: string,
  options: EnsureElectronOptions = {},
): Promise<ElectronLookup> {
  const env = options.env ?? process.env;
  const pkg = findElectronPackage(projectDir);
  if (pkg === undefined) {
    return { ok: false, message: 'The electron package is not installed. Run `npm install` in this folder first.' };
  }
  const expected = expectedElectronBinary(pkg, env);
  if (existsSync(expected)) return { ok: true, binary: expected };
  if (env['ELECTRON_OVERRIDE_DIST_PATH']) {
    return {
      ok: false,
      message: `ELECTRON_OVERRIDE_DIST_PATH is set, but there is no Electron executable at ${expected}. Point it at the folder that holds the executable, or unset it so \`npm start\` fetches Electron ${pkg.version}.`,
    };
  }

  options.onFetch?.(pkg.version);
  const timeoutMs = options.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  const outcome = await runPackageIndex(pkg.dir, env, timeoutMs);
  if (outcome.binary !== undefined && existsSync(outcome.binary)) return { ok: true, binary: outcome.binary };
  const host = downloadHost(env);
  // Node's fetch reports DNS, connect and TLS failures alike as "fetch failed" (the reason is
  // in a `cause` the installer does not print), so name the host it could not reach.
  const cause = outcome.timedOut
    ? `no answer from ${host} within ${Math.round(timeoutMs / 1000)} s`
    : failureCause(outcome.output).replace(/^(TypeError: )?fetch failed$/, `could not connect to ${host}`);
  return { ok: false, message: `Could not fetch the Electron ${pkg.version} binary (${cause}). ${ELECTRON_FETCH_FIX}` };
}

/** The host Electron's installer downloads from: a configured mirror, or GitHub's releases. */
function downloadHost(env: NodeJS.ProcessEnv): string {
  const mirror = env['npm_config_electron_mirror'] ?? env['ELECTRON_MIRROR'];
  if (mirror && URL.canParse(mirror)) return new URL(mirror).host;
  return 'github.com';
}

interface IndexOutcome {
  readonly binary: string | undefined;
  readonly output: string;
  readonly timedOut: boolean;
}

function runPackageIndex(packageDir: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<IndexOutcome> {
  const script = `process.stdout.write(${JSON.stringify(PATH_MARK)} + require(process.argv[1]))`;
  const child = spawn(process.execPath, ['-e', script, packageDir], {
    env: { ...env, ELECTRON_GET_NO_PROGRESS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a timeout also ends the installer it spawns.
    detached: process.platform !== 'win32',
    windowsHide: true,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killTree(child.pid);
    }, timeoutMs);
    const finish = (): void => {
      clearTimeout(timer);
      const marked = output.lastIndexOf(PATH_MARK);
      const binary = marked >= 0 && !timedOut ? output.slice(marked + PATH_MARK.length).trim() : undefined;
      resolve({ binary, output: marked >= 0 ? output.slice(0, marked) : output, timedOut });
    };
    child.once('error', (error) => {
      output += `${error.message}\n`;
      finish();
    });
    child.once('close', finish);
  });
}

function killTree(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    if (process.platform === 'win32') spawn('taskkill', ['/pid', String(pid), '/t', '/f'], { stdio: 'ignore' });
    else process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/**
 * The one line of the installer's output that says what went wrong (a DNS failure, a refused
 * connection, an HTTP status, a checksum mismatch), without its stack trace and without the
 * credentials a proxy or mirror URL may carry.
 */
export function failureCause(output: string): string {
  const lines = output
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('at ') && !/^Downloading Electron binary/.test(line));
  const specific = lines.find((line) =>
    /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPROTO|CERT|certificate|HTTPError|status code|Response code|\b[45]\d\d\b|checksum|proxy/i.test(
      line,
    ),
  );
  const chosen =
    specific ?? lines.find((line) => /error/i.test(line)) ?? lines.at(-1) ?? 'the installer gave no reason';
  const clean = chosen.replace(/\/\/[^/@\s]+@/g, '//***@').replace(/^Error:\s*/, '');
  return clean.length > 200 ? `${clean.slice(0, 197)}...` : clean;
}
