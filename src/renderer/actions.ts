import type { AuthBridge, IpcResult, SetupReport } from '../shared/ipc-contract.js';

declare global {
  interface Window {
    readonly auth: AuthBridge;
  }
}

/** What the last button press left to show, kept while the state stays the same. */
export type Notice =
  | { readonly kind: 'api' | 'copied' | 'failure'; readonly text: string }
  | { readonly kind: 'setup'; readonly report: SetupReport };

/** Calls whose buttons show that they are running and ignore presses until they are done. */
export type BusyAction = 'call-api' | 'logout' | 'check-setup' | 'switch-account';

let notice: Notice | undefined;
const running = new Set<BusyAction>();
/** Main's re-render: of the state it shows, or (`fetch`) of the state main has now. */
let renderAgain: (fetch: boolean) => void = () => undefined;

/** Sets how the window re-renders when an action starts or settles. */
export function onActionsChanged(listener: (fetch: boolean) => void): void {
  renderAgain = listener;
}

/** The notice to show under the current state, if any. */
export function currentNotice(): Notice | undefined {
  return notice;
}

/** Forgets the notice: it belonged to a state that is gone. */
export function clearNotice(): void {
  notice = undefined;
}

/** Whether `action` is running, so its button shows it. */
export function isBusy(action: BusyAction): boolean {
  return running.has(action);
}

/** Runs a bridge call; a typed failure shows as a notice, a success may leave one. Never rejects. */
function settle<T>(call: Promise<IpcResult<T>>, onSuccess?: (value: T) => Notice): Promise<void> {
  return call.then(
    (result) => {
      if (result.ok) {
        if (onSuccess) notice = onSuccess(result.value);
      } else {
        notice = { kind: 'failure', text: result.message };
      }
    },
    () => {
      notice = { kind: 'failure', text: 'The app did not answer. Try again.' };
    },
  );
}

function act<T>(call: Promise<IpcResult<T>>, onSuccess?: (value: T) => Notice): void {
  void settle(call, onSuccess).then(() => renderAgain(true));
}

/**
 * Runs `start` unless `action` is already running: a second press (a double click, Enter held
 * down) sends nothing. The button shows the busy state from the press until the call settles.
 */
function actOnce<T>(action: BusyAction, start: () => Promise<IpcResult<T>>, onSuccess?: (value: T) => Notice): void {
  if (running.has(action)) return;
  running.add(action);
  renderAgain(false);
  void settle(start(), onSuccess).then(() => {
    running.delete(action);
    renderAgain(true);
  });
}

/** Login and Try again. */
export function login(): void {
  act(window.auth.login());
}

/** "Create an account": the provider's sign-up page instead of its login page. */
export function signUp(): void {
  act(window.auth.signUp());
}

/** "Sign in with a different account" while signed out: the provider asks who, even when it remembers someone. */
export function loginWithOtherAccount(): void {
  act(window.auth.loginWithOtherAccount());
}

/**
 * "Sign in with a different account" while signed in: busy from the press until main answers, so a
 * second press cannot start a second sign-in while the browser is opening.
 */
export function switchAccount(): void {
  actOnce('switch-account', () => window.auth.loginWithOtherAccount());
}

/** Cancel, and Escape while signing in. */
export function cancelLogin(): void {
  act(window.auth.cancelLogin());
}

/** Opens the same sign-in page in the browser once more. */
export function reopenBrowser(): void {
  act(window.auth.reopenBrowser());
}

/** Main copies the link; the renderer never holds it. */
export function copySignInLink(): void {
  act(window.auth.copySignInLink(), () => ({
    kind: 'copied',
    // Main clears the link from the clipboard when the sign-in ends; the person should know.
    text: 'Sign-in link copied. Paste it into your browser. It is cleared from the clipboard when the sign-in ends.',
  }));
}

/** Logout: busy until main answers, by which time the state has moved on to signed out. */
export function logout(): void {
  actOnce('logout', () => window.auth.logout());
}

/** "Call API": the demo API's JSON answer shows below the buttons. */
export function callApi(): void {
  actOnce(
    'call-api',
    () => window.auth.callApi(),
    (value) => ({ kind: 'api', text: JSON.stringify(value.body, null, 2) }),
  );
}

/** "Check my setup": the same checklist as `npm run doctor`. */
export function checkSetup(): void {
  actOnce(
    'check-setup',
    () => window.auth.checkSetup(),
    (report) => ({ kind: 'setup', report }),
  );
}
