/**
 * The messages between a test and the stand-in Electron module inside an app process started
 * with remote-control.ts (over Node's child-process IPC channel). Plain JSON values only.
 */

/** Which frame an IPC call from the test claims to come from. */
export type SenderKind =
  /** The top frame of the app's own window (the only trusted sender). */
  | 'window'
  /** A frame inside the app's window, showing the same URL. */
  | 'sub-frame'
  /** The top frame of another web contents, showing the same URL. */
  | 'other-contents'
  /** The app's window, but without a frame (it navigated away or was destroyed meanwhile). */
  | 'no-frame';

/** What the stand-in tells the test. */
export type StandInReport =
  | { readonly type: 'single-instance-lock'; readonly userData: string; readonly granted: boolean }
  | { readonly type: 'window-created'; readonly options: unknown }
  | { readonly type: 'handle'; readonly channel: string }
  | { readonly type: 'remove-handler'; readonly channel: string }
  | { readonly type: 'send'; readonly channel: string; readonly payload: unknown }
  | { readonly type: 'open-external'; readonly url: string }
  | { readonly type: 'enable-sandbox' }
  | { readonly type: 'clipboard'; readonly text: string }
  | { readonly type: 'application-menu'; readonly menu: readonly MenuItemDescription[] | null }
  | {
      readonly type: 'message-box';
      readonly options: { type?: string; title?: string; message: string; detail?: string };
    }
  | {
      readonly type: 'web-contents-probe';
      readonly id: number;
      /** Which web contents was probed: the app's window, or one made after the app started. */
      readonly target: 'window' | 'new-contents';
      readonly navigationPrevented: boolean;
      readonly webviewPrevented: boolean;
      readonly windowOpen: 'allow' | 'deny';
    }
  | { readonly type: 'menu-clicked'; readonly id: number; readonly found: boolean }
  | { readonly type: 'quit-requested' }
  | { readonly type: 'exit'; readonly code: number; readonly via: 'quit' | 'exit' }
  | { readonly type: 'unhandled-rejection'; readonly message: string }
  | { readonly type: 'uncaught-exception'; readonly message: string }
  | InvokeResult;

/** The answer to one `invoke` command: what the page's `ipcRenderer.invoke` would get. */
export type InvokeResult =
  | { readonly type: 'invoke-result'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly type: 'invoke-result'; readonly id: number; readonly ok: false; readonly message: string };

/** What the test asks the stand-in to do. */
export type StandInCommand =
  | {
      readonly type: 'invoke';
      readonly id: number;
      readonly channel: string;
      readonly from: SenderKind;
      readonly args: readonly unknown[];
    }
  /** `app.quit()`, as the person quitting (or closing the last window) would. */
  | { readonly type: 'quit' }
  /** Tries a navigation, a <webview> and window.open on a web contents, and reports what was let through. */
  | { readonly type: 'probe-web-contents'; readonly id: number; readonly target: 'window' | 'new-contents' }
  /** The person picks the application menu item with this label. */
  | { readonly type: 'click-menu'; readonly id: number; readonly label: string };

/** A menu item as the stand-in reports it. */
export interface MenuItemDescription {
  readonly label?: string;
  readonly role?: string;
  readonly type: string;
  readonly enabled: boolean;
  readonly submenu?: readonly MenuItemDescription[];
}

/** Environment variable: when set, the stand-in `BrowserWindow` constructor throws an Error with this message. */
export const WINDOW_ERROR_VARIABLE = 'ELECTRON_STAND_IN_WINDOW_ERROR';

/** Environment variable: when '1', the stand-in's `app.isPackaged` is true, as in an installed build. */
export const PACKAGED_VARIABLE = 'ELECTRON_STAND_IN_PACKAGED';

/** Environment variable: the stand-in's `appData` folder, under which the default `userData` lives. */
export const APP_DATA_VARIABLE = 'ELECTRON_STAND_IN_APP_DATA';
