// Loaded first: from here on `import 'electron'` resolves to the stand-in module.
import '../support/electron-stand-in-module/register.js';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { appMenuTemplate, setupReportMessage, type AppMenuActions } from '../../src/main/app-menu.js';
import { limitRuns, type LimiterTime } from '../../src/main/run-limiter.js';
import { guardWebContents } from '../../src/main/web-contents-guard.js';
import { Menu, StandInWebContents, type MenuItem } from '../support/electron-stand-in-module/electron.js';

// The pure parts of the shell's hardening (DESIGN checklist 11, Electron's security checklist),
// run by behaviour against the stand-in Electron module. They prove our code against that
// model of Electron, never that Electron itself behaves so (test/e2e/electron.spec.ts runs the
// real binary where it exists).

const ATTACKER = 'https://attacker.example/';

describe('guardWebContents: every web contents, whoever made it (Electron checklist #12–#14)', () => {
  test('an unguarded web contents navigates, attaches webviews and opens windows (the stand-in’s Electron defaults)', () => {
    const contents = new StandInWebContents();
    assert.equal(contents.attemptNavigation('will-navigate', ATTACKER), false);
    assert.equal(contents.attemptAttachWebview(ATTACKER), false);
    assert.equal(contents.requestWindowOpen(ATTACKER).action, 'allow');
  });

  test('a guarded one can neither navigate, nor attach a webview, nor open a window', () => {
    const contents = new StandInWebContents();
    guardWebContents(contents);
    for (const url of [ATTACKER, 'file:///etc/passwd', 'about:blank', 'javascript:alert(1)']) {
      assert.equal(contents.attemptNavigation('will-navigate', url), true, `will-navigate to ${url}`);
      assert.equal(contents.attemptAttachWebview(url), true, `<webview src="${url}">`);
      assert.deepEqual(contents.requestWindowOpen(url), { action: 'deny' }, `window.open(${url})`);
    }
  });
});

/** The menu as Electron would build it from our template. */
function builtMenu(platform: NodeJS.Platform, signedIn: boolean, actions?: Partial<AppMenuActions>): Menu {
  const template = appMenuTemplate({
    appName: 'Desktop Login',
    platform,
    signedIn,
    actions: { checkSetup: () => undefined, signOut: () => undefined, ...actions },
  });
  // Our template is Electron's MenuItemConstructorOptions; the stand-in reads the same fields.
  return Menu.buildFromTemplate(template as Parameters<typeof Menu.buildFromTemplate>[0]);
}

const byLabel = (menu: Menu, label: string): MenuItem | undefined =>
  menu.allItems().find((item) => item.label === label);
const roles = (menu: Menu): string[] => menu.allItems().flatMap((item) => (item.role ? [item.role] : []));

describe('the packaged app’s menu', () => {
  for (const platform of ['darwin', 'win32', 'linux'] as const) {
    test(`${platform}: About, Check my setup, Sign out, Quit, and Edit with copy and paste; nothing for developers`, () => {
      const menu = builtMenu(platform, true);
      assert.ok(byLabel(menu, 'Check my setup…'), 'Check my setup…');
      assert.ok(byLabel(menu, 'Sign out'), 'Sign out');
      const edit = byLabel(menu, 'Edit');
      assert.deepEqual(
        edit?.submenu?.allItems().flatMap((item) => (item.role ? [item.role] : [])),
        ['cut', 'copy', 'paste', 'selectAll'],
      );
      for (const role of ['about', 'quit', 'copy', 'paste']) assert.ok(roles(menu).includes(role), role);
      // What Electron's default menu offers and a packaged build must not.
      for (const role of roles(menu)) {
        assert.doesNotMatch(role, /devtools|reload|viewmenu|togglefullscreen|zoom/i, `role ${role}`);
      }
      assert.ok(
        menu.allItems().every((item) => !/view|developer|reload/i.test(item.label ?? '')),
        'no View or developer menu',
      );
    });
  }

  test('macOS: the first menu is the app’s own, named after it', () => {
    const [first] = builtMenu('darwin', false).items;
    assert.equal(first?.label, 'Desktop Login');
    assert.deepEqual(
      first?.submenu?.items.flatMap((item) => (item.type === 'separator' ? [] : [item.role ?? item.label])),
      ['about', 'Check my setup…', 'Sign out', 'quit'],
    );
  });

  test('the items call the actions; Sign out only while signed in', () => {
    const calls: string[] = [];
    const actions = { checkSetup: () => calls.push('check'), signOut: () => calls.push('sign out') };
    const signedOut = builtMenu('linux', false, actions);
    assert.equal(byLabel(signedOut, 'Sign out')?.enabled, false);
    byLabel(signedOut, 'Sign out')?.click();
    byLabel(signedOut, 'Check my setup…')?.click();
    assert.deepEqual(calls, ['check']);
    const signedIn = builtMenu('linux', true, actions);
    assert.equal(byLabel(signedIn, 'Sign out')?.enabled, true);
    byLabel(signedIn, 'Sign out')?.click();
    assert.deepEqual(calls, ['check', 'sign out']);
  });

  test('"Check my setup…" shows the same checklist as the window, with the fix for what failed', () => {
    const passed = setupReportMessage({
      ok: true,
      value: { ok: true, checks: [{ id: 'config', title: 'Configuration', verdict: 'pass', detail: 'Fine.' }] },
    });
    assert.deepEqual(passed, { type: 'info', message: 'Setup looks right', detail: '✓ Configuration' });
    const failed = setupReportMessage({
      ok: true,
      value: {
        ok: false,
        checks: [
          { id: 'config', title: 'Configuration', verdict: 'pass', detail: 'Fine.' },
          { id: 'ports', title: 'Callback ports', verdict: 'fail', detail: 'Busy.', fix: 'Close the program.' },
        ],
      },
    });
    assert.equal(failed.type, 'warning');
    assert.equal(failed.message, 'Setup needs fixing');
    assert.equal(failed.detail, '✓ Configuration\n✕ Callback ports\n    Close the program.');
    assert.deepEqual(setupReportMessage({ ok: false, code: 'login_in_progress', message: 'Finish the sign-in.' }), {
      type: 'warning',
      message: 'The setup could not be checked',
      detail: 'Finish the sign-in.',
    });
  });
});

/** A clock that moves only when a sleep is let through, so the test sees every wait. */
function fakeTime(): LimiterTime & { readonly sleeps: number[]; wake(): void } {
  let now = 1_000_000;
  const sleeps: number[] = [];
  const sleepers: Array<() => void> = [];
  return {
    now: () => now,
    sleeps,
    sleep(ms) {
      sleeps.push(ms);
      return new Promise((resolve) =>
        sleepers.push(() => {
          now += ms;
          resolve();
        }),
      );
    },
    wake() {
      for (const sleeper of sleepers.splice(0)) sleeper();
    },
  };
}

/** Work the test finishes by hand, counting its runs. */
function manualWork() {
  const finishers: Array<(value: number) => void> = [];
  let runs = 0;
  return {
    work: () =>
      new Promise<number>((resolve) => {
        runs += 1;
        finishers.push(resolve);
      }),
    runs: () => runs,
    finish: (value: number): void => finishers.shift()?.(value),
  };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('limitRuns: "Check my setup" one at a time, a few seconds apart', () => {
  test('calls while a run is under way share it', async () => {
    const time = fakeTime();
    const { work, runs, finish } = manualWork();
    const check = limitRuns(work, 3_000, time);
    const calls = [check(), check(), check()];
    await turn();
    assert.equal(runs(), 1);
    finish(7);
    assert.deepEqual(await Promise.all(calls), [7, 7, 7]);
    assert.deepEqual(time.sleeps, [], 'the first run starts at once');
  });

  test('the next run starts only once the gap has passed; calls meanwhile share it', async () => {
    const time = fakeTime();
    const { work, runs, finish } = manualWork();
    const check = limitRuns(work, 3_000, time);
    const first = check();
    await turn();
    finish(1);
    await first;
    const waiting = [check(), check()];
    await turn();
    assert.equal(runs(), 1, 'no second run inside the gap');
    assert.deepEqual(time.sleeps, [3_000]);
    time.wake();
    await turn();
    assert.equal(runs(), 2);
    finish(2);
    assert.deepEqual(await Promise.all(waiting), [2, 2]);
  });

  test('a failed run is passed on, and does not stop the next one', async () => {
    const time = fakeTime();
    let attempt = 0;
    const check = limitRuns(
      () => {
        attempt += 1;
        if (attempt === 1) throw new Error('thrown before any promise');
        return Promise.resolve(attempt);
      },
      3_000,
      time,
    );
    await assert.rejects(check(), /thrown before any promise/);
    const next = check();
    await turn();
    time.wake();
    assert.equal(await next, 2);
  });
});
