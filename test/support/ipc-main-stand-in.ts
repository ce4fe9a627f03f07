import type { IpcMainInvokeEvent, WebContents } from 'electron';
import type { Frame, Page } from 'playwright-core';
import type { IpcMainLike, TrustedWindow } from '../../src/main/ipc/trusted-ipc.js';
import type { SentEvents } from './preload-in-page.js';

type InvokeListener = Parameters<IpcMainLike['handle']>[1];

/** Electron's `ipcMain` as the real registration uses it, plus the delivery Electron does itself. */
export interface IpcMainStandIn extends IpcMainLike {
  /** Runs the handler registered for `channel`, as Electron does when a renderer invokes it. */
  invoke(event: IpcMainInvokeEvent, channel: unknown, args: unknown[]): Promise<unknown>;
}

/** An `ipcMain` that keeps handlers in a table, with Electron's rules for registering them. */
export function createIpcMainStandIn(): IpcMainStandIn {
  const handlers = new Map<string, InvokeListener>();
  return {
    handle(channel, listener) {
      if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
      handlers.set(channel, listener);
    },
    removeHandler(channel) {
      handlers.delete(channel);
    },
    async invoke(event, channel, args) {
      const handler = typeof channel === 'string' ? handlers.get(channel) : undefined;
      if (!handler) throw new Error(`No handler registered for '${String(channel)}'`);
      return handler(event, ...args);
    },
  };
}

/** What the sender check reads of Electron's `WebFrameMain`. */
export interface FrameStandIn {
  readonly url: string;
}

/** A Playwright page seen as Electron's `webContents` of our window. */
export interface WebContentsStandIn {
  readonly mainFrame: FrameStandIn;
  isDestroyed(): boolean;
  send(channel: string, ...args: unknown[]): void;
  /** The stand-in frame for a Playwright frame: one per frame, always the same object, as Electron's are. */
  frameFor(frame: Frame): FrameStandIn;
  /** The event Electron would hand `ipcMain.handle` for a call from `frame` of this page. */
  invokeEvent(frame: Frame): IpcMainInvokeEvent;
  /** Hands the main frame's document what was sent since its last poll (the page side's `events` binding). */
  nextEvents(frame: Frame): Promise<SentEvents>;
}

/** Wraps `page` as the webContents of a window, with frame stand-ins that map 1:1 to Playwright's frames. */
export function webContentsStandIn(page: Page): WebContentsStandIn {
  const frames = new WeakMap<Frame, FrameStandIn>();
  const frameFor = (frame: Frame): FrameStandIn => {
    let standIn = frames.get(frame);
    if (!standIn) {
      // Read live, as Electron's senderFrame.url is: a frame that navigated reports where it is now.
      standIn = {
        get url() {
          return frame.url();
        },
      };
      frames.set(frame, standIn);
    }
    return standIn;
  };
  const queued: SentEvents = [];
  let waiting: ((batch: SentEvents) => void) | undefined;
  const flush = (): void => {
    if (!waiting || queued.length === 0) return;
    const deliver = waiting;
    waiting = undefined;
    deliver(queued.splice(0));
  };
  const webContents: WebContentsStandIn = {
    mainFrame: frameFor(page.mainFrame()),
    isDestroyed: () => page.isClosed(),
    send(channel, ...args) {
      queued.push([channel, args]);
      flush();
    },
    frameFor,
    invokeEvent(frame) {
      // The check reads only sender and senderFrame; the rest of Electron's event has no meaning
      // outside Electron, hence the cast. A detached frame is null, as in Electron.
      return {
        sender: webContents,
        senderFrame: frame.isDetached() ? null : frameFor(frame),
      } as unknown as IpcMainInvokeEvent;
    },
    nextEvents(frame) {
      // webContents.send reaches the top frame only; a sub-frame's poll never completes.
      if (frame !== page.mainFrame()) return new Promise<SentEvents>(() => undefined);
      return new Promise<SentEvents>((resolve) => {
        // A newer document of the main frame takes over from the one it replaced.
        waiting = resolve;
        flush();
      });
    },
  };
  return webContents;
}

/** Our window as the sender check sees it: the stand-in webContents, destroyed once the page is closed. */
export function trustedWindowStandIn(page: Page, webContents: WebContentsStandIn): TrustedWindow {
  return {
    isDestroyed: () => page.isClosed(),
    // The check compares identities and reads mainFrame.url; Electron's full WebContents type asks for more.
    webContents: webContents as unknown as Pick<WebContents, 'mainFrame'>,
  };
}
