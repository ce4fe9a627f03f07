import { contextBridge } from 'electron';
import {
  BRIDGE_LISTENERS,
  BRIDGE_REQUESTS,
  type AuthBridge,
  type BridgeListener,
  type BridgeRequest,
  type ListenerMethod,
  type RequestMethod,
} from '../shared/ipc-contract.js';
import { invoke, subscribe } from './ipc-renderer.js';

function requestMethod<M extends RequestMethod>(method: M): BridgeRequest<M> {
  const channel = BRIDGE_REQUESTS[method];
  // Whatever the page passes stays here: requests take no arguments.
  return () => invoke(channel);
}

function listenerMethod<L extends ListenerMethod>(method: L): BridgeListener<L> {
  const channel = BRIDGE_LISTENERS[method];
  return (listener) => subscribe(channel, listener);
}

// Exactly the contract's methods, each made from its own entry of the contract's tables: no
// ipcRenderer, no channel names, no Node APIs reach the page, and no method is bound by hand.
// Object.keys and Object.fromEntries forget which key holds which type; the casts are sound
// because the keys are the tables' own and each value was made for its key above.
const bridge = Object.fromEntries([
  ...(Object.keys(BRIDGE_REQUESTS) as RequestMethod[]).map((method) => [method, requestMethod(method)]),
  ...(Object.keys(BRIDGE_LISTENERS) as ListenerMethod[]).map((method) => [method, listenerMethod(method)]),
]) as AuthBridge;

contextBridge.exposeInMainWorld('auth', bridge);
