import type { AuthState, Persistence, Profile } from '../../shared/auth-state.js';
import { callApi, isBusy, logout, switchAccount } from '../actions.js';
import { button, el, initials } from '../dom.js';
import { noticeNodes } from './notice-nodes.js';

type SignedIn = Extract<AuthState, { status: 'signed-in' }>;

/** The line under the profile while the session is not (yet) in the keychain. */
function persistenceNote(persistence: Persistence): Node[] {
  switch (persistence) {
    case 'keychain':
      return [];
    case 'saving':
      return [el('p', { className: 'note', role: 'status' }, 'Saving to your keychain…')];
    case 'unavailable':
      return [
        el(
          'p',
          { className: 'note warn', role: 'status' },
          'Your keychain is unavailable, so this session will not be remembered after you quit.',
        ),
      ];
  }
}

function avatar(profile: Profile, name: string): HTMLElement {
  const node = el('div', { className: 'avatar', ariaHidden: 'true' }, initials(name));
  if (profile.picture) {
    const image = el('img', { src: profile.picture, alt: '', referrerPolicy: 'no-referrer', decoding: 'async' });
    // Offline or blocked pictures fall back to initials instead of a broken image.
    image.addEventListener('error', () => image.remove());
    node.append(image);
  }
  return node;
}

function emailLine(profile: Profile): HTMLElement {
  if (!profile.email) return el('p', {});
  return el(
    'p',
    { className: 'email' },
    profile.email,
    ' ',
    el(
      'span',
      { className: profile.emailVerified ? 'badge ok' : 'badge warn' },
      profile.emailVerified ? 'Verified' : 'Not verified',
    ),
  );
}

/** The organization the person signed in through, by name, or by ID where the provider gave no name. */
function organizationLine(profile: Profile): Node[] {
  const { organization } = profile;
  if (!organization) return [];
  return [
    el('p', { className: 'organization' }, 'Organization: ', el('strong', {}, organization.name ?? organization.id)),
  ];
}

/**
 * Signed in: who (and through which organization), whether the session is remembered, and the
 * actions. Logout opens the browser to end the provider's session too; the line under the buttons
 * says so before the press. Switching accounts is the least used action, so it comes last, as a link.
 */
export function signedInScreen(state: SignedIn, issuerHost: string | undefined): Node[] {
  const { profile } = state;
  const name = profile.name ?? profile.nickname ?? profile.email ?? 'Signed in';
  const logoutHint = el(
    'p',
    { className: 'note', id: 'logout-hint' },
    `Logout opens your browser to end your session at ${issuerHost || 'your sign-in provider'} too.`,
  );
  const logoutButton = button('Logout', logout, {
    action: 'logout',
    busyLabel: isBusy('logout') ? 'Signing out…' : undefined,
  });
  logoutButton.setAttribute('aria-describedby', logoutHint.id);
  return [
    avatar(profile, name),
    el('h1', { className: 'name' }, name),
    emailLine(profile),
    ...organizationLine(profile),
    ...persistenceNote(state.persistence),
    el(
      'div',
      { className: 'actions' },
      button('Call API', callApi, {
        primary: true,
        autofocus: true,
        action: 'call-api',
        busyLabel: isBusy('call-api') ? 'Calling the API…' : undefined,
      }),
      logoutButton,
    ),
    logoutHint,
    button('Sign in with a different account', switchAccount, {
      link: true,
      action: 'switch-account',
      busyLabel: isBusy('switch-account') ? 'Opening your browser…' : undefined,
    }),
    ...noticeNodes(),
  ];
}
