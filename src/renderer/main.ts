import type { AuthState, LoginStep } from '../shared/auth-state.js';
import type { AuthBridge } from '../shared/ipc-contract.js';

declare global {
  interface Window {
    readonly auth: AuthBridge;
  }
}

const root = document.getElementById('app') as HTMLElement;
const STEP_LABELS: Record<LoginStep, string> = {
  'opening-browser': 'Opening your browser',
  'waiting-for-user': 'Waiting for you to sign in (your browser may ask you to confirm returning to the app)',
  'exchanging-code': 'Checking the sign-in',
  'saving-session': 'Saving your session',
};
const STEPS = Object.keys(STEP_LABELS) as LoginStep[];

/** Creates an element with text content only: profile data is never parsed as HTML. */
function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function button(label: string, onClick: () => void, secondary = false): HTMLButtonElement {
  const node = el('button', { type: 'button', className: secondary ? 'secondary' : '' }, label);
  node.addEventListener('click', onClick);
  return node;
}

function render(state: AuthState): void {
  const card = el('section', { className: 'card' });
  switch (state.status) {
    case 'signed-out':
      card.append(
        el('h1', {}, 'Welcome'),
        el('p', {}, 'Sign in with your account in your browser.'),
        ...(state.reason ? [el('p', { className: 'error', role: 'status' }, state.reason.message)] : []),
        button('Login', () => void window.auth.login()),
      );
      break;
    case 'signing-in': {
      const current = STEPS.indexOf(state.step);
      const steps = el('ol', { className: 'steps' });
      STEPS.forEach((step, index) => {
        const item = el('li', {}, `${index < current ? '✓ ' : ''}${STEP_LABELS[step]}`);
        if (index === current) item.setAttribute('aria-current', 'step');
        steps.append(item);
      });
      card.append(el('h1', {}, 'Finish signing in in your browser'), steps);
      if (state.browserOpenFailed) card.append(el('p', { className: 'error' }, 'The browser did not open.'));
      const actions = el(
        'div',
        { className: 'actions' },
        button('Cancel', () => void window.auth.cancelLogin(), true),
      );
      if (state.authorizationUrl)
        actions.append(button('Open the browser again', () => void window.auth.reopenBrowser(), true));
      card.append(actions);
      break;
    }
    case 'signed-in': {
      const { profile } = state;
      if (profile.picture)
        card.append(el('img', { className: 'avatar', src: profile.picture, alt: '', referrerPolicy: 'no-referrer' }));
      card.append(el('h1', {}, profile.name ?? profile.nickname ?? profile.email ?? 'Signed in'));
      if (profile.email)
        card.append(
          el('p', {}, profile.email),
          el('span', { className: 'verified' }, profile.emailVerified ? 'Verified email' : 'Email not verified'),
        );
      if (state.persistence === 'unavailable')
        card.append(el('p', {}, 'This session will not be remembered after you quit.'));
      card.append(button('Logout', () => void window.auth.logout(), true));
      break;
    }
    case 'error':
      card.append(
        el('h1', {}, 'Sign-in problem'),
        el('p', { className: 'error', role: 'alert' }, state.error.message),
        button('Try again', () => void window.auth.login()),
      );
      break;
  }
  root.replaceChildren(card);
  root.setAttribute('aria-busy', 'false');
}

async function boot(): Promise<void> {
  window.auth.onStateChange(render);
  const [state, info] = await Promise.all([window.auth.getState(), window.auth.getAppInfo()]);
  (document.getElementById('demo-banner') as HTMLElement).hidden = !info.demo;
  render(state);
}

void boot();
