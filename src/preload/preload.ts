import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { AuthState } from '../shared/auth-state.js';
import { AUTH_CHANNELS, type AuthBridge } from '../shared/ipc-contract.js';

// Exactly the contract's methods: no ipcRenderer, no channel names, no Node APIs reach the page.
const bridge: AuthBridge = {
  getState: () => ipcRenderer.invoke(AUTH_CHANNELS.getState),
  getAppInfo: () => ipcRenderer.invoke(AUTH_CHANNELS.getAppInfo),
  login: () => ipcRenderer.invoke(AUTH_CHANNELS.login),
  cancelLogin: () => ipcRenderer.invoke(AUTH_CHANNELS.cancelLogin),
  reopenBrowser: () => ipcRenderer.invoke(AUTH_CHANNELS.reopenBrowser),
  copySignInLink: () => ipcRenderer.invoke(AUTH_CHANNELS.copySignInLink),
  logout: () => ipcRenderer.invoke(AUTH_CHANNELS.logout),
  callApi: () => ipcRenderer.invoke(AUTH_CHANNELS.callApi),
  checkSetup: () => ipcRenderer.invoke(AUTH_CHANNELS.checkSetup),
  onStateChange(listener) {
    const wrapped = (_event: IpcRendererEvent, state: AuthState): void => listener(state);
    ipcRenderer.on(AUTH_CHANNELS.stateChanged, wrapped);
    return () => {
      ipcRenderer.off(AUTH_CHANNELS.stateChanged, wrapped);
    };
  },
};

contextBridge.exposeInMainWorld('auth', bridge);
