import type { AuthErrorInfo } from '../../shared/auth-state.js';
import { checkSetup, isBusy, login } from '../actions.js';
import { button, el } from '../dom.js';
import { ERROR_PRESENTATION } from '../error-presentation.js';
import { noticeNodes } from './notice-nodes.js';

/**
 * A failed sign-in, or settings the app could not start with: a heading naming what happened,
 * main's message, and only the ways out that can help (error-presentation.ts).
 */
export function errorScreen(error: AuthErrorInfo): Node[] {
  const shown = ERROR_PRESENTATION[error.code];
  const actions = el('div', { className: 'actions' });
  if (shown.retry) {
    actions.append(button('Try again', login, { primary: true, autofocus: true, action: 'login' }));
  }
  if (shown.setupMayBeWrong) {
    actions.append(
      button('Check my setup', checkSetup, {
        primary: !shown.retry,
        autofocus: !shown.retry,
        action: 'check-setup',
        busyLabel: isBusy('check-setup') ? 'Checking your setup…' : undefined,
      }),
    );
  }
  return [
    el(
      'div',
      { className: 'banner-error', role: 'alert' },
      el('h1', {}, shown.heading),
      ...(shown.nextStep ? [el('p', { className: 'next-step' }, shown.nextStep)] : []),
      el('p', { className: 'message' }, error.message),
    ),
    actions,
    ...noticeNodes(),
  ];
}
