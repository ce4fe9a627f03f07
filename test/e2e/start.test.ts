import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PROJECT_DIR } from '../../scripts/electron-binary.js';
import { ensureElectronBinary, failureCause } from '../../scripts/fetch-electron.js';
import { startIdp } from '../../tools/idp/start-idp.js';
import { ROOT_WITHOUT_SANDBOX_MESSAGE, busyIdpPortMessage } from '../../scripts/start-demo-idp.js';
import {
  STAND_IN_SOURCE,
  electronZipName,
  makeProjectWithoutElectron,
  makeZip,
  pinChecksum,
  platformExecutable,
  readStandInRecord,
  writeStandInDist,
} from '../support/electron-stand-in.js';

// `npm start` as a person runs it, with a stand-in executable in place of Electron's binary
// (which cannot be fetched here). These prove the start script's wiring and its failures,
// not that the app runs in Electron: test/e2e/electron.test.ts does that where Electron exists.

const POSIX_ONLY = process.platform === 'win32' ? 'the stand-in executable is a script with a #! line' : false;
const asRoot = process.platform === 'linux' && process.getuid?.() === 0;
// Electron refuses to run as root on Linux without --no-sandbox; so does `npm start`, first.
const rootArgs = asRoot ? ['--', '--no-sandbox'] : [];
const STACK_LINE = /^\s+at /m;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

let work: string;
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'desktop-login-start-'));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Runs a command with only the settings a person would have: no tenant, no .env surprises. */
function run(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
  timeoutMs = 120_000,
): Promise<Run> {
  const started = Date.now();
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, AUTH0_DOMAIN: '', DESKTOP_LOGIN_DEMO_ISSUER: '', IDP_PORT: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    shell: process.platform === 'win32',
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => {
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** The start script alone (what `npm start` runs after building), from another project folder. */
function startScript(cwd: string, env: Record<string, string>, args: string[] = []): Promise<Run> {
  return run(process.execPath, ['--import', 'tsx', join(PROJECT_DIR, 'scripts', 'start.ts'), ...args], cwd, env);
}

async function standInDist(name: string): Promise<string> {
  const dist = join(work, name);
  await writeStandInDist(dist);
  return dist;
}

/** Holds a port so the code under test finds it busy. Resolves undefined when it is already taken. */
function holdPort(port: number): Promise<Server | undefined> {
  const server = createTcpServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** A loopback Electron mirror that logs every path asked for and answers with `respond`. */
async function startMirror(
  respond: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; paths: string[]; close(): Promise<void> }> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? '');
    respond(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    paths,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('npm start (stand-in Electron executable)', () => {
  test(
    '`npm start` builds, starts the demo provider and launches Electron with the app folder and demo settings',
    { skip: POSIX_ONLY },
    async () => {
      const record = join(work, 'npm-start.json');
      const dist = await standInDist('npm-start-dist');
      const result = await run('npm', ['start', ...rootArgs], PROJECT_DIR, {
        ELECTRON_OVERRIDE_DIST_PATH: dist,
        STAND_IN_RECORD: record,
      });
      assert.equal(result.code, 0, result.stderr);
      const seen = await readStandInRecord(record);
      assert.ok(seen, 'the stand-in Electron was launched');
      assert.equal(seen.argv[0], PROJECT_DIR, 'Electron gets the app folder');
      assert.deepEqual(seen.argv.slice(1), asRoot ? ['--no-sandbox'] : []);
      const issuer = seen.env['DESKTOP_LOGIN_DEMO_ISSUER'];
      assert.match(issuer ?? '', /^http:\/\/127\.0\.0\.1:\d+\/$/);
      assert.equal(seen.discoveredIssuer, issuer, 'the demo provider answered while the app ran');
      assert.equal(seen.env['AUTH0_AUDIENCE'], 'https://api.desktop-login.example');
      assert.match(result.stdout, /Demo sign-in, not your Auth0 tenant/);
      assert.doesNotMatch(result.stdout + result.stderr, STACK_LINE);
    },
  );

  test(
    'as root on Linux, `npm start` without --no-sandbox says what to do in one sentence',
    { skip: asRoot ? false : 'runs only as root on Linux' },
    async () => {
      const record = join(work, 'root.json');
      const result = await startScript(PROJECT_DIR, {
        ELECTRON_OVERRIDE_DIST_PATH: await standInDist('root-dist'),
        STAND_IN_RECORD: record,
      });
      assert.equal(result.code, 1);
      assert.equal(result.stderr.trim(), ROOT_WITHOUT_SANDBOX_MESSAGE);
      assert.equal(await readStandInRecord(record), undefined, 'nothing was launched');
    },
  );

  test(
    'with the demo port taken, the demo provider moves to a free port and says which',
    { skip: POSIX_ONLY },
    async () => {
      const blocker = await holdPort(4400); // undefined: something else holds it, which is just as busy
      try {
        const record = join(work, 'busy.json');
        const result = await startScript(
          PROJECT_DIR,
          { ELECTRON_OVERRIDE_DIST_PATH: await standInDist('busy-dist'), STAND_IN_RECORD: record },
          asRoot ? ['--no-sandbox'] : [],
        );
        assert.equal(result.code, 0, result.stderr);
        const seen = await readStandInRecord(record);
        const port = new URL(seen?.env['DESKTOP_LOGIN_DEMO_ISSUER'] ?? 'http://x/').port;
        assert.notEqual(port, '4400');
        assert.equal(seen?.discoveredIssuer, seen?.env['DESKTOP_LOGIN_DEMO_ISSUER']);
        assert.match(
          result.stdout,
          new RegExp(`Port 4400 is busy, so the demo identity provider uses port ${port} instead\\.`),
        );
      } finally {
        blocker?.close();
      }
    },
  );

  test(
    'a provider from `npm run idp` named in DESKTOP_LOGIN_DEMO_ISSUER is used, not started again',
    { skip: POSIX_ONLY },
    async () => {
      const idp = await startIdp();
      try {
        const record = join(work, 'preset.json');
        const result = await startScript(
          PROJECT_DIR,
          {
            ELECTRON_OVERRIDE_DIST_PATH: await standInDist('preset-dist'),
            STAND_IN_RECORD: record,
            DESKTOP_LOGIN_DEMO_ISSUER: idp.issuer,
          },
          asRoot ? ['--no-sandbox'] : [],
        );
        assert.equal(result.code, 0, result.stderr);
        const seen = await readStandInRecord(record);
        assert.equal(seen?.env['DESKTOP_LOGIN_DEMO_ISSUER'], idp.issuer);
        assert.equal(seen?.discoveredIssuer, idp.issuer);
        assert.doesNotMatch(result.stdout, /Demo sign-in/, 'no second provider was started');
      } finally {
        await idp.close();
      }
    },
  );

  test('a busy IDP_PORT the person chose ends in one sentence, exit 1, nothing launched', async () => {
    const blocker = await holdPort(0);
    assert.ok(blocker);
    const port = (blocker.address() as AddressInfo).port;
    try {
      const record = join(work, 'idp-port.json');
      const result = await startScript(
        PROJECT_DIR,
        {
          ELECTRON_OVERRIDE_DIST_PATH: await standInDist('idp-port-dist'),
          STAND_IN_RECORD: record,
          IDP_PORT: String(port),
        },
        asRoot ? ['--no-sandbox'] : [],
      );
      assert.equal(result.code, 1);
      assert.equal(result.stderr.trim(), busyIdpPortMessage(port));
      assert.equal(await readStandInRecord(record), undefined);
    } finally {
      blocker.close();
    }
  });

  test('an ELECTRON_OVERRIDE_DIST_PATH with no executable in it is named, not followed', async () => {
    const empty = join(work, 'empty-dist');
    await mkdir(empty);
    const result = await startScript(
      PROJECT_DIR,
      { ELECTRON_OVERRIDE_DIST_PATH: empty },
      asRoot ? ['--no-sandbox'] : [],
    );
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^ELECTRON_OVERRIDE_DIST_PATH is set, but there is no Electron executable at /);
    assert.doesNotMatch(result.stderr, STACK_LINE);
  });
});

describe('npm start on a fresh install, where the Electron binary is not fetched yet', () => {
  test('the package installer is asked for the binary; its failure ends in the plain fix within a minute', async () => {
    const project = join(work, 'fetch-fails');
    await mkdir(project);
    const { electronDir, version } = await makeProjectWithoutElectron(project);
    // A loopback mirror stands in for Electron's download host, so this fails the same way on
    // a machine with internet access.
    const mirror = await startMirror((_req, res) => {
      res.statusCode = 404;
      res.end('not here');
    });
    try {
      // No --no-sandbox even as root: a missing binary is the first thing to hear about.
      const result = await startScript(project, {
        ELECTRON_MIRROR: mirror.url,
        electron_config_cache: join(project, 'cache'),
      });
      assert.equal(result.code, 1);
      assert.ok(result.ms < 60_000, `took ${result.ms} ms`);
      assert.ok(mirror.paths.includes(`/v${version}/${electronZipName(version)}`), mirror.paths.join(', '));
      const lines = result.stderr.trim().split('\n');
      assert.equal(lines.length, 1, result.stderr);
      assert.match(
        lines[0],
        new RegExp(
          `^Could not fetch the Electron ${version.replaceAll('.', '\\.')} binary \\(.*404.*\\)\\. Run \`npx install-electron --no\` with internet access;`,
        ),
      );
      assert.match(lines[0], /ELECTRON_MIRROR/);
      assert.match(lines[0], /ELECTRON_OVERRIDE_DIST_PATH/);
      assert.doesNotMatch(result.stderr, STACK_LINE);
      assert.match(result.stdout, new RegExp(`Fetching the Electron ${version.replaceAll('.', '\\.')} binary`));
      assert.equal(existsSync(join(electronDir, 'dist', platformExecutable())), false);
    } finally {
      await mirror.close();
    }
  });

  test(
    'when the download works, the package installs the binary and `npm start` launches it',
    { skip: POSIX_ONLY },
    async () => {
      const project = join(work, 'fetch-works');
      await mkdir(project);
      const { electronDir, version } = await makeProjectWithoutElectron(project);
      const zipName = electronZipName(version);
      const zip = makeZip([
        { name: platformExecutable(), data: Buffer.from(STAND_IN_SOURCE), mode: 0o755 },
        { name: 'version', data: Buffer.from(version), mode: 0o644 },
      ]);
      await pinChecksum(electronDir, zipName, zip);
      const mirror = await startMirror((req, res) => {
        if (req.url === `/v${version}/${zipName}`) res.end(zip);
        else {
          res.statusCode = 404;
          res.end();
        }
      });
      try {
        const record = join(project, 'record.json');
        const result = await startScript(
          project,
          { ELECTRON_MIRROR: mirror.url, electron_config_cache: join(project, 'cache'), STAND_IN_RECORD: record },
          asRoot ? ['--no-sandbox'] : [],
        );
        assert.equal(result.code, 0, result.stderr);
        const installed = join(electronDir, 'dist', platformExecutable());
        assert.ok(existsSync(installed), 'the binary was installed into the package copy');
        const seen = await readStandInRecord(record);
        assert.equal(seen?.argv[0], project);
        assert.match(seen?.env['DESKTOP_LOGIN_DEMO_ISSUER'] ?? '', /^http:\/\/127\.0\.0\.1:\d+\/$/);
        // Second start: nothing to fetch.
        const again = await startScript(
          project,
          { ELECTRON_MIRROR: mirror.url, STAND_IN_RECORD: record },
          asRoot ? ['--no-sandbox'] : [],
        );
        assert.equal(again.code, 0, again.stderr);
        assert.doesNotMatch(again.stdout, /Fetching the Electron/);
        assert.equal(mirror.paths.filter((path) => path.endsWith('.zip')).length, 1);
      } finally {
        await mirror.close();
      }
    },
  );

  test('a download that never answers is ended at the deadline, installer and all', async () => {
    const project = join(work, 'fetch-hangs');
    await mkdir(project);
    await makeProjectWithoutElectron(project);
    const mirror = await startMirror(() => {
      // Never answers.
    });
    try {
      const started = Date.now();
      const outcome = await ensureElectronBinary(project, {
        env: { ...process.env, ELECTRON_MIRROR: mirror.url, electron_config_cache: join(project, 'cache') },
        timeoutMs: 3000,
      });
      assert.equal(outcome.ok, false);
      assert.match(
        outcome.ok ? '' : outcome.message,
        /\(no answer from 127\.0\.0\.1:\d+ within 3 s\)\. Run `npx install-electron --no`/,
      );
      assert.ok(Date.now() - started < 10_000);
      assert.ok(mirror.paths.length >= 1, 'the installer did ask the mirror');
    } finally {
      await mirror.close();
    }
  });
});

describe('failureCause', () => {
  test('keeps the line that names the failure and drops the stack', () => {
    const output = [
      'Downloading Electron binary...',
      'Error: getaddrinfo ENOTFOUND github.com',
      '    at GetAddrInfoReqWrap.onlookupall [as oncomplete] (node:dns:120:26)',
      'Error: Electron failed to install correctly. Please delete `node_modules/electron` and run "npx install-electron --no" manually.',
    ].join('\n');
    assert.equal(failureCause(output), 'getaddrinfo ENOTFOUND github.com');
  });

  test('never repeats credentials from a proxy or mirror URL', () => {
    const cause = failureCause(
      'HTTPError: Response code 407 (Proxy Authentication Required) for http://ann:s3cret@proxy.example:8080/x',
    );
    assert.doesNotMatch(cause, /s3cret|ann:/);
    assert.match(cause, /407/);
  });

  test('a silent failure still says something, and a long line is cut', () => {
    assert.equal(failureCause(''), 'the installer gave no reason');
    assert.ok(failureCause(`Error: ${'x'.repeat(500)}`).length <= 200);
  });
});
