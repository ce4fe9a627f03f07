import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { AuthError } from '../src/main/auth/auth-error.js';
import { bakeSettings, writeBakedSettings, type BakedSettings } from '../src/main/auth/config/baked-settings.js';
import { withDotEnv, type AuthEnv } from '../src/main/auth/config/config.js';
import { createBuilderLogReader } from './builder-download-failure.js';

// `npm run dist`: builds the app, bakes the Auth0 tenant's public settings into it, and runs
// electron-builder for this platform with `--publish never`. Extra arguments go to
// electron-builder (`npm run dist -- --arm64`). Signing and notarization come only from the
// environment (README, "Packaging and signing"); nothing secret is read from or written to the repo.

const root = join(import.meta.dirname, '..');

/** Apple's notarization credentials, as electron-builder reads them; each set must be complete. */
const NOTARIZE_CREDENTIALS = [
  ['APPLE_API_KEY', 'APPLE_API_KEY_ID', 'APPLE_API_ISSUER'],
  ['APPLE_ID', 'APPLE_APP_SPECIFIC_PASSWORD', 'APPLE_TEAM_ID'],
  ['APPLE_KEYCHAIN_PROFILE'],
] as const;

function fail(message: string): never {
  process.stderr.write(`npm run dist: ${message}\n`);
  process.exit(1);
}

/** Whether to notarize: yes with one complete credential set, no with none, a stop with a half-set one. */
function notarizeFrom(env: AuthEnv): boolean {
  const isSet = (name: string): boolean => (env[name] ?? '').trim() !== '';
  if (NOTARIZE_CREDENTIALS.some((set) => set.every(isSet))) return true;
  const partial = NOTARIZE_CREDENTIALS.flat().filter(isSet);
  if (partial.length > 0) {
    fail(
      `${partial.join(', ')} ${partial.length > 1 ? 'are' : 'is'} set, but notarization needs one complete set: ` +
        NOTARIZE_CREDENTIALS.map((set) => set.join(' + ')).join(', or ') +
        '. Set the rest, or unset these to build without notarizing.',
    );
  }
  return false;
}

function platformArguments(env: AuthEnv): string[] {
  switch (process.platform) {
    case 'darwin': {
      const notarize = notarizeFrom(env);
      process.stdout.write(
        notarize
          ? 'macOS: the app will be notarized with the Apple credentials from the environment.\n'
          : 'macOS: not notarizing (no APPLE_* credentials in the environment); Gatekeeper will warn on other Macs.\n',
      );
      return ['--mac', `-c.mac.notarize=${String(notarize)}`];
    }
    case 'win32':
      return ['--win'];
    case 'linux':
      return ['--linux'];
    default:
      return fail(`electron-builder cannot build installers on ${process.platform}; use Linux, macOS or Windows.`);
  }
}

function run(command: string, args: readonly string[], shell = false): void {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', shell });
  if (result.error) fail(`could not run ${command}: ${result.error.message}`);
  if (result.status !== 0) fail(`${[command, ...args].join(' ')} failed (exit code ${result.status ?? 'none'}).`);
}

let settings: BakedSettings;
try {
  settings = bakeSettings(withDotEnv(process.env, resolve(root, '.env')));
} catch (error) {
  if (error instanceof AuthError) fail(error.message);
  throw error;
}
const platform = platformArguments(process.env);

// Build first: Vite empties dist/main, so the settings file has to be written afterwards.
// Under `npm run`, npm_execpath is npm's own script: no shell needed, also on Windows (npm.cmd needs one).
const npmCli = process.env['npm_execpath'];
if (npmCli) run(process.execPath, [npmCli, 'run', 'build']);
else run('npm', ['run', 'build'], process.platform === 'win32');
const settingsPath = writeBakedSettings(settings, join(root, 'dist', 'main'));
process.stdout.write(
  `Baked into the package (${settingsPath}): ${Object.entries(settings)
    .map(([name, value]) => `${name}=${value}`)
    .join(', ')}\n`,
);

/**
 * How long electron-builder may keep running after its final error. Its clean-up is done by
 * then, but after a failed download @electron/get's GotDownloader leaves a 30 s progress-bar
 * timer running (it clears it only on success), which would keep a person waiting for nothing.
 */
const LINGER_AFTER_FAILED_DOWNLOAD_MS = 2000;

/** Runs electron-builder, showing its progress as it comes; a failed download ends in one sentence. */
async function runElectronBuilder(args: readonly string[]): Promise<void> {
  const cli = createRequire(import.meta.url).resolve('electron-builder/cli.js');
  // Piped output is not a terminal, so ask for the colours a terminal would have shown.
  const colour = process.stdout.isTTY && process.env['NO_COLOR'] === undefined ? { FORCE_COLOR: '1' } : {};
  const child = spawn(process.execPath, [cli, ...args], {
    cwd: root,
    stdio: ['inherit', 'pipe', 'pipe'],
    env: { ...colour, ...process.env },
  });
  const reader = createBuilderLogReader((text, stream) => process[stream].write(text));
  let linger: NodeJS.Timeout | undefined;
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream].setEncoding('utf8');
    child[stream].on('data', (chunk: string) => {
      reader.push(chunk, stream);
      linger ??= reader.finished
        ? setTimeout(() => reader.downloadFailure() !== undefined && child.kill(), LINGER_AFTER_FAILED_DOWNLOAD_MS)
        : undefined;
    });
  }
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
    child.once('error', (error) => fail(`could not run electron-builder: ${error.message}`));
    child.once('close', (exitCode, exitSignal) => resolve([exitCode, exitSignal]));
  });
  clearTimeout(linger);
  const downloadFailure = reader.end();
  if (code === 0) return;
  if (downloadFailure !== undefined) fail(downloadFailure);
  fail(
    `electron-builder ${args.join(' ')} failed (${code === null ? `signal ${signal ?? 'unknown'}` : `exit code ${code}`}).`,
  );
}

await runElectronBuilder([...platform, '--publish', 'never', ...process.argv.slice(2)]);
process.stdout.write('Done: the installers are in the output directory (release/ unless overridden).\n');
