import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AUTH_CHANNELS } from '../../src/shared/ipc-contract.js';
import { startIdp, type RunningIdp } from '../../tools/idp/start-idp.js';
import { MAIN_BUNDLE, startAppProcess, type AppProcess } from '../support/electron-stand-in-module/app-process.js';
import {
  APP_DATA_VARIABLE,
  PACKAGED_VARIABLE,
  type MenuItemDescription,
  type StandInReport,
} from '../support/electron-stand-in-module/protocol.js';
import { keychainUnavailableReason, startKeychain, type TestKeychain } from '../support/keychain.js';

// The built main bundle (dist/main/main.js) under plain Node with the stand-in Electron module:
// the shell's hardening as main.ts wires it (Electron security checklist, DESIGN checklist 11).
// This proves the wiring against the stand-in's model of Electron, never that Electron itself
// sandboxes, hides DevTools or draws the menu; test/e2e/electron.spec.ts runs the real binary.

const skip =
  (existsSync(MAIN_BUNDLE) ? undefined : 'the main bundle is not built (run npm run build)') ??
  (await keychainUnavailableReason());
if (skip) process.stdout.write(`# skipping main bundle hardening tests: ${skip}\n`);

/** Settings of the developer's shell that would point the app elsewhere; the app gets only the test's. */
const APP_SETTING =
  /^(AUTH0_|DESKTOP_LOGIN_|ELECTRON_STAND_IN_|NODE_OPTIONS$|NODE_TEST_CONTEXT$|KEYCHAIN_SERVICE$|API_BASE_URL$)/;
/**
 * The doctor requests the sign-in page (without a browser) on every run; the app itself never
 * does without a login, while it loads discovery in the background at start-up too.
 */
const AUTHORIZE_PATH = '/authorize';

let work: string;
let idp: RunningIdp;
let keychain: TestKeychain;
const running = new Set<AppProcess>();

function launch(label: string, env: NodeJS.ProcessEnv = {}): AppProcess {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !APP_SETTING.test(name)));
  const app = startAppProcess({
    cwd: work,
    env: {
      ...inherited,
      DESKTOP_LOGIN_DEMO_ISSUER: idp.issuer,
      AUTH0_AUDIENCE: idp.audience,
      KEYCHAIN_SERVICE: keychain.serviceName(`hardening-${label}`),
      DESKTOP_LOGIN_USER_DATA: join(work, label, 'user-data'),
      [APP_DATA_VARIABLE]: join(work, label, 'app-data'),
      ...env,
    },
  });
  running.add(app);
  void app.exited.then(() => running.delete(app));
  return app;
}

async function quitAndWait(app: AppProcess): Promise<void> {
  app.quit();
  const exit = await Promise.race([app.exited, sleep(10_000, undefined, { ref: false })]);
  assert.ok(exit, `the app did not quit:\n${app.stderr()}`);
  assert.deepEqual(
    app.reports.filter((report) => report.type === 'unhandled-rejection' || report.type === 'uncaught-exception'),
    [],
  );
}

const webPreferencesOf = (report: Extract<StandInReport, { type: 'window-created' }>): Record<string, unknown> =>
  (report.options as { webPreferences: Record<string, unknown> }).webPreferences;

function flatten(items: readonly MenuItemDescription[]): MenuItemDescription[] {
  return items.flatMap((item) => [item, ...flatten(item.submenu ?? [])]);
}

describe('the built main process hardens the shell (stand-in Electron)', { skip }, () => {
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'desktop-login-main-hardening-'));
    keychain = await startKeychain();
    idp = await startIdp();
  });
  afterEach(async () => {
    const left = [...running];
    for (const app of left) app.kill();
    await Promise.all(left.map((app) => app.exited));
  });
  after(async () => {
    await idp?.close();
    await keychain?.close();
    await rm(work, { recursive: true, force: true });
  });

  test('stand-in Electron: sandbox for every renderer before ready, and every web contents locked down', async () => {
    const app = launch('unpackaged');
    await app.waitFor('handle', (report) => report.channel === AUTH_CHANNELS.getState);
    const types = app.reports.map((report) => report.type);
    assert.ok(types.includes('enable-sandbox'), 'app.enableSandbox() was called (the stand-in throws after ready)');
    assert.ok(types.indexOf('enable-sandbox') < types.indexOf('window-created'));

    const window = await app.probeWebContents('window');
    assert.deepEqual(
      { navigation: window.navigationPrevented, webview: window.webviewPrevented, open: window.windowOpen },
      { navigation: true, webview: true, open: 'deny' },
      'the app window',
    );
    // A web contents made after start-up (a popup or webview the app never meant to create).
    const later = await app.probeWebContents('new-contents');
    assert.deepEqual(
      { navigation: later.navigationPrevented, webview: later.webviewPrevented, open: later.windowOpen },
      { navigation: true, webview: true, open: 'deny' },
      'a web contents made later',
    );

    // Not packaged: DevTools and Electron's default menu stay for development.
    const created = await app.waitFor('window-created');
    assert.equal(webPreferencesOf(created)['devTools'], true);
    assert.equal(types.includes('application-menu'), false, 'Electron’s default menu is kept');
    await quitAndWait(app);
  });

  test('stand-in Electron: a packaged build has no DevTools and its own small menu', async () => {
    const app = launch('packaged', { [PACKAGED_VARIABLE]: '1' });
    const created = await app.waitFor('window-created');
    assert.equal(webPreferencesOf(created)['devTools'], false);
    assert.ok(app.reports.some((report) => report.type === 'enable-sandbox'));

    const { menu } = await app.waitFor('application-menu');
    assert.ok(menu, 'a menu of its own replaces Electron’s default');
    const items = flatten(menu);
    const labels = items.flatMap((item) => (item.label ? [item.label] : []));
    const roles = items.flatMap((item) => (item.role ? [item.role] : []));
    for (const label of ['Check my setup…', 'Sign out']) assert.ok(labels.includes(label), label);
    for (const role of ['about', 'quit', 'copy', 'paste']) assert.ok(roles.includes(role), role);
    assert.ok(
      roles.every((role) => !/devtools|reload|viewmenu/i.test(role)),
      `no developer items: ${roles.join(', ')}`,
    );
    assert.equal(items.find((item) => item.label === 'Sign out')?.enabled, false, 'nobody is signed in');

    // A packaged build reads only its baked-in settings, which this build has none of.
    assert.equal(await app.clickMenu('Check my setup…'), true);
    const box = await app.waitFor('message-box');
    assert.equal(box.options.message, 'Setup needs fixing');
    assert.match(box.options.detail ?? '', /Configuration/);
    await quitAndWait(app);
  });

  test('stand-in Electron: a copied sign-in link leaves the clipboard when the sign-in ends', async () => {
    const app = launch('clipboard');
    await app.waitFor('handle', (report) => report.channel === AUTH_CHANNELS.login);
    const login = app.invoke(AUTH_CHANNELS.login);
    const opened = await app.waitFor('open-external');
    const copied = await app.invoke(AUTH_CHANNELS.copySignInLink);
    assert.ok(copied.ok, JSON.stringify(copied));
    assert.deepEqual(copied.value, { ok: true, value: null });
    await app.waitFor('clipboard', (report) => report.text === opened.url);
    await app.invoke(AUTH_CHANNELS.cancelLogin);
    await login;
    const last = await app.waitFor('clipboard', (report) => report.text === '', 5_000);
    assert.equal(last.text, '');
    await quitAndWait(app);
  });

  test('stand-in Electron: "Check my setup" runs one at a time, a few seconds apart', async () => {
    const app = launch('setup-checks');
    await app.waitFor('handle', (report) => report.channel === AUTH_CHANNELS.checkSetup);
    const checkSetup = async (): Promise<void> => {
      const answer = await app.invoke(AUTH_CHANNELS.checkSetup);
      assert.ok(answer.ok && (answer.value as { ok: boolean }).ok, JSON.stringify(answer));
    };

    // The doctor's sign-in request check counts the runs.
    let before = idp.countRequests(AUTHORIZE_PATH);
    await Promise.all([checkSetup(), checkSetup(), checkSetup()]);
    const threeAtOnce = idp.countRequests(AUTHORIZE_PATH) - before;
    const finished = Date.now();

    before = idp.countRequests(AUTHORIZE_PATH);
    await checkSetup();
    const oneMore = idp.countRequests(AUTHORIZE_PATH) - before;
    assert.ok(oneMore > 0, 'a run requests the sign-in page');
    assert.equal(threeAtOnce, oneMore, 'three calls at once made one run');
    assert.ok(Date.now() - finished >= 2_500, 'the next run waited for the gap');
    await quitAndWait(app);
  });
});
