import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { AuthState } from '../../src/shared/auth-state.js';
import { AUTH_CHANNELS, type AuthEvents, type AuthRequests } from '../../src/shared/ipc-contract.js';
import {
  createKeychainTokenStore,
  type StoredSession,
  type TokenStore,
} from '../../src/main/auth/session/token-store.js';
import { startIdp, type RunningIdp } from '../../tools/idp/start-idp.js';
import { demoConfig, requestsBeyondDiscovery, startApp } from '../support/app-harness.js';
import {
  MAIN_BUNDLE,
  startAppProcess,
  type AppExit,
  type AppProcess,
} from '../support/electron-stand-in-module/app-process.js';
import { APP_DATA_VARIABLE, WINDOW_ERROR_VARIABLE } from '../support/electron-stand-in-module/protocol.js';
import {
  daemonControlUnavailableReason,
  keychainUnavailableReason,
  startKeychain,
  type TestKeychain,
} from '../support/keychain.js';
import { browserUnavailableReason, launchSystemBrowser } from '../support/system-browser.js';

// The built main bundle (dist/main/main.js) run by plain Node with a stand-in Electron module
// (test/support/electron-stand-in-module), in demo mode against the local provider and the
// test keychain. These prove the shell's wiring (lifecycle, IPC registration, quitting)
// against the stand-in's model of Electron, never that the app runs in Electron itself.

const skip =
  (existsSync(MAIN_BUNDLE) ? undefined : 'the main bundle is not built (run npm run build)') ??
  (await keychainUnavailableReason());
const skipSignIn = skip ?? browserUnavailableReason();
const skipDaemonControl = skipSignIn ?? daemonControlUnavailableReason();
if (skip) process.stdout.write(`# skipping main bundle tests: ${skip}\n`);
else if (skipSignIn) process.stdout.write(`# skipping main bundle tests that sign in first: ${skipSignIn}\n`);

const EVENT_CHANNELS: ReadonlyArray<keyof AuthEvents> = [AUTH_CHANNELS.stateChanged];
const REQUEST_CHANNELS = Object.values(AUTH_CHANNELS)
  .filter((channel): channel is keyof AuthRequests => !(EVENT_CHANNELS as readonly string[]).includes(channel))
  .sort();
/** Settings of the developer's shell that would point the app elsewhere; the app gets only the test's. */
const APP_SETTING =
  /^(AUTH0_|DESKTOP_LOGIN_|ELECTRON_STAND_IN_|NODE_OPTIONS$|NODE_TEST_CONTEXT$|KEYCHAIN_SERVICE$|API_BASE_URL$)/;
const STACK_LINE = /^\s+at /m;
const TOKEN_PATH = '/oauth/token';

let work: string;
let idp: RunningIdp;
let keychain: TestKeychain;
let keychainService: string;
let store: TokenStore;
let signedIn: Promise<StoredSession> | undefined;
const running = new Set<AppProcess>();

/** Starts the built app with its own data folder, like a fresh install of one person's app. */
function launch(label: string, env: NodeJS.ProcessEnv = {}): AppProcess {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !APP_SETTING.test(name)));
  const app = startAppProcess({
    cwd: work,
    env: {
      ...inherited,
      DESKTOP_LOGIN_DEMO_ISSUER: idp.issuer,
      AUTH0_AUDIENCE: idp.audience,
      KEYCHAIN_SERVICE: keychainService,
      DESKTOP_LOGIN_USER_DATA: join(work, label, 'user-data'),
      // The folder every instance would share without DESKTOP_LOGIN_USER_DATA.
      [APP_DATA_VARIABLE]: join(work, 'app-data'),
      ...env,
    },
  });
  running.add(app);
  void app.exited.then(() => running.delete(app));
  return app;
}

/** Resolves with the exit, or undefined if the app is still running after `ms`. */
async function exitWithin(app: AppProcess, ms: number): Promise<AppExit | undefined> {
  // Unreferenced, so a lost race does not keep the test file running for the rest of `ms`.
  return Promise.race([app.exited, sleep(ms, undefined, { ref: false })]);
}

async function quitAndWait(app: AppProcess): Promise<AppExit> {
  app.quit();
  const exit = await exitWithin(app, 10_000);
  assert.ok(exit, `the app did not quit:\n${app.stderr()}`);
  return exit;
}

/** Signs in once with the real core, person and browser, so the keychain holds a real session. */
function seedSession(): Promise<StoredSession> {
  signedIn ??= (async () => {
    const browser = await launchSystemBrowser();
    try {
      const first = startApp({ idp, browser, keytar: keychain.keytar, env: { KEYCHAIN_SERVICE: keychainService } });
      const state = await first.service.login();
      assert.equal(state.status, 'signed-in', JSON.stringify(state));
      await first.opener.settled();
      await first.service.dispose();
    } finally {
      await browser.close();
    }
    return storedSession();
  })();
  return signedIn;
}

async function storedSession(): Promise<StoredSession> {
  const loaded = await store.load();
  assert.equal(loaded.kind, 'found', 'the keychain holds the session');
  return (loaded as { session: StoredSession }).session;
}

/** Rewrites the saved session with an expired access token, so the app refreshes as soon as it starts. */
async function expireAccessToken(): Promise<StoredSession> {
  const session = await storedSession();
  const stale = { ...session, tokens: { ...session.tokens, expiresAt: Date.now() - 60_000 } };
  await store.save(stale);
  return stale;
}

async function tokenRequestArrives(count: number): Promise<void> {
  for (let waited = 0; idp.countRequests(TOKEN_PATH) < count; waited += 25) {
    if (waited > 10_000) throw new Error('the app sent no refresh request');
    await sleep(25);
  }
}

async function waitForStderr(app: AppProcess, pattern: RegExp, ms = 15_000): Promise<number> {
  for (let waited = 0; !pattern.test(app.stderr()); waited += 25) {
    if (waited > ms) throw new Error(`the app never logged ${String(pattern)}:\n${app.stderr()}`);
    await sleep(25);
  }
  return Date.now();
}

describe('the built main process under plain Node (stand-in Electron)', { skip }, () => {
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'desktop-login-main-bundle-'));
    keychain = await startKeychain();
    idp = await startIdp();
    keychainService = keychain.serviceName('main-bundle');
    // The app keeps its session under this name plus the issuer; the app process writes there
    // too, so close() is told to delete it.
    const { keychainService: entries } = demoConfig(idp, { KEYCHAIN_SERVICE: keychainService });
    keychain.track(entries);
    store = createKeychainTokenStore(keychain.keytar, entries);
  });
  afterEach(async () => {
    // A test that failed half-way must not leave its app holding locks for the next one.
    const left = [...running];
    for (const app of left) app.kill();
    await Promise.all(left.map((app) => app.exited));
  });
  after(async () => {
    await idp?.close();
    await keychain?.close();
    await rm(work, { recursive: true, force: true });
  });

  test('stand-in Electron: the bundle registers every request channel of the contract, and quits cleanly', async () => {
    const app = launch('channels');
    await Promise.all(REQUEST_CHANNELS.map((channel) => app.waitFor('handle', (report) => report.channel === channel)));
    assert.deepEqual(
      app.reports.flatMap((report) => (report.type === 'handle' ? [report.channel] : [])).sort(),
      REQUEST_CHANNELS,
    );
    const exit = await quitAndWait(app);
    assert.equal(exit.code, 0);
    assert.deepEqual(
      app.reports.filter((report) => report.type === 'unhandled-rejection' || report.type === 'uncaught-exception'),
      [],
    );
  });

  test('stand-in Electron: a call from any sender but our window’s top frame is refused', async () => {
    const app = launch('untrusted');
    await app.waitFor('handle', (report) => report.channel === AUTH_CHANNELS.getState);
    for (const from of ['sub-frame', 'other-contents', 'no-frame'] as const) {
      const answer = await app.invoke(AUTH_CHANNELS.getState, { from });
      assert.ok(!answer.ok && /Refused: untrusted sender/.test(answer.message), `${from}: ${JSON.stringify(answer)}`);
    }
    const withArguments = await app.invoke(AUTH_CHANNELS.logout, { args: [{ everywhere: false }] });
    assert.ok(!withArguments.ok && /Refused: unexpected arguments/.test(withArguments.message));
    assert.equal((await app.invoke(AUTH_CHANNELS.getState)).ok, true, 'our own window is answered');
    await quitAndWait(app);
  });

  test('stand-in Electron: a start-up failure is logged in plain words and the app quits', async () => {
    const app = launch('start-up-failure', { [WINDOW_ERROR_VARIABLE]: 'the window could not be created' });
    const exit = await exitWithin(app, 5_000);
    const failures = app.reports.filter((report) => report.type === 'unhandled-rejection');
    assert.deepEqual(failures, [], 'the failure is handled, not left as an unhandled rejection');
    assert.ok(exit, `the app is still running after a failed start:\n${app.stderr()}`);
    assert.equal(exit.code, 0);
    assert.match(app.stderr(), /start-up failed: the window could not be created/);
    assert.doesNotMatch(app.stderr(), STACK_LINE);
  });

  test('stand-in Electron: each instance takes its single-instance lock in its own DESKTOP_LOGIN_USER_DATA', async () => {
    const first = launch('instance-a');
    const second = launch('instance-b');
    for (const [app, label] of [
      [first, 'instance-a'],
      [second, 'instance-b'],
    ] as const) {
      const lock = await app.waitFor('single-instance-lock');
      assert.equal(lock.userData, join(work, label, 'user-data'));
      assert.equal(lock.granted, true, `${label} runs beside the other`);
      await app.waitFor('handle', (report) => report.channel === AUTH_CHANNELS.getState);
    }
    await Promise.all([quitAndWait(first), quitAndWait(second)]);
  });

  test('stand-in Electron: a second instance on the same user data quits at once', async () => {
    const first = launch('shared');
    await first.waitFor('handle', (report) => report.channel === AUTH_CHANNELS.getState);
    const second = launch('shared');
    const exit = await exitWithin(second, 5_000);
    assert.ok(exit, 'the second instance quit');
    assert.equal(exit.code, 0);
    assert.deepEqual(
      second.reports.filter((report) => report.type === 'window-created' || report.type === 'handle'),
      [],
    );
    assert.equal((await first.invoke(AUTH_CHANNELS.getState)).ok, true, 'the first instance keeps running');
    await quitAndWait(first);
  });

  test('stand-in Electron: the saved session is restored at start-up', { skip: skipSignIn }, async () => {
    const saved = await seedSession();
    const requestsBefore = idp.requestLog.length;
    const app = launch('restore');
    await app.waitFor('handle', (report) => report.channel === AUTH_CHANNELS.getState);
    let state: AuthState | undefined;
    for (let attempt = 0; attempt < 100 && state?.status !== 'signed-in'; attempt += 1) {
      const answer = await app.invoke(AUTH_CHANNELS.getState);
      assert.ok(answer.ok, JSON.stringify(answer));
      state = answer.value as AuthState;
      if (state.status !== 'signed-in') await sleep(20);
    }
    assert.equal(state?.status, 'signed-in', JSON.stringify(state));
    assert.equal(state.profile.email, idp.users[0]?.email);
    assert.equal(state.profile.sub, saved.profile.sub);
    assert.equal(state.persistence, 'keychain');
    const sent = requestsBeyondDiscovery(idp, requestsBefore);
    assert.deepEqual(sent, [], 'restoring made no request to the provider');
    await quitAndWait(app);
  });

  test('stand-in Electron: state changes are sent to the window', { skip: skipSignIn }, async () => {
    await seedSession();
    const app = launch('state-changes');
    const sent = await app.waitFor(
      'send',
      (report) => report.channel === AUTH_CHANNELS.stateChanged && (report.payload as AuthState).status === 'signed-in',
    );
    const state = sent.payload as Extract<AuthState, { status: 'signed-in' }>;
    assert.equal(state.profile.email, idp.users[0]?.email);
    assert.doesNotMatch(
      JSON.stringify(app.reports),
      /"(accessToken|refreshToken|idToken)"/,
      'no token reaches the page',
    );
    await quitAndWait(app);
  });

  test(
    'stand-in Electron: quitting while the provider holds a refresh exits at the deadline',
    { skip: skipSignIn },
    async () => {
      await seedSession();
      const stale = await expireAccessToken();
      const requests = idp.countRequests(TOKEN_PATH);
      // The provider sits on the refresh for 30 s, then fails it (so the refresh token stays unspent).
      idp.faults.set(TOKEN_PATH, { delayMs: 30_000, status: 503, times: 1 });
      const app = launch('held-refresh');
      try {
        await tokenRequestArrives(requests + 1);
        const quitAt = Date.now();
        app.quit();
        const exit = await exitWithin(app, 10_000);
        assert.ok(exit, `the app was still waiting for the provider 10 s after quit:\n${app.stderr()}`);
        assert.equal(exit.code, 0);
        assert.ok(exit.at - quitAt < 8_000, `quit took ${exit.at - quitAt} ms`);
        assert.match(app.stderr(), /quit deadline reached/);
        const kept = await storedSession();
        assert.equal(kept.tokens.refreshToken, stale.tokens.refreshToken, 'the session is kept for the next start');
      } finally {
        idp.faults.set(TOKEN_PATH, null);
      }
    },
  );

  test(
    'stand-in Electron: a rotated refresh token that arrives before the deadline is saved',
    { skip: skipSignIn },
    async () => {
      await seedSession();
      const stale = await expireAccessToken();
      const requests = idp.countRequests(TOKEN_PATH);
      idp.faults.set(TOKEN_PATH, { delayMs: 1_000, times: 1 });
      const app = launch('refresh-lands');
      await tokenRequestArrives(requests + 1);
      const exit = await quitAndWait(app);
      assert.equal(exit.code, 0);
      const saved = await storedSession();
      assert.notEqual(saved.tokens.refreshToken, stale.tokens.refreshToken, 'the rotated refresh token was saved');
      assert.ok(saved.tokens.expiresAt > Date.now(), 'with the new access token');
      assert.doesNotMatch(app.stderr(), /quit deadline reached/);
    },
  );

  test(
    'stand-in Electron: a keychain write under way at the deadline finishes before the app exits',
    { skip: skipDaemonControl },
    async () => {
      await seedSession();
      const stale = await expireAccessToken();
      const requests = idp.countRequests(TOKEN_PATH);
      // The rotated token arrives after 1.5 s, well before the deadline; its keychain write then hangs.
      idp.faults.set(TOKEN_PATH, { delayMs: 1_500, times: 1 });
      const app = launch('write-at-deadline');
      await tokenRequestArrives(requests + 1);
      const daemon = await secretServicePid();
      process.kill(daemon, 'SIGSTOP');
      let resumed = false;
      try {
        app.quit();
        await waitForStderr(app, /quit deadline reached/);
        assert.equal(await exitWithin(app, 1_000), undefined, 'the app waits for the keychain write under way');
      } finally {
        process.kill(daemon, 'SIGCONT');
        resumed = true;
      }
      const exit = await exitWithin(app, 10_000);
      assert.ok(resumed && exit, `the app did not exit once the keychain answered:\n${app.stderr()}`);
      assert.equal(exit.code, 0);
      const saved = await storedSession();
      assert.notEqual(saved.tokens.refreshToken, stale.tokens.refreshToken, 'the rotated refresh token was saved');
    },
  );
});

/** The process behind the Secret Service on the test's private bus (the test keyring daemon). */
async function secretServicePid(): Promise<number> {
  const { stdout } = await promisify(execFile)('dbus-send', [
    '--session',
    '--print-reply',
    '--dest=org.freedesktop.DBus',
    '/org/freedesktop/DBus',
    'org.freedesktop.DBus.GetConnectionUnixProcessID',
    'string:org.freedesktop.secrets',
  ]);
  const pid = Number(/uint32 (\d+)/.exec(stdout)?.[1]);
  assert.ok(Number.isInteger(pid) && pid > 0, `no Secret Service on the test bus: ${stdout}`);
  return pid;
}
