import { resolve } from 'node:path';
import { formatDoctorReport } from '../src/main/auth/doctor/format-report.js';
import { runDoctor } from '../src/main/auth/doctor/run-doctor.js';
import { findElectronBinary } from './electron-binary.js';

// `npm run doctor [-- --json]`: checks the Auth0 setup (or, with DESKTOP_LOGIN_DEMO_ISSUER,
// the local demo provider) the way the app would use it, and exits 1 when anything fails.
const args = process.argv.slice(2);
const unknown = args.filter((arg) => arg !== '--json');
if (unknown.length > 0) {
  process.stderr.write(`Unknown option ${unknown.join(' ')}. Usage: npm run doctor [-- --json]\n`);
  process.exit(2);
}

const report = await runDoctor(process.env, { dotEnvPath: resolve('.env'), findElectronBinary });
process.stdout.write(args.includes('--json') ? `${JSON.stringify(report, null, 2)}\n` : formatDoctorReport(report));
// A keychain call that timed out may still hold the event loop; the verdict is already out.
process.exit(report.ok ? 0 : 1);
