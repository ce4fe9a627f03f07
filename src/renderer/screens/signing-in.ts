import type { AuthState, LoginStep } from '../../shared/auth-state.js';
import { cancelLogin, copySignInLink, reopenBrowser } from '../actions.js';
import { button, el, elapsedLabel, formatElapsed } from '../dom.js';
import { noticeNodes } from './notice-nodes.js';

type SigningIn = Extract<AuthState, { status: 'signing-in' }>;

const STEPS: readonly { step: LoginStep; label: string; hint?: string }[] = [
  { step: 'opening-browser', label: 'Opening your browser' },
  {
    step: 'waiting-for-user',
    label: 'Waiting for you to sign in',
    hint: 'Your browser may ask you to confirm returning to Desktop Login.',
  },
  { step: 'exchanging-code', label: 'Checking the sign-in' },
  { step: 'saving-session', label: 'Saving to your keychain' },
];

let clock: number | undefined;

/** Stops the elapsed-time counter of the screen that is going away. */
export function stopElapsedClock(): void {
  window.clearInterval(clock);
  clock = undefined;
}

function stepList(current: LoginStep): HTMLOListElement {
  const at = STEPS.findIndex((entry) => entry.step === current);
  const list = el('ol', { className: 'steps' });
  STEPS.forEach((entry, index) => {
    const done = index < at;
    const item = el(
      'li',
      { className: done ? 'done' : index === at ? 'current' : 'todo' },
      el('span', { className: 'dot', ariaHidden: 'true' }, done ? '✓' : String(index + 1)),
      el('span', {}, entry.label, ...(index === at && entry.hint ? [el('small', {}, entry.hint)] : [])),
    );
    if (index === at) item.setAttribute('aria-current', 'step');
    list.append(item);
  });
  return list;
}

/**
 * "waiting 0:41", labelled "Waiting for 41 seconds". A timer role is a live region that is off:
 * the count changes every second and is read when the person asks, never announced by itself.
 */
function elapsedCounter(startedAt: number): HTMLElement {
  const counter = el('p', { className: 'elapsed', role: 'timer' });
  counter.setAttribute('aria-live', 'off');
  const show = (): void => {
    const ms = Date.now() - startedAt;
    counter.textContent = `waiting ${formatElapsed(ms)}`;
    counter.setAttribute('aria-label', elapsedLabel(ms));
  };
  show();
  clock = window.setInterval(show, 1000);
  return counter;
}

/** Signing in: the steps so far, how long it has taken, and ways to reach the sign-in page. */
export function signingInScreen(state: SigningIn): Node[] {
  const cancel = button('Cancel', cancelLogin, { autofocus: true, action: 'cancel-login' });
  // Escape does the same (main.ts); say so to assistive technology.
  cancel.setAttribute('aria-keyshortcuts', 'Escape');
  const actions = el('div', { className: 'actions' }, cancel);
  if (state.linkAvailable) {
    actions.append(
      button('Open the browser again', reopenBrowser, { action: 'reopen-browser' }),
      button('Copy the sign-in link', copySignInLink, { action: 'copy-link' }),
    );
  }
  return [
    el('h1', {}, 'Continue in your browser'),
    ...(state.browserOpenFailed
      ? [
          el(
            'p',
            { className: 'note warn', role: 'status' },
            'Your browser did not open. Copy the sign-in link and paste it into your browser.',
          ),
        ]
      : []),
    stepList(state.step),
    elapsedCounter(state.startedAt),
    actions,
    ...noticeNodes(),
  ];
}
