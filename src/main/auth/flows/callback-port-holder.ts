import type { SignedOutPage } from '../loopback/signed-out-page.js';

/**
 * Holds what keeps the registered callback port busy between operations: a finished login's
 * server, lingering for the tab's last page, or a logout's signed-out page. Whoever needs the
 * port next (a login, a logout) releases it first.
 */
export interface CallbackPortHolder {
  holdCallbackServer(server: { close(): Promise<void> }): void;
  holdSignedOutPage(page: SignedOutPage): void;
  /** Closes both and forgets them, freeing the port for the next login or logout. */
  release(): Promise<void>;
  /** Closes both as the app quits. */
  close(): Promise<void>;
}

/** Creates an empty holder. */
export function createCallbackPortHolder(): CallbackPortHolder {
  let callbackServer: { close(): Promise<void> } | undefined;
  let signedOutPage: SignedOutPage | undefined;
  return {
    holdCallbackServer(server) {
      callbackServer = server;
    },
    holdSignedOutPage(page) {
      signedOutPage = page;
    },
    async release() {
      signedOutPage?.close();
      signedOutPage = undefined;
      const server = callbackServer;
      callbackServer = undefined;
      await server?.close();
    },
    async close() {
      signedOutPage?.close();
      await callbackServer?.close();
    },
  };
}
