import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { PROJECT_DIR, findElectronBinary } from '../../scripts/electron-binary.js';
import { DEMO_ISSUER_VARIABLE } from '../../src/main/auth/config/config.js';
import { CHECK_IDS, type CheckId, type DoctorReport, type Verdict } from '../../src/main/auth/doctor/check-result.js';
import { startIdp } from '../../tools/idp/start-idp.js';
import { keychainUnavailableReason, startKeychain, type TestKeychain } from '../support/keychain.js';

// `npm run doctor` as a new person meets it: run through npm, from a copy of the project with no
// .env and none of the app's settings in the environment, with nothing configured or with the
// AUTH0_DOMAIN values people try first. Every command the doctor or the README suggests is run too.

const noKeychain = await keychainUnavailableReason();
if (noKeychain) process.stdout.write(`# keychain verdicts not required to pass: ${noKeychain}\n`);

/** The settings the app and its scripts read; a new person has none of them. */
const SETTING =
  /^(?:AUTH0_|DESKTOP_LOGIN_|IDP_PORT$|KEYCHAIN_SERVICE$|API_BASE_URL$|LOGIN_TIMEOUT_SECONDS$|TOKEN_REFRESH_SKEW_SECONDS$)/;

let project: string;
let keychain: TestKeychain | undefined;

before(async () => {
  // The real package.json (scripts, name) and code, in a folder of its own: no .env can be read.
  project = await mkdtemp(join(tmpdir(), 'desktop-login-first-run-'));
  await copyFile(join(PROJECT_DIR, 'package.json'), join(project, 'package.json'));
  for (const entry of ['node_modules', 'scripts', 'src', 'tools', 'tsconfig.json', 'tsconfig.base.json']) {
    await symlink(join(PROJECT_DIR, entry), join(project, entry), 'junction');
  }
  if (!noKeychain) keychain = await startKeychain();
});
after(async () => {
  await keychain?.close();
  await rm(project, { recursive: true, force: true });
});

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The person's environment without the app's settings, plus `extra`; keychain probes go to a throwaway service. */
function personEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !SETTING.test(name)));
  return {
    ...env,
    // Without the test keychain, keytar gets no bus at all rather than the developer's keychain.
    ...(keychain
      ? { KEYCHAIN_SERVICE: keychain.serviceName('first-run') }
      : { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' }),
    ...extra,
  };
}

/** Spawns `npm <args>` in the project copy, in a process group of its own so it can be stopped whole. */
function spawnNpm(args: readonly string[], extra: Record<string, string>) {
  // Under `npm run`, npm_execpath is npm's own CLI: no shell needed, on Windows either.
  const npmCli = process.env['npm_execpath'];
  const [command, commandArgs] = npmCli ? [process.execPath, [npmCli, ...args]] : ['npm', [...args]];
  return spawn(command, commandArgs, {
    cwd: project,
    env: personEnv(extra),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: process.platform !== 'win32',
    shell: !npmCli && process.platform === 'win32',
  });
}

function npm(args: readonly string[], extra: Record<string, string> = {}): Promise<Run> {
  const child = spawnNpm(args, extra);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `npm run idp` on a free port, until `stop`; resolves once it prints the line to put in .env. */
async function runIdp(): Promise<{ issuer: string; stop(): void }> {
  const child = spawnNpm(['run', 'idp'], { IDP_PORT: String(await freePort()) });
  const stop = (): void => {
    if (child.pid !== undefined && process.platform !== 'win32') process.kill(-child.pid, 'SIGTERM');
    else child.kill('SIGTERM');
  };
  let stdout = '';
  const issuer = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm run idp printed no issuer: ${stdout}`)), 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = new RegExp(`^ *${DEMO_ISSUER_VARIABLE}=(\\S+)$`, 'm').exec(stdout);
      if (line?.[1] && stdout.includes('Press Ctrl+C to stop.')) {
        clearTimeout(timer);
        resolve(line[1]);
      }
    });
    child.once('exit', () => reject(new Error(`npm run idp stopped: ${stdout}`)));
  });
  return { issuer, stop };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The probe entry's service, for the keychain's clean-up in case the doctor could not delete it. */
function trackProbe(issuer: string): void {
  keychain?.track(`${keychain.serviceName('first-run')} (${new URL(issuer).host}) keychain check`);
}

function expectedVerdict(id: CheckId): Verdict | readonly Verdict[] {
  if (id === 'electron') return findElectronBinary() === undefined ? 'warn' : 'pass';
  if (id === 'keychain') return noKeychain ? ['pass', 'warn'] : 'pass';
  return 'pass';
}

/** Every check of the text report has the expected verdict: the demo provider's all pass. */
function assertTextVerdicts(stdout: string): void {
  const labels = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' } as const;
  const titles = stdout.match(/^(PASS|WARN|FAIL|SKIP) {2}.+$/gm) ?? [];
  assert.equal(titles.length, CHECK_IDS.length, stdout);
  CHECK_IDS.forEach((id, index) => {
    const allowed = [expectedVerdict(id)].flat().map((verdict) => labels[verdict]);
    assert.ok(allowed.includes(titles[index]?.slice(0, 4) as never), `${id}: ${titles[index]}\n${stdout}`);
  });
  assert.match(stdout, /^0 failed, \d warned, \d+ passed\.$/m);
}

function assertJsonVerdicts(report: DoctorReport): void {
  assert.deepEqual(
    report.checks.map((check) => check.id),
    [...CHECK_IDS],
  );
  for (const check of report.checks) {
    assert.deepEqual(Object.keys(check).slice(0, 4), ['id', 'title', 'verdict', 'detail'], check.id);
    assert.equal(typeof check.title, 'string');
    assert.ok(
      [expectedVerdict(check.id)].flat().includes(check.verdict),
      `${check.id}: ${check.verdict} ${check.detail}`,
    );
  }
}

/** The command line the README gives for JSON, split into words. */
async function documentedJsonCommand(): Promise<string[]> {
  const readme = await readFile(join(PROJECT_DIR, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Check your setup: npm run doctor'));
  const command = /`(npm run [^`]*doctor -- --json)`/.exec(section)?.[1];
  assert.ok(command, 'the README doctor section gives the JSON command');
  return command.split(' ');
}

describe('npm run doctor with nothing configured', () => {
  test('checks a demo provider it starts, as npm start would, and the command it prints for `npm run idp` passes too', async () => {
    const { code, stdout } = await npm(['run', 'doctor']);
    const headline =
      /^No Auth0 tenant is configured \(AUTH0_DOMAIN is empty\), so the app uses the local demo identity provider, which `npm start` starts\.\nChecking one started for this check at (http:\/\/127\.0\.0\.1:\d+\/); client desktop-login-demo\.$/m.exec(
        stdout,
      );
    assert.ok(headline?.[1], stdout);
    trackProbe(headline[1]);
    assertTextVerdicts(stdout);
    assert.equal(code, 0);

    const nextSteps = stdout.slice(stdout.lastIndexOf('.\n\n') + 3).split('\n');
    assert.equal(
      nextSteps[0],
      'To check your Auth0 tenant instead, set AUTH0_DOMAIN and AUTH0_CLIENT_ID in .env (see .env.example).',
    );
    const printed = /^To check a demo provider already running from `npm run idp`: (\w+)=(\S+) npm (run doctor)$/.exec(
      nextSteps[1] ?? '',
    );
    assert.ok(printed, stdout);
    assert.deepEqual([printed[1], printed[2]], [DEMO_ISSUER_VARIABLE, 'http://127.0.0.1:4400/']);
    // Port 4400 may be taken on a shared machine: the provider runs on a free port, and the
    // command gets the issuer `npm run idp` printed, as a person with IDP_PORT set would do.
    const idp = await runIdp();
    try {
      trackProbe(idp.issuer);
      const route = await npm(printed[3].split(' '), { [printed[1]]: idp.issuer });
      assert.match(
        route.stdout,
        new RegExp(`^Checking the local demo identity provider at ${idp.issuer} \\(${DEMO_ISSUER_VARIABLE}\\)`, 'm'),
      );
      assertTextVerdicts(route.stdout);
      assert.equal(route.code, 0, route.stdout);
    } finally {
      idp.stop();
    }
  });

  test('the README’s JSON command prints one JSON document on stdout, even when a library logs', async () => {
    const [command, ...args] = await documentedJsonCommand();
    assert.equal(command, 'npm');
    // A preload that logs on every request the doctor makes, as a chatty library would.
    const noisy = join(project, 'noisy-fetch.mjs');
    await writeFile(
      noisy,
      "const real = globalThis.fetch;\nglobalThis.fetch = (...args) => { console.log('noise from a library'); return real(...args); };\n",
    );
    const { code, stdout, stderr } = await npm(args, { NODE_OPTIONS: `--import=${pathToFileURL(noisy).href}` });
    const report = JSON.parse(stdout) as DoctorReport;
    assert.match(stderr, /noise from a library/, 'the preload did log, to stderr');
    assert.match(
      stderr,
      /No Auth0 tenant is configured: checking a demo provider started at http:\/\/127\.0\.0\.1:\d+\//,
    );
    assert.ok(report.target, stdout);
    trackProbe(report.target.issuer);
    assert.deepEqual(
      { ...report.target, issuer: '' },
      { issuer: '', clientId: 'desktop-login-demo', demo: true, startedForCheck: true },
    );
    assertJsonVerdicts(report);
    assert.equal(report.ok, true);
    assert.equal(code, 0, 'exit 0 when nothing fails (warnings allowed)');
  });

  test('the JSON command exits 1 when a check fails, and stdout is still one JSON document', async () => {
    const [, ...args] = await documentedJsonCommand();
    const { code, stdout } = await npm(args, { AUTH0_DOMAIN: 'localhost' });
    const report = JSON.parse(stdout) as DoctorReport;
    assert.equal(report.ok, false);
    assert.equal(report.target, undefined);
    const config = report.checks.find((check) => check.id === 'config');
    assert.equal(config?.verdict, 'fail');
    assert.equal(config?.fix, demoAdvice('localhost'));
    assert.equal(code, 1);
  });
});

/** What the doctor says to an AUTH0_DOMAIN naming this computer, word for word. */
function demoAdvice(written: string, port = 4400): string {
  return (
    `AUTH0_DOMAIN "${written}" names this computer, not an Auth0 tenant. ` +
    'For the local demo identity provider, leave AUTH0_DOMAIN empty: `npm start` then starts the provider itself. ' +
    `To use one already running from \`npm run idp\`, set DESKTOP_LOGIN_DEMO_ISSUER=http://127.0.0.1:${port}/ instead (\`npm run doctor\` then checks it too). ` +
    'For your tenant, use its Domain from the Auth0 dashboard, for example tenant.us.auth0.com.'
  );
}

/** The one "Fix:" paragraph of the configuration check in the text report. */
function configFix(stdout: string): string {
  const match = /^FAIL {2}Configuration\n {6}(.*)\n {6}Fix: ([^\n]*(?:\n {11}[^\n]*)*)/m.exec(stdout);
  assert.ok(match, stdout);
  return match[2].replace(/\n {11}/g, '\n');
}

describe('AUTH0_DOMAIN mistakes, as npm run doctor reports them', () => {
  test('a URL: every part to remove is named, and the host to use is given', async () => {
    const cases: Record<string, string> = {
      'https://tenant.us.auth0.com/a/b?x=1#f':
        'AUTH0_DOMAIN must be the bare host name, not a URL: remove the scheme "https://", the path "/a/b", the query "?x=1" and the fragment "#f", and use "tenant.us.auth0.com".',
      'https://user@tenant.us.auth0.com':
        'AUTH0_DOMAIN must be the bare host name, not a URL: remove the scheme "https://" and the user name "user@", and use "tenant.us.auth0.com".',
      'tenant.us.auth0.com/':
        'AUTH0_DOMAIN must be the bare host name: remove the trailing "/", and use "tenant.us.auth0.com".',
    };
    for (const [domain, fix] of Object.entries(cases)) {
      const { code, stdout } = await npm(['run', '--silent', 'doctor'], {
        AUTH0_DOMAIN: domain,
        AUTH0_CLIENT_ID: 'client1',
      });
      assert.equal(configFix(stdout), fix, domain);
      assert.match(stdout, /^ {6}One setting needs fixing/m, domain);
      assert.equal(code, 1);
    }
  });

  test('this computer, in any spelling: leave AUTH0_DOMAIN empty, or point DESKTOP_LOGIN_DEMO_ISSUER at `npm run idp`', async () => {
    const cases: Record<string, number | undefined> = {
      localhost: undefined,
      'localhost:4400': 4400,
      'http://localhost:4400/': 4400,
      '[::1]': undefined,
      '[::1]:4401': 4401,
      'http://127.0.0.1:4400/': 4400,
    };
    for (const [domain, port] of Object.entries(cases)) {
      const { code, stdout } = await npm(['run', '--silent', 'doctor'], { AUTH0_DOMAIN: domain });
      // The demo provider needs no client id, so that is not asked for either.
      assert.equal(configFix(stdout), demoAdvice(domain, port), domain);
      assert.match(stdout, /^ {6}One setting needs fixing/m, domain);
      assert.equal(code, 1);
    }
    // 127.0.0.1 may be an HTTPS server on this computer, but not without a client id.
    const bare = await npm(['run', '--silent', 'doctor'], { AUTH0_DOMAIN: '127.0.0.1' });
    assert.equal(
      configFix(bare.stdout),
      `${demoAdvice('127.0.0.1')}\nAUTH0_CLIENT_ID is not set. Copy the Client ID from your Native application in the Auth0 dashboard.`,
    );
    // The advice's first way: AUTH0_DOMAIN left empty (as in .env.example) checks the demo provider.
    const empty = await npm(['run', '--silent', 'doctor'], { AUTH0_DOMAIN: '', AUTH0_CLIENT_ID: '' });
    const started = /^Checking one started for this check at (http:\/\/127\.0\.0\.1:\d+\/)/m.exec(empty.stdout);
    assert.ok(started?.[1], empty.stdout);
    trackProbe(started[1]);
    assertTextVerdicts(empty.stdout);
    assert.equal(empty.code, 0);
  });

  test('127.0.0.1:<port> with a client id: refused or plain http there points to demo mode, whose variable then passes', async () => {
    const closed = await freePort();
    trackProbe(`https://127.0.0.1:${closed}/`);
    const refused = await npm(['run', '--silent', 'doctor'], {
      AUTH0_DOMAIN: `127.0.0.1:${closed}`,
      AUTH0_CLIENT_ID: 'desktop-login-demo',
    });
    assert.match(refused.stdout, /^FAIL {2}Discovery document reachable\n {6}.*connection refused/m);
    assert.ok(refused.stdout.includes(`Fix: ${demoAdvice(`127.0.0.1:${closed}`, closed)}\n`), refused.stdout);

    const idp = await startIdp();
    trackProbe(`https://127.0.0.1:${idp.port}/`);
    try {
      const plainHttp = await npm(['run', '--silent', 'doctor'], {
        AUTH0_DOMAIN: `127.0.0.1:${idp.port}`,
        AUTH0_CLIENT_ID: idp.clientId,
      });
      assert.match(plainHttp.stdout, /^ {6}Fix: 127\.0\.0\.1:\d+ did not complete a TLS handshake/m);
      const advice = demoAdvice(`127.0.0.1:${idp.port}`, idp.port);
      assert.ok(plainHttp.stdout.includes(`\n           ${advice}\n`), plainHttp.stdout);
      assert.equal(plainHttp.code, 1);

      // Following it: the variable and value the advice names, AUTH0_DOMAIN left out.
      const [name, value] = /set (\w+)=(\S+) instead/.exec(advice)!.slice(1) as [string, string];
      trackProbe(value);
      const followed = await npm(['run', '--silent', 'doctor'], { [name]: value, AUTH0_CLIENT_ID: idp.clientId });
      assertTextVerdicts(followed.stdout);
      assert.equal(followed.code, 0, followed.stdout);
    } finally {
      await idp.close();
    }
  });
});
