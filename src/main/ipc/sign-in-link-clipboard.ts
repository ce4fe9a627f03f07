import type { AuthState } from '../../shared/auth-state.js';
import type { AuthService } from '../auth/flows/auth-service.js';
import type { ShellActions } from './ipc-handlers.js';

/**
 * Clears a copied sign-in link from the clipboard once the sign-in ends. The link carries the
 * login's state and PKCE challenge, and every program can read the clipboard; whatever the
 * person has copied over it meanwhile is theirs and stays (DESIGN checklist 9: no login secret
 * left lying about).
 */
export interface SignInLinkClipboard {
  /** `link` was just written to the clipboard during a sign-in of `service`. */
  clearWhenSignInEnds(service: AuthService, link: string): void;
}

/** Creates the watcher; it owns the copied link and its subscription to the state. */
export function createSignInLinkClipboard(clipboard: ShellActions): SignInLinkClipboard {
  let copiedLink: string | undefined;
  let stopWatching: (() => void) | undefined;
  return {
    clearWhenSignInEnds(service, link) {
      copiedLink = link;
      if (stopWatching) return;
      const onState = (state: AuthState): void => {
        if (state.status === 'signing-in' || copiedLink === undefined) return;
        stopWatching?.();
        stopWatching = undefined;
        const ours = copiedLink;
        copiedLink = undefined;
        void clearClipboardIfItHolds(clipboard, ours);
      };
      stopWatching = service.subscribe(onState);
      // The sign-in may have ended while the link was being written.
      onState(service.getState());
    },
  };
}

/** Clears the clipboard if it still holds `text`; the clipboard is best effort, so failures are ignored. */
async function clearClipboardIfItHolds(clipboard: ShellActions, text: string): Promise<void> {
  try {
    if ((await clipboard.readClipboard()) === text) await clipboard.clearClipboard();
  } catch {
    // A clipboard that cannot be read or cleared is left as it is.
  }
}
