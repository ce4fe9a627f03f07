import { ipcRenderer, type IpcRendererEvent } from 'electron';
import type { AuthEvents, EventChannel, RequestChannel, ResultOf } from '../shared/ipc-contract.js';

/** Invokes a request channel of the contract; the answer has the type the contract gives that channel. */
export function invoke<C extends RequestChannel>(channel: C): Promise<ResultOf<C>> {
  // Electron types every answer `any`; this is the one place it gets a type. The cast is sound
  // because main answers `channel` only with the handler of a table typed AuthHandlers, derived from
  // the same contract, and structured cloning hands that plain data over unchanged. The channel
  // mark in ResultOf is optional and type-only, so no value ever has to carry it.
  return ipcRenderer.invoke(channel) as Promise<ResultOf<C>>;
}

/** Calls `listener` with each payload main sends on `channel`; returns the unsubscribe function. */
export function subscribe<C extends EventChannel>(channel: C, listener: (payload: AuthEvents[C]) => void): () => void {
  // Electron types event arguments `any`; main sends on `channel` only through `send`, whose payload
  // is typed AuthEvents[C] by the same contract.
  const wrapped = (_event: IpcRendererEvent, payload: AuthEvents[C]): void => listener(payload);
  ipcRenderer.on(channel, wrapped);
  return () => {
    ipcRenderer.off(channel, wrapped);
  };
}
