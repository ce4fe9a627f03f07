import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { AUTH_CHANNEL_PREFIX, type AuthEvents, type AuthRequests } from '../shared/ipc-contract.js';

/** Decides whether an IPC message really comes from our own window's top frame. */
export type SenderCheck = (event: IpcMainInvokeEvent) => boolean;

/**
 * Registers a handler for a channel of the shared contract. The sender is checked before the
 * handler runs (Electron security checklist #17): only our window's top-level frame, on our
 * own URL, may call.
 */
export function handle<C extends keyof AuthRequests>(
  channel: C,
  isTrustedSender: SenderCheck,
  handler: () => Promise<ReturnType<AuthRequests[C]>> | ReturnType<AuthRequests[C]>,
): void {
  if (!channel.startsWith(AUTH_CHANNEL_PREFIX))
    throw new Error(`IPC channel ${channel} lacks the ${AUTH_CHANNEL_PREFIX} prefix`);
  ipcMain.handle(channel, async (event, ...args: unknown[]) => {
    if (!isTrustedSender(event)) throw new Error('Refused: untrusted sender');
    // No channel takes arguments today; anything sent is a renderer bug or an attack.
    if (args.length > 0) throw new Error('Refused: unexpected arguments');
    return handler();
  });
}

/** Sends an event of the shared contract to one window. */
export function send<C extends keyof AuthEvents>(target: WebContents, channel: C, payload: AuthEvents[C]): void {
  if (!target.isDestroyed()) target.send(channel, payload);
}
