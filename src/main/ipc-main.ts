import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { AUTH_CHANNEL_PREFIX, type AuthEvents } from '../shared/ipc-contract.js';
import type { AuthHandlers } from './auth/ipc-handlers.js';

/** Decides whether an IPC message really comes from our own window's top frame. */
export type SenderCheck = (event: IpcMainInvokeEvent) => boolean;

/**
 * Registers every handler of the contract. Before a handler runs, the channel prefix, the
 * sender (our window's top-level frame on our own URL, Electron checklist #17) and the
 * arguments (none are accepted today) are checked, as VS Code's main-side IPC does.
 */
export function registerAuthHandlers(handlers: AuthHandlers, isTrustedSender: SenderCheck): () => void {
  const channels = Object.keys(handlers) as (keyof AuthHandlers)[];
  for (const channel of channels) {
    if (!channel.startsWith(AUTH_CHANNEL_PREFIX))
      throw new Error(`IPC channel ${channel} lacks the ${AUTH_CHANNEL_PREFIX} prefix`);
    ipcMain.handle(channel, async (event, ...args: unknown[]) => {
      if (!isTrustedSender(event)) throw new Error('Refused: untrusted sender');
      if (args.length > 0) throw new Error('Refused: unexpected arguments');
      return handlers[channel]();
    });
  }
  return () => channels.forEach((channel) => ipcMain.removeHandler(channel));
}

/** Sends an event of the shared contract to one window. */
export function send<C extends keyof AuthEvents>(target: WebContents, channel: C, payload: AuthEvents[C]): void {
  if (!target.isDestroyed()) target.send(channel, payload);
}
