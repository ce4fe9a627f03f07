import { EventEmitter } from 'node:events';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { IpcMainInvokeEvent } from 'electron';
import { APP_DATA_VARIABLE, PACKAGED_VARIABLE, type MenuItemDescription, type StandInReport } from './protocol.js';

/**
 * A stand-in for the `electron` module under plain Node, for testing the shell's own code
 * (src/main/*.ts, and the built dist/main/main.js). register.ts maps the bare specifier
 * `electron` here. It models only what the app uses, records every call, and lets tests
 * play Chromium's part (navigations, IPC from a frame, permission prompts). Passing tests
 * prove our wiring against this model, never that the app runs in Electron.
 */

/** An Electron-style event a listener can cancel with `preventDefault()`. */
export interface CancellableEvent {
  defaultPrevented: boolean;
  preventDefault(): void;
}

function cancellable<T extends object>(extra: T): CancellableEvent & T {
  return {
    ...extra,
    defaultPrevented: false,
    preventDefault() {
      this.defaultPrevented = true;
    },
  };
}

/** A frame (Electron's WebFrameMain): a window's top frame, or one inside it. */
export class StandInFrame {
  constructor(
    public url: string,
    readonly parent: StandInFrame | null = null,
  ) {}
}

type RendererListener = (event: { sender: unknown }, ...args: unknown[]) => void;

/** What the window-open handler gets and answers (Electron's HandlerDetails / WindowOpenHandlerResponse). */
export interface WindowOpenDetails {
  readonly url: string;
  readonly frameName: string;
  readonly features: string;
  readonly disposition: 'default' | 'foreground-tab' | 'background-tab' | 'new-window' | 'other';
}
export type WindowOpenHandler = (details: WindowOpenDetails) => { action: 'allow' | 'deny' };

/** A window's web contents. */
export class StandInWebContents extends EventEmitter {
  readonly mainFrame = new StandInFrame('about:blank');
  /** Everything main sent to this page, in order. */
  readonly sent: Array<{ channel: string; args: unknown[] }> = [];
  windowOpenHandler: WindowOpenHandler | undefined;
  destroyed = false;
  /** Listeners the page's preload added with ipcRenderer.on. */
  readonly rendererListeners = new EventEmitter();

  constructor() {
    super();
    // Electron announces every new web contents (a window's, a webview's, DevTools') on app.
    app.emit('web-contents-created', cancellable({}), this);
  }

  send(channel: string, ...args: unknown[]): void {
    // Electron throws "Object has been destroyed" here; so does the stand-in.
    if (this.destroyed) throw new Error('Object has been destroyed');
    this.sent.push({ channel, args });
    standIn.report({ type: 'send', channel, payload: args[0] });
    this.rendererListeners.emit(channel, { sender: ipcRenderer }, ...args);
  }

  setWindowOpenHandler(handler: WindowOpenHandler): void {
    this.windowOpenHandler = handler;
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  /** Test side: Chromium is about to navigate the top frame; true when a listener prevented it. */
  attemptNavigation(kind: 'will-navigate' | 'will-redirect', url: string): boolean {
    const event = cancellable({ url, isMainFrame: true, frame: this.mainFrame });
    this.emit(kind, event, url);
    return event.defaultPrevented;
  }

  /** Test side: the page adds a <webview>; true when a listener prevented it (Electron attaches it otherwise). */
  attemptAttachWebview(src: string): boolean {
    const event = cancellable({});
    this.emit('will-attach-webview', event, {}, { src });
    return event.defaultPrevented;
  }

  /** Test side: the page calls window.open or follows a target=_blank link. Electron allows it without a handler. */
  requestWindowOpen(url: string): { action: 'allow' | 'deny' } {
    return (
      this.windowOpenHandler?.({ url, frameName: '', features: '', disposition: 'foreground-tab' }) ?? {
        action: 'allow',
      }
    );
  }
}

/** The options the app passed to `new BrowserWindow`, as far as the stand-in looks at them. */
export type WindowOptions = Readonly<Record<string, unknown>>;

/** A window. Shown once ready-to-show has fired after loadFile and the app called show(). */
export class BrowserWindow extends EventEmitter {
  readonly webContents = new StandInWebContents();
  readonly options: WindowOptions;
  loadedFile: string | undefined;
  visible = false;
  minimized = false;
  focused = false;

  constructor(options: WindowOptions = {}) {
    super();
    if (standIn.windowError) throw standIn.windowError;
    this.options = options;
    standIn.windows.push(this);
    standIn.report({ type: 'window-created', options });
  }

  loadFile(path: string): Promise<void> {
    this.loadedFile = path;
    this.webContents.mainFrame.url = pathToFileURL(path).href;
    // Chromium paints later; ready-to-show comes after the load call returns.
    setImmediate(() => {
      if (!this.isDestroyed()) this.emit('ready-to-show', {});
    });
    return Promise.resolve();
  }

  show(): void {
    this.visible = true;
  }
  focus(): void {
    this.focused = true;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  minimize(): void {
    this.minimized = true;
  }
  restore(): void {
    this.minimized = false;
  }
  isDestroyed(): boolean {
    return this.webContents.destroyed;
  }

  /** Closes the window at once, as Electron's destroy() does. */
  destroy(): void {
    this.webContents.destroyed = true;
    this.emit('closed');
    if (standIn.windows.every((window) => window.isDestroyed())) app.emit('window-all-closed');
  }
}

type InvokeListener = (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>;

/** Where an IPC message comes from: a web contents and one of its frames (or none). */
export interface IpcSender {
  readonly sender: StandInWebContents;
  readonly senderFrame: StandInFrame | null;
}

/** The event main's handler gets for a call from `from`. */
export function invokeEvent(from: IpcSender): IpcMainInvokeEvent {
  // The shell reads only sender and senderFrame; the rest of Electron's event is never consulted.
  return { ...from, frameId: 1, processId: 1, type: 'frame' } as unknown as IpcMainInvokeEvent;
}

class StandInIpcMain {
  readonly handlers = new Map<string, InvokeListener>();
  /** Every call that reached main, in order, whether or not a handler answered it. */
  readonly invocations: Array<{ channel: string; args: unknown[] }> = [];

  handle(channel: string, listener: InvokeListener): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
    standIn.report({ type: 'handle', channel });
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel);
    standIn.report({ type: 'remove-handler', channel });
  }

  /** Test side: what a page's `ipcRenderer.invoke(channel, ...args)` reaches in main. */
  invoke(channel: string, from: IpcSender, ...args: unknown[]): Promise<unknown> {
    this.invocations.push({ channel, args });
    const listener = this.handlers.get(channel);
    if (!listener) return Promise.reject(new Error(`No handler registered for '${channel}'`));
    return listener(invokeEvent(from), ...args);
  }
}

type PermissionRequestHandler = (
  webContents: unknown,
  permission: string,
  callback: (granted: boolean) => void,
  details: unknown,
) => void;
type PermissionCheckHandler = (
  webContents: unknown,
  permission: string,
  requestingOrigin: string,
  details: unknown,
) => boolean;

class StandInSession {
  requestHandler: PermissionRequestHandler | null = null;
  checkHandler: PermissionCheckHandler | null = null;

  setPermissionRequestHandler(handler: PermissionRequestHandler | null): void {
    this.requestHandler = handler;
  }
  setPermissionCheckHandler(handler: PermissionCheckHandler | null): void {
    this.checkHandler = handler;
  }

  /** Test side: a page asks for a permission; Electron grants it when no handler is set. */
  requestPermission(permission: string): Promise<boolean> {
    const handler = this.requestHandler;
    if (!handler) return Promise.resolve(true);
    return new Promise((resolve) => handler(null, permission, resolve, {}));
  }

  /** Test side: a page checks a permission synchronously; Electron says yes when no handler is set. */
  checkPermission(permission: string): boolean {
    return this.checkHandler?.(null, permission, 'file://', {}) ?? true;
  }
}

const PATH_NAMES = ['home', 'appData', 'userData', 'temp'] as const;
type PathName = (typeof PATH_NAMES)[number];

class StandInApp extends EventEmitter {
  /** Electron's is read-only; here a test may flip it, and PACKAGED_VARIABLE sets it for an app process. */
  isPackaged = process.env[PACKAGED_VARIABLE] === '1';
  /** Set by enableSandbox(). */
  sandboxEnabled = false;
  private readonly paths: Record<PathName, string>;
  private markReady: () => void = () => undefined;
  private readonly readyPromise = new Promise<void>((resolve) => (this.markReady = resolve));
  private ready = false;
  private readyWhenAsked = false;
  private lockFile: string | undefined;

  constructor() {
    super();
    // Every instance shares the default userData, as every copy of one app shares ~/.config/<name>.
    const appData = process.env[APP_DATA_VARIABLE] ?? join(tmpdir(), 'electron-stand-in-app-data');
    this.paths = { home: homedir(), appData, userData: join(appData, 'Desktop Login'), temp: tmpdir() };
  }

  /** Test side: Electron has finished starting; whenReady() resolves and 'ready' fires. */
  becomeReady(): void {
    if (this.ready) return;
    this.ready = true;
    this.markReady();
    this.emit('ready', {});
  }

  /** Test side: from now on the first whenReady() call makes the app ready on the next turn. */
  becomeReadyWhenAsked(): void {
    this.readyWhenAsked = true;
  }

  whenReady(): Promise<void> {
    if (this.readyWhenAsked && !this.ready) setImmediate(() => this.becomeReady());
    return this.readyPromise;
  }

  /** As in Electron, only before ready. */
  enableSandbox(): void {
    if (this.ready) throw new Error('app.enableSandbox() can only be called before app is ready');
    this.sandboxEnabled = true;
    standIn.report({ type: 'enable-sandbox' });
  }

  isReady(): boolean {
    return this.ready;
  }

  getPath(name: string): string {
    if (!isPathName(name)) throw new Error(`Failed to get '${name}' path`);
    return this.paths[name];
  }

  /** As documented for Electron: only known names, absolute paths, existing folders. */
  setPath(name: string, path: string): void {
    if (!isPathName(name)) throw new Error(`Failed to set path for '${name}'`);
    if (!isAbsolute(path)) throw new Error('Path must be absolute');
    if (!statSync(path, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`Failed to set path: ${path}`);
    this.paths[name] = path;
  }

  /** Scoped to userData, as in Electron: a lock file holding the owner's pid, removed when it exits. */
  requestSingleInstanceLock(): boolean {
    const userData = this.paths.userData;
    mkdirSync(userData, { recursive: true });
    const lockFile = join(userData, 'SingletonLock');
    const granted = this.lockFile === lockFile || takeLock(lockFile);
    if (granted && this.lockFile === undefined) {
      this.lockFile = lockFile;
      process.once('exit', () => rmSync(lockFile, { force: true }));
    }
    standIn.report({ type: 'single-instance-lock', userData, granted });
    return granted;
  }

  quit(): void {
    if (standIn.exitCode !== undefined) return;
    standIn.report({ type: 'quit-requested' });
    const beforeQuit = cancellable({});
    this.emit('before-quit', beforeQuit);
    if (beforeQuit.defaultPrevented) return;
    // Electron closes the windows first, then asks again.
    setImmediate(() => {
      const willQuit = cancellable({});
      this.emit('will-quit', willQuit);
      if (willQuit.defaultPrevented) return;
      this.emit('quit', cancellable({}), 0);
      standIn.finish(0, 'quit');
    });
  }

  /** Ends at once: no before-quit, will-quit or quit events. */
  exit(code = 0): void {
    if (standIn.exitCode !== undefined) return;
    standIn.finish(code, 'exit');
  }
}

function isPathName(name: string): name is PathName {
  return (PATH_NAMES as readonly string[]).includes(name);
}

function takeLock(lockFile: string): boolean {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(readFileSync(lockFile, 'utf8'));
    if (isRunning(holder)) return false;
    rmSync(lockFile, { force: true });
  }
  return false;
}

function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The test's handle on the stand-in: records, knobs, and hooks into the host process. */
export const standIn = {
  /** Every window the app created, in order. */
  windows: [] as BrowserWindow[],
  /** URLs the app handed to the system browser. */
  openedExternally: [] as string[],
  clipboardText: undefined as string | undefined,
  /** The application menu: Electron's default (with its View > Toggle Developer Tools) until the app sets one. */
  applicationMenu: 'electron-default' as Menu | null | 'electron-default',
  /** Every message box the app showed, in order. */
  messageBoxes: [] as MessageBoxOptions[],
  /** When set, the BrowserWindow constructor throws it (a window that cannot be created). */
  windowError: undefined as Error | undefined,
  /** The web contents a preload runs in, for contextBridge and ipcRenderer. */
  page: undefined as StandInWebContents | undefined,
  /** What the preload exposed with contextBridge, by key. */
  exposed: new Map<string, unknown>(),
  /** Set once the app quit or exited. */
  exitCode: undefined as number | undefined,
  /** Sees every report; remote-control.ts forwards them to the test process. */
  observer: undefined as ((report: StandInReport) => void) | undefined,
  /** Ends the host process; a no-op under node:test, so a test's quit never ends the test runner. */
  exitProcess: (_code: number): void => undefined,

  report(report: StandInReport): void {
    this.observer?.(report);
  },

  finish(code: number, via: 'quit' | 'exit'): void {
    this.exitCode = code;
    this.report({ type: 'exit', code, via });
    this.exitProcess(code);
  },

  /** The top frame of the app's (first) window. */
  mainWindow(): BrowserWindow {
    const window = this.windows[0];
    if (!window) throw new Error('the app has not created a window');
    return window;
  },
};

export const app = new StandInApp();
export const ipcMain = new StandInIpcMain();
export const session = { defaultSession: new StandInSession() };

export const shell = {
  openExternal(url: string): Promise<void> {
    standIn.openedExternally.push(url);
    standIn.report({ type: 'open-external', url });
    return Promise.resolve();
  },
};

export const clipboard = {
  writeText(text: string): void {
    standIn.clipboardText = text;
    standIn.report({ type: 'clipboard', text });
  },
  readText(): string {
    return standIn.clipboardText ?? '';
  },
  clear(): void {
    standIn.clipboardText = '';
    standIn.report({ type: 'clipboard', text: '' });
  },
};

/** What the app passes to `dialog.showMessageBox`, as far as the stand-in looks at it. */
export interface MessageBoxOptions {
  readonly type?: string;
  readonly title?: string;
  readonly message: string;
  readonly detail?: string;
}

export const dialog = {
  /** Records the box and answers as if its first button was pressed. */
  showMessageBox(
    windowOrOptions: BrowserWindow | MessageBoxOptions,
    maybeOptions?: MessageBoxOptions,
  ): Promise<{ response: number; checkboxChecked: boolean }> {
    const options = windowOrOptions instanceof BrowserWindow ? maybeOptions : windowOrOptions;
    if (!options) throw new TypeError('showMessageBox needs options');
    standIn.messageBoxes.push(options);
    const { type, title, message, detail } = options;
    standIn.report({ type: 'message-box', options: { type, title, message, detail } });
    return Promise.resolve({ response: 0, checkboxChecked: false });
  },
};

/** A menu item template, as far as the stand-in looks at it (Electron's MenuItemConstructorOptions). */
export interface MenuItemTemplate {
  readonly label?: string;
  readonly role?: string;
  readonly type?: string;
  readonly enabled?: boolean;
  readonly click?: (...args: unknown[]) => void;
  readonly submenu?: readonly MenuItemTemplate[];
}

/** A built menu item. */
export class MenuItem {
  readonly label: string | undefined;
  readonly role: string | undefined;
  readonly type: string;
  readonly enabled: boolean;
  readonly submenu: Menu | undefined;
  private readonly onClick: ((...args: unknown[]) => void) | undefined;

  constructor(template: MenuItemTemplate) {
    this.label = template.label;
    this.role = template.role;
    this.type = template.type ?? (template.submenu ? 'submenu' : 'normal');
    this.enabled = template.enabled ?? true;
    this.submenu = template.submenu ? Menu.buildFromTemplate(template.submenu) : undefined;
    this.onClick = template.click;
  }

  /** Test side: the person picks the item; Electron calls click(menuItem, window, event) only when enabled. */
  click(): void {
    if (this.enabled) this.onClick?.(this, undefined, {});
  }

  describe(): MenuItemDescription {
    return {
      ...(this.label !== undefined ? { label: this.label } : {}),
      ...(this.role !== undefined ? { role: this.role } : {}),
      type: this.type,
      enabled: this.enabled,
      ...(this.submenu ? { submenu: this.submenu.describe() } : {}),
    };
  }
}

/** A menu (Electron's Menu): built from a template, set as the application menu. */
export class Menu {
  constructor(readonly items: readonly MenuItem[]) {}

  static buildFromTemplate(template: readonly MenuItemTemplate[]): Menu {
    return new Menu(template.map((item) => new MenuItem(item)));
  }

  static setApplicationMenu(menu: Menu | null): void {
    standIn.applicationMenu = menu;
    standIn.report({ type: 'application-menu', menu: menu?.describe() ?? null });
  }

  static getApplicationMenu(): Menu | null {
    return standIn.applicationMenu === 'electron-default' ? null : standIn.applicationMenu;
  }

  /** Test side: every item, submenus included, depth first. */
  allItems(): MenuItem[] {
    return this.items.flatMap((item) => [item, ...(item.submenu?.allItems() ?? [])]);
  }

  describe(): MenuItemDescription[] {
    return this.items.map((item) => item.describe());
  }
}

interface StandInIpcRenderer {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: RendererListener): StandInIpcRenderer;
  off(channel: string, listener: RendererListener): StandInIpcRenderer;
}

/** The renderer half, for loading the preload: it talks to `standIn.page` and the stand-in ipcMain. */
export const ipcRenderer: StandInIpcRenderer = {
  invoke(channel, ...args) {
    const page = requirePage();
    return ipcMain.invoke(channel, { sender: page, senderFrame: page.mainFrame }, ...args);
  },
  on(channel, listener) {
    requirePage().rendererListeners.on(channel, listener);
    return ipcRenderer;
  },
  off(channel, listener) {
    requirePage().rendererListeners.off(channel, listener);
    return ipcRenderer;
  },
};

export const contextBridge = {
  exposeInMainWorld(key: string, api: unknown): void {
    if (standIn.exposed.has(key)) throw new Error(`Cannot bind an API on top of an existing property: ${key}`);
    standIn.exposed.set(key, api);
  },
};

function requirePage(): StandInWebContents {
  if (!standIn.page) throw new Error('set standIn.page to the web contents the preload runs in');
  return standIn.page;
}
