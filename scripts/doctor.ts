import { resolve } from 'node:path';
import type { AuthEnv } from '../src/main/auth/config/config.js';
import { formatDoctorReport } from '../src/main/auth/doctor/format-report.js';
import { runDoctor } from '../src/main/auth/doctor/run-doctor.js';
import { startDemoProviderIfUnconfigured, type DemoProviderForCheck } from './doctor-demo-provider.js';
import { findElectronBinary } from './electron-binary.js';

// `npm run doctor [-- --json]`: checks the Auth0 setup (or, with DESKTOP_LOGIN_DEMO_ISSUER,
// the local demo provider; with neither, one it starts, as `npm start` would) the way the app
// would use it, and exits 1 when anything fails. `npm run --silent doctor -- --json` prints
// the report alone: npm's own banner is silenced, and the doctor sends everything else to stderr.
const args = process.argv.slice(2);
const unknown = args.filter((arg) => arg !== '--json');
if (unknown.length > 0) {
  process.stderr.write(`Unknown option ${unknown.join(' ')}. Usage: npm run doctor [-- --json]\n`);
  process.exit(2);
}
const json = args.includes('--json');
const writeReport = json ? keepStdoutForReport() : process.stdout.write.bind(process.stdout);

const dotEnvPath = resolve('.env');
const demo = await startDemoProvider(process.env, dotEnvPath);
const report = await runDoctor(demo?.env ?? process.env, {
  dotEnvPath,
  findElectronBinary,
  demoStartedForCheck: demo !== undefined,
});
await demo?.close();
// A keychain call that timed out may still hold the event loop; the verdict is out once written.
writeReport(json ? `${JSON.stringify(report, null, 2)}\n` : formatDoctorReport(report), () =>
  process.exit(report.ok ? 0 : 1),
);

/**
 * A tool reads stdout as one JSON document, so in JSON mode every other write to stdout (a
 * library's console.log) goes to stderr; the returned function writes to the real stdout.
 */
function keepStdoutForReport(): (text: string, done: () => void) => boolean {
  const stdout = process.stdout.write.bind(process.stdout);
  process.stdout.write = process.stderr.write.bind(process.stderr);
  return (text, done) => stdout(text, done);
}

async function startDemoProvider(env: AuthEnv, path: string): Promise<DemoProviderForCheck | undefined> {
  try {
    const started = await startDemoProviderIfUnconfigured(env, path);
    if (started && json) {
      process.stderr.write(`No Auth0 tenant is configured: checking a demo provider started at ${started.issuer}.\n`);
    }
    return started;
  } catch (error) {
    // Then the configuration check says what to set, as it does without a demo provider.
    process.stderr.write(`Could not start the local demo identity provider: ${(error as Error).message}\n`);
    return undefined;
  }
}
