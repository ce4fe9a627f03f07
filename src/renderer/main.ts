import type { AppInfo, AuthState } from '../shared/auth-state.js';
import { cancelLogin, clearNotice, onActionsChanged } from './actions.js';
import { el } from './dom.js';
import { ERROR_PRESENTATION } from './error-presentation.js';
import { errorScreen } from './screens/error-screen.js';
import { signedInScreen } from './screens/signed-in.js';
import { signedOutScreen, signingOutScreen } from './screens/signed-out.js';
import { signingInScreen, stopElapsedClock } from './screens/signing-in.js';

const root = document.getElementById('app') as HTMLElement;
const live = document.getElementById('announce') as HTMLElement;
/** The state on screen; undefined until main first answers. */
let shown: AuthState | undefined;
let info: AppInfo | undefined;

function screenFor(state: AuthState): Node[] {
  switch (state.status) {
    case 'signed-out':
      return signedOutScreen(state);
    case 'signing-in':
      return signingInScreen(state);
    case 'signed-in':
      return signedInScreen(state, info?.issuerHost);
    case 'signing-out':
      return signingOutScreen();
    case 'error':
      return errorScreen(state.error);
  }
}

function render(state: AuthState): void {
  stopElapsedClock();
  const statusChanged = state.status !== shown?.status;
  if (statusChanged) clearNotice();
  shown = state;

  const card = el('section', { className: `card state-${state.status}`, ariaLabel: 'Sign-in status' });
  card.append(...screenFor(state));
  const active = document.activeElement;
  const focusedAction = active instanceof HTMLElement && root.contains(active) ? active.dataset['action'] : undefined;
  root.replaceChildren(card);
  root.setAttribute('aria-busy', state.status === 'signing-in' || state.status === 'signing-out' ? 'true' : 'false');
  if (statusChanged) {
    live.textContent = announcement(state);
    // Keyboard users land on the main action of the new state.
    card.querySelector<HTMLElement>('[data-autofocus]')?.focus();
  } else if (focusedAction !== undefined) {
    // The same state, updated (a login step, the keychain save settling, a button turning busy):
    // focus stays on the same action, even where its label changed.
    card.querySelector<HTMLElement>(`[data-action="${focusedAction}"]`)?.focus();
  }
}

function announcement(state: AuthState): string {
  switch (state.status) {
    case 'signed-out': {
      const reason = state.reason ? ` ${state.reason.message}` : '';
      return state.afterLogout ? `You're signed out.${reason}` : `Signed out.${reason}`;
    }
    case 'signing-in':
      return 'Continue signing in in your browser.';
    case 'signed-in': {
      const { organization } = state.profile;
      const through = organization ? `, organization ${organization.name ?? organization.id}` : '';
      return `Signed in as ${state.profile.name ?? state.profile.email ?? 'you'}${through}.`;
    }
    case 'signing-out':
      return 'Signing out.';
    case 'error':
      return `${ERROR_PRESENTATION[state.error.code].heading}. ${state.error.message}`;
  }
}

// Escape cancels a sign-in in progress, as the Cancel button does; in any other state it does nothing.
document.addEventListener('keydown', (event) => {
  if (event.key !== 'Escape' || event.defaultPrevented || shown?.status !== 'signing-in') return;
  event.preventDefault();
  cancelLogin();
});

async function boot(): Promise<void> {
  window.auth.onStateChange(render);
  onActionsChanged((fetch) => {
    if (fetch) void window.auth.getState().then(render);
    else if (shown) render(shown);
  });
  const [state, appInfo] = await Promise.all([window.auth.getState(), window.auth.getAppInfo()]);
  info = appInfo;
  (document.getElementById('demo-banner') as HTMLElement).hidden = !appInfo.demo;
  const issuer = document.getElementById('issuer') as HTMLElement;
  issuer.textContent = appInfo.issuerHost ? `via ${appInfo.issuerHost}` : '';
  render(state);
}

void boot();
