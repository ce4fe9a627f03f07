// Loaded first: from here on `import 'electron'` resolves to the stand-in module.
import '../support/electron-stand-in-module/register.js';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, test } from 'node:test';
import type { AuthState } from '../../src/shared/auth-state.js';
import { AUTH_CHANNELS, type AuthBridge, type AuthEvents, type AuthRequests } from '../../src/shared/ipc-contract.js';
import { HARDENED_WEB_PREFERENCES } from '../../src/main/web-preferences.js';
import { createAuthHandlers, type AuthHandlers } from '../../src/main/ipc/ipc-handlers.js';
import {
  StandInFrame,
  StandInWebContents,
  app,
  invokeEvent,
  ipcMain,
  session,
  standIn,
  type BrowserWindow,
  type IpcSender,
} from '../support/electron-stand-in-module/electron.js';

// The Electron shell's own code (src/main/window.ts, trusted-ipc.ts, ipc-main.ts and the
// preload) run under plain Node against a stand-in Electron module that plays Chromium's part.
// These prove our wiring against that model, never that the app runs in Electron
// (test/e2e/electron.test.ts does that where the Electron binary exists).

// Dynamic imports: static ones are resolved before register.js has run.
const { createMainWindow, denyAllPermissions, rendererEntry } = await import('../../src/main/window.js');
const { registerAuthHandlers, send } = await import('../../src/main/ipc/ipc-main.js');

const MAIN_DIR = join(import.meta.dirname, '..', '..', 'dist', 'main');
const ENTRY_URL = pathToFileURL(rendererEntry(MAIN_DIR)).href;
const EVENT_CHANNELS: ReadonlyArray<keyof AuthEvents> = [AUTH_CHANNELS.stateChanged];
/** Every request channel of the contract: AUTH_CHANNELS without the events main pushes. */
const REQUEST_CHANNELS = Object.values(AUTH_CHANNELS)
  .filter((channel): channel is keyof AuthRequests => !(EVENT_CHANNELS as readonly string[]).includes(channel))
  .sort();

/** A window made by createMainWindow, as the stand-in sees it. */
function openWindow(): {
  window: BrowserWindow;
  isTrustedSender: ReturnType<typeof createMainWindow>['isTrustedSender'];
} {
  const { window, isTrustedSender } = createMainWindow(MAIN_DIR);
  const standInWindow = standIn.windows.at(-1);
  assert.ok(standInWindow !== undefined && (standInWindow as unknown) === window, 'createMainWindow made one window');
  return { window: standInWindow, isTrustedSender };
}

const topFrameOf = (window: BrowserWindow): IpcSender => ({
  sender: window.webContents,
  senderFrame: window.webContents.mainFrame,
});

/** The real handler table, with no auth service (as with broken settings) and a recording "Check my setup". */
function handlerTable(): { handlers: AuthHandlers; setupChecks: () => number } {
  let runs = 0;
  const handlers = createAuthHandlers({
    service: undefined,
    appInfo: { demo: true, issuerHost: '127.0.0.1' },
    shell: { writeClipboard: () => undefined, readClipboard: () => '', clearClipboard: () => undefined },
    checkSetup: () => {
      runs += 1;
      return Promise.resolve({ ok: true, checks: [] });
    },
  });
  return { handlers, setupChecks: () => runs };
}

describe('the Electron shell under plain Node (stand-in Electron)', () => {
  afterEach(() => {
    for (const window of standIn.windows) if (!window.isDestroyed()) window.destroy();
    standIn.page = undefined;
  });

  test('stand-in Electron: the window gets exactly the hardened webPreferences plus the preload', () => {
    const { window } = openWindow();
    assert.deepEqual(window.options['webPreferences'], {
      ...HARDENED_WEB_PREFERENCES,
      devTools: true,
      preload: join(MAIN_DIR, '..', 'preload', 'preload.cjs'),
    });
    assert.equal(window.options['show'], false, 'hidden until ready-to-show, so no blank window flashes');
  });

  test('stand-in Electron: a packaged build’s window has no DevTools (DESIGN checklist 11)', () => {
    app.isPackaged = true;
    try {
      const { window } = openWindow();
      assert.equal((window.options['webPreferences'] as Record<string, unknown>)['devTools'], false);
    } finally {
      app.isPackaged = false;
    }
  });

  test('stand-in Electron: the window loads the built renderer and shows itself once ready', async () => {
    const { window } = openWindow();
    assert.equal(window.loadedFile, rendererEntry(MAIN_DIR));
    assert.equal(window.webContents.mainFrame.url, ENTRY_URL);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(window.visible, true);
  });

  test('stand-in Electron: will-navigate and will-redirect are prevented', () => {
    const { window } = openWindow();
    for (const url of ['https://attacker.example/', ENTRY_URL, 'file:///etc/passwd']) {
      assert.equal(window.webContents.attemptNavigation('will-navigate', url), true, `will-navigate to ${url}`);
      assert.equal(window.webContents.attemptNavigation('will-redirect', url), true, `will-redirect to ${url}`);
    }
  });

  test('stand-in Electron: every new window is denied', () => {
    const { window } = openWindow();
    assert.equal(
      new StandInWebContents().requestWindowOpen('https://x.example/').action,
      'allow',
      'the default allows',
    );
    for (const url of ['https://attacker.example/', ENTRY_URL, 'about:blank']) {
      assert.deepEqual(window.webContents.requestWindowOpen(url), { action: 'deny' });
    }
  });

  test('stand-in Electron: denyAllPermissions refuses every permission request and check', async () => {
    const permissions = session.defaultSession;
    permissions.setPermissionRequestHandler(null);
    permissions.setPermissionCheckHandler(null);
    assert.equal(await permissions.requestPermission('media'), true, 'without handlers the default grants');
    denyAllPermissions();
    for (const permission of ['media', 'notifications', 'geolocation', 'clipboard-read', 'openExternal']) {
      assert.equal(await permissions.requestPermission(permission), false, `request for ${permission}`);
      assert.equal(permissions.checkPermission(permission), false, `check of ${permission}`);
    }
  });

  describe('stand-in Electron: the IPC sender check', () => {
    test('accepts our window’s top frame on our entry URL', () => {
      const { window, isTrustedSender } = openWindow();
      assert.equal(isTrustedSender(invokeEvent(topFrameOf(window))), true);
    });

    test('refuses a sub-frame of our window, even on our URL', () => {
      const { window, isTrustedSender } = openWindow();
      const frame = new StandInFrame(ENTRY_URL, window.webContents.mainFrame);
      assert.equal(isTrustedSender(invokeEvent({ sender: window.webContents, senderFrame: frame })), false);
    });

    test('refuses another web contents showing our URL', () => {
      const { isTrustedSender } = openWindow();
      const other = new StandInWebContents();
      other.mainFrame.url = ENTRY_URL;
      assert.equal(isTrustedSender(invokeEvent({ sender: other, senderFrame: other.mainFrame })), false);
      const { window: second } = openWindow();
      assert.equal(isTrustedSender(invokeEvent(topFrameOf(second))), false, 'another of our own windows');
    });

    test('refuses our top frame once it shows another page', () => {
      const { window, isTrustedSender } = openWindow();
      window.webContents.mainFrame.url = 'https://attacker.example/';
      assert.equal(isTrustedSender(invokeEvent(topFrameOf(window))), false);
    });

    test('refuses a destroyed window', () => {
      const { window, isTrustedSender } = openWindow();
      window.destroy();
      assert.equal(isTrustedSender(invokeEvent(topFrameOf(window))), false);
    });

    test('refuses a call without a frame', () => {
      const { window, isTrustedSender } = openWindow();
      assert.equal(isTrustedSender(invokeEvent({ sender: window.webContents, senderFrame: null })), false);
    });
  });

  test('stand-in Electron: registerAuthHandlers registers exactly the contract’s request channels', () => {
    const { isTrustedSender } = openWindow();
    const unregister = registerAuthHandlers(handlerTable().handlers, isTrustedSender);
    try {
      assert.deepEqual([...ipcMain.handlers.keys()].sort(), REQUEST_CHANNELS);
    } finally {
      unregister();
    }
    assert.equal(ipcMain.handlers.size, 0, 'unregistering removes every handler');
  });

  test('stand-in Electron: a handler runs only for our window’s top frame, and only without arguments', async () => {
    const { window, isTrustedSender } = openWindow();
    const { handlers, setupChecks } = handlerTable();
    const unregister = registerAuthHandlers(handlers, isTrustedSender);
    try {
      const ours = topFrameOf(window);
      const stranger = new StandInWebContents();
      stranger.mainFrame.url = ENTRY_URL;
      const untrusted: IpcSender[] = [
        { sender: stranger, senderFrame: stranger.mainFrame },
        { sender: window.webContents, senderFrame: new StandInFrame(ENTRY_URL, window.webContents.mainFrame) },
        { sender: window.webContents, senderFrame: null },
      ];
      for (const channel of REQUEST_CHANNELS) {
        for (const from of untrusted) {
          await assert.rejects(ipcMain.invoke(channel, from), /Refused: untrusted sender/, channel);
        }
        await assert.rejects(ipcMain.invoke(channel, ours, 'extra'), /Refused: unexpected arguments/, channel);
        await assert.rejects(ipcMain.invoke(channel, ours, undefined), /Refused: unexpected arguments/, channel);
      }
      assert.equal(setupChecks(), 0, 'no refused call reached its handler');
      assert.deepEqual(await ipcMain.invoke(AUTH_CHANNELS.checkSetup, ours), {
        ok: true,
        value: { ok: true, checks: [] },
      });
      assert.equal(setupChecks(), 1);
    } finally {
      unregister();
    }
  });

  test('stand-in Electron: the preload exposes exactly the contract as window.auth, each method on its own channel', async () => {
    const { window, isTrustedSender } = openWindow();
    standIn.page = window.webContents;
    const unregister = registerAuthHandlers(handlerTable().handlers, isTrustedSender);
    try {
      await import('../../src/preload/preload.js');
      assert.deepEqual([...standIn.exposed.keys()], ['auth']);
      // Exposed by the preload as AuthBridge; checked member by member below.
      const bridge = standIn.exposed.get('auth') as AuthBridge;
      const requestMethods = (Object.keys(AUTH_CHANNELS) as (keyof typeof AUTH_CHANNELS)[]).filter(
        (name) => !(EVENT_CHANNELS as readonly string[]).includes(AUTH_CHANNELS[name]),
      );
      assert.deepEqual(Object.keys(bridge).sort(), [...requestMethods, 'onStateChange'].sort());
      assert.ok(
        Object.values(bridge).every((member) => typeof member === 'function'),
        'only functions: no ipcRenderer or other object reaches the page',
      );

      for (const name of requestMethods) {
        const before = ipcMain.invocations.length;
        await bridge[name as Exclude<keyof AuthBridge, 'onStateChange'>]();
        assert.deepEqual(ipcMain.invocations.slice(before), [{ channel: AUTH_CHANNELS[name], args: [] }], name);
      }

      const states: AuthState[] = [];
      const stop = bridge.onStateChange((state) => states.push(state));
      send(window.webContents, AUTH_CHANNELS.stateChanged, { status: 'signed-out' });
      stop();
      send(window.webContents, AUTH_CHANNELS.stateChanged, {
        status: 'signed-out',
        reason: { code: 'unexpected', message: 'after unsubscribing' },
      });
      assert.deepEqual(states, [{ status: 'signed-out' }]);
    } finally {
      unregister();
    }
  });

  test('stand-in Electron: state is not sent to a destroyed window', () => {
    const { window } = openWindow();
    window.destroy();
    assert.doesNotThrow(() => send(window.webContents, AUTH_CHANNELS.stateChanged, { status: 'signed-out' }));
    assert.deepEqual(window.webContents.sent, []);
  });
});
