import { ipcMain } from 'electron';
import type { AuthHandlers } from './ipc-handlers.js';
import { registerAuthHandlersOn, type SenderCheck } from './trusted-ipc.js';

export { send } from './trusted-ipc.js';

/** Registers the contract's handlers on Electron's `ipcMain`: the one place that touches it. */
export function registerAuthHandlers(handlers: AuthHandlers, isTrustedSender: SenderCheck): () => void {
  return registerAuthHandlersOn(ipcMain, handlers, isTrustedSender);
}
