/** An Electron event a listener can cancel. */
export interface PreventableEvent {
  preventDefault(): void;
}

/** The part of Electron's `WebContents` the guard uses; the tests' stand-in provides the same. */
export interface GuardableWebContents {
  on(event: 'will-navigate', listener: (event: PreventableEvent) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown;
  setWindowOpenHandler(handler: () => { action: 'deny' }): void;
}

/**
 * Locks down a web contents, whatever made it. Main installs this from `app`'s
 * `web-contents-created`, so it covers every web contents, not only the window the app means to
 * create (Electron security checklist #13: no navigation; #14: no new windows; #12: no
 * `<webview>`, which `webviewTag: false` already forbids in our window).
 */
export function guardWebContents(contents: GuardableWebContents): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}
