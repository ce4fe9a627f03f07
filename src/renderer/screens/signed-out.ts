import type { AuthState } from '../../shared/auth-state.js';
import { login, loginWithOtherAccount, signUp } from '../actions.js';
import { button, el } from '../dom.js';
import { noticeNodes } from './notice-nodes.js';

/** The confirmation a finished Logout leaves, with whatever the logout could not finish. */
function signedOutConfirmation(reason: string | undefined): Node {
  return el(
    'div',
    { className: reason ? 'confirmation warn' : 'confirmation', role: 'status' },
    el('strong', {}, "You're signed out."),
    ...(reason ? [el('p', {}, reason)] : []),
  );
}

/**
 * Signed out: after a start, a cancelled sign-in, an ended session, or Logout (then confirmed).
 * Besides Login, a new person can create an account, and someone whose browser remembers another
 * person can sign in as themselves.
 */
export function signedOutScreen(state: Extract<AuthState, { status: 'signed-out' }>): Node[] {
  const reason = state.reason?.message;
  return [
    ...(state.afterLogout ? [signedOutConfirmation(reason)] : []),
    el('img', { className: 'mark', src: './icon.svg', alt: '', width: 56, height: 56 }),
    el('h1', {}, 'Sign in to Desktop Login'),
    el('p', {}, 'You sign in with your account in your own web browser. Nothing is typed into this app.'),
    ...(reason && !state.afterLogout ? [el('p', { className: 'note', role: 'status' }, reason)] : []),
    el(
      'div',
      { className: 'actions' },
      button('Login', login, { primary: true, autofocus: true, action: 'login' }),
      button('Create an account', signUp, { action: 'sign-up' }),
    ),
    // The provider would otherwise sign in whoever its browser session remembers, without asking.
    button('Sign in with a different account', loginWithOtherAccount, { link: true, action: 'login-other-account' }),
    ...noticeNodes(),
  ];
}

/** Logout is running: the session is ending here, at the provider and in the keychain. */
export function signingOutScreen(): Node[] {
  return [
    el('img', { className: 'mark', src: './icon.svg', alt: '', width: 56, height: 56 }),
    el('h1', {}, 'Signing out…'),
    el('p', {}, 'Ending your session here and with your sign-in provider. Your browser may ask you to confirm.'),
  ];
}
