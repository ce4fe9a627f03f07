import type { IpcMainInvokeEvent, WebContents } from 'electron';
import { AUTH_CHANNEL_PREFIX, type AuthEvents } from '../../shared/ipc-contract.js';
import type { AuthHandlers } from './ipc-handlers.js';

/** Decides whether an IPC message really comes from our own window's top frame. */
export type SenderCheck = (event: IpcMainInvokeEvent) => boolean;

/** The part of Electron's `ipcMain` the registration uses; passed in so plain Node can drive it. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

/**
 * Registers every handler of the contract on `ipc`. Before a handler runs, the channel
 * prefix, the sender (our window's top-level frame on our own URL, Electron checklist #17)
 * and the arguments (none are accepted today) are checked, as VS Code's main-side IPC does.
 */
export function registerAuthHandlersOn(
  ipc: IpcMainLike,
  handlers: AuthHandlers,
  isTrustedSender: SenderCheck,
): () => void {
  const channels = Object.keys(handlers) as (keyof AuthHandlers)[];
  for (const channel of channels) {
    if (!channel.startsWith(AUTH_CHANNEL_PREFIX))
      throw new Error(`IPC channel ${channel} lacks the ${AUTH_CHANNEL_PREFIX} prefix`);
    ipc.handle(channel, async (event, ...args: unknown[]) => {
      if (!isTrustedSender(event)) throw new Error('Refused: untrusted sender');
      if (args.length > 0) throw new Error('Refused: unexpected arguments');
      return handlers[channel]();
    });
  }
  return () => channels.forEach((channel) => ipc.removeHandler(channel));
}

/** What the sender check needs to know about our window. */
export interface TrustedWindow {
  isDestroyed(): boolean;
  readonly webContents: Pick<WebContents, 'mainFrame'>;
}

/**
 * Accepts only IPC from `window`'s own top-level frame while it shows `entryUrl`: not a
 * sub-frame, not another window, not our window after it navigated elsewhere.
 */
export function trustedSenderCheck(window: TrustedWindow, entryUrl: string): SenderCheck {
  return (event) => {
    const frame = event.senderFrame;
    return (
      !window.isDestroyed() &&
      event.sender === window.webContents &&
      frame !== null &&
      frame === window.webContents.mainFrame &&
      frame.url === entryUrl
    );
  };
}

/** Sends an event of the shared contract to one window. */
export function send<C extends keyof AuthEvents>(
  target: Pick<WebContents, 'isDestroyed' | 'send'>,
  channel: C,
  payload: AuthEvents[C],
): void {
  if (!target.isDestroyed()) target.send(channel, payload);
}
