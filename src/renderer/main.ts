import type { AuthState, LoginStep, Persistence, Profile } from '../shared/auth-state.js';
import type { AuthBridge, IpcResult, SetupReport } from '../shared/ipc-contract.js';
import { button, el, formatElapsed, initials } from './dom.js';

declare global {
  interface Window {
    readonly auth: AuthBridge;
  }
}

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

const root = document.getElementById('app') as HTMLElement;
const live = document.getElementById('announce') as HTMLElement;
let timer: number | undefined;
let lastStatus: AuthState['status'] | undefined;
/** A result of the last "Call API" or link copy, kept while the state stays the same. */
let notice: { kind: 'api' | 'copied' | 'failure'; text: string } | { kind: 'setup'; report: SetupReport } | undefined;

function render(state: AuthState): void {
  window.clearInterval(timer);
  const statusChanged = state.status !== lastStatus;
  if (statusChanged) notice = undefined;
  lastStatus = state.status;

  const card = el('section', { className: `card state-${state.status}`, ariaLabel: 'Sign-in status' });
  switch (state.status) {
    case 'signed-out':
      card.append(...signedOut(state.reason?.message));
      break;
    case 'signing-in':
      card.append(...signingIn(state));
      break;
    case 'signed-in':
      card.append(...signedIn(state.profile, state.persistence));
      break;
    case 'signing-out':
      card.append(...signingOut());
      break;
    case 'error':
      card.append(...failed(state.error.message));
      break;
  }
  const focused = root.contains(document.activeElement) ? document.activeElement?.textContent : undefined;
  root.replaceChildren(card);
  root.setAttribute('aria-busy', state.status === 'signing-in' || state.status === 'signing-out' ? 'true' : 'false');
  if (statusChanged) {
    live.textContent = announcement(state);
    // Keyboard users land on the main action of the new state.
    card.querySelector<HTMLElement>('[data-autofocus]')?.focus();
  } else if (focused) {
    // The same state, updated (a login step, the keychain save settling): focus stays where it was.
    [...card.querySelectorAll<HTMLElement>('button')].find((button) => button.textContent === focused)?.focus();
  }
}

function signedOut(reason: string | undefined): Node[] {
  return [
    el('div', { className: 'mark', ariaHidden: 'true' }, '🔐'),
    el('h1', {}, 'Sign in to Desktop Login'),
    el('p', {}, 'You sign in with your account in your own web browser. Nothing is typed into this app.'),
    ...(reason ? [el('p', { className: 'note', role: 'status' }, reason)] : []),
    el(
      'div',
      { className: 'actions' },
      button('Login', () => act(window.auth.login()), { primary: true, autofocus: true }),
    ),
    ...noticeNodes(),
  ];
}

function signingOut(): Node[] {
  return [
    el('div', { className: 'mark', ariaHidden: 'true' }, '🔐'),
    el('h1', {}, 'Signing out…'),
    el('p', {}, 'Ending your session here and with your sign-in provider. Your browser may ask you to confirm.'),
  ];
}

function signingIn(state: Extract<AuthState, { status: 'signing-in' }>): Node[] {
  const current = STEPS.findIndex((entry) => entry.step === state.step);
  const list = el('ol', { className: 'steps' });
  STEPS.forEach((entry, index) => {
    const done = index < current;
    const item = el(
      'li',
      { className: done ? 'done' : index === current ? 'current' : 'todo' },
      el('span', { className: 'dot', ariaHidden: 'true' }, done ? '✓' : String(index + 1)),
      el('span', {}, entry.label, ...(index === current && entry.hint ? [el('small', {}, entry.hint)] : [])),
    );
    if (index === current) item.setAttribute('aria-current', 'step');
    list.append(item);
  });
  const elapsed = el('p', { className: 'elapsed' }, formatElapsed(Date.now() - state.startedAt));
  timer = window.setInterval(() => {
    elapsed.textContent = formatElapsed(Date.now() - state.startedAt);
  }, 1000);
  const actions = el(
    'div',
    { className: 'actions' },
    button('Cancel', () => act(window.auth.cancelLogin()), { autofocus: true }),
  );
  if (state.linkAvailable) {
    actions.append(
      button('Open the browser again', () => act(window.auth.reopenBrowser())),
      button('Copy the sign-in link', () =>
        act(window.auth.copySignInLink(), () => ({
          kind: 'copied',
          // Main clears the link from the clipboard when the sign-in ends; the person should know.
          text: 'Sign-in link copied. Paste it into your browser. It is cleared from the clipboard when the sign-in ends.',
        })),
      ),
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
    list,
    elapsed,
    actions,
    ...noticeNodes(),
  ];
}

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

function signedIn(profile: Profile, persistence: Persistence): Node[] {
  const name = profile.name ?? profile.nickname ?? profile.email ?? 'Signed in';
  const avatar = el('div', { className: 'avatar', ariaHidden: 'true' }, initials(name));
  if (profile.picture) {
    const image = el('img', { src: profile.picture, alt: '', referrerPolicy: 'no-referrer', decoding: 'async' });
    // Offline or blocked pictures fall back to initials instead of a broken image.
    image.addEventListener('error', () => image.remove());
    avatar.append(image);
  }
  const email = profile.email
    ? el(
        'p',
        { className: 'email' },
        profile.email,
        ' ',
        el(
          'span',
          { className: profile.emailVerified ? 'badge ok' : 'badge warn' },
          profile.emailVerified ? 'Verified' : 'Not verified',
        ),
      )
    : el('p', {});
  return [
    avatar,
    el('h1', { className: 'name' }, name),
    email,
    ...persistenceNote(persistence),
    el(
      'div',
      { className: 'actions' },
      button(
        'Call API',
        () => act(window.auth.callApi(), (value) => ({ kind: 'api', text: JSON.stringify(value.body, null, 2) })),
        {
          primary: true,
          autofocus: true,
        },
      ),
      button('Logout', () => act(window.auth.logout())),
    ),
    ...noticeNodes(),
  ];
}

function failed(message: string): Node[] {
  return [
    el('div', { className: 'banner-error', role: 'alert' }, el('strong', {}, 'Sign-in problem'), el('p', {}, message)),
    el(
      'div',
      { className: 'actions' },
      button('Try again', () => act(window.auth.login()), { primary: true, autofocus: true }),
      button('Check my setup', () => act(window.auth.checkSetup(), (report) => ({ kind: 'setup', report }))),
    ),
    ...noticeNodes(),
  ];
}

const VERDICT_MARKS = { pass: '✓', warn: '!', fail: '✕', skip: '–' } as const;

function setupNodes(report: SetupReport): Node[] {
  const list = el('ul', { className: 'checks', ariaLabel: 'Setup checks' });
  for (const check of report.checks) {
    list.append(
      el(
        'li',
        { className: `check ${check.verdict}` },
        el('span', { className: 'verdict', ariaHidden: 'true' }, VERDICT_MARKS[check.verdict]),
        el(
          'span',
          {},
          el('strong', {}, `${check.title} `),
          el('span', { className: 'visually-hidden' }, `(${check.verdict}) `),
          ...(check.verdict === 'warn' || check.verdict === 'fail' ? [el('small', {}, check.fix ?? check.detail)] : []),
        ),
      ),
    );
  }
  return [
    el('div', { className: 'result' }, el('h2', {}, report.ok ? 'Setup looks right' : 'Setup needs fixing'), list),
  ];
}

function noticeNodes(): Node[] {
  if (!notice) return [];
  if (notice.kind === 'setup') return setupNodes(notice.report);
  if (notice.kind === 'api') {
    return [
      el(
        'div',
        { className: 'result' },
        el('h2', {}, 'API response'),
        el('pre', { tabIndex: 0, ariaLabel: 'API response' }, notice.text),
      ),
    ];
  }
  return [el('p', { className: notice.kind === 'failure' ? 'note error' : 'note', role: 'status' }, notice.text)];
}

/** Runs a bridge call; typed failures show as a notice, successes may leave one. */
function act<T>(call: Promise<IpcResult<T>>, onSuccess?: (value: T) => NonNullable<typeof notice>): void {
  void call.then(
    (result) => {
      if (result.ok) {
        if (onSuccess) notice = onSuccess(result.value);
      } else {
        notice = { kind: 'failure', text: result.message };
      }
      return window.auth.getState().then(render);
    },
    () => {
      notice = { kind: 'failure', text: 'The app did not answer. Try again.' };
    },
  );
}

function announcement(state: AuthState): string {
  switch (state.status) {
    case 'signed-out':
      return state.reason ? `Signed out. ${state.reason.message}` : 'Signed out.';
    case 'signing-in':
      return 'Continue signing in in your browser.';
    case 'signed-in':
      return `Signed in as ${state.profile.name ?? state.profile.email ?? 'you'}.`;
    case 'signing-out':
      return 'Signing out.';
    case 'error':
      return `Sign-in problem. ${state.error.message}`;
  }
}

async function boot(): Promise<void> {
  window.auth.onStateChange(render);
  const [state, info] = await Promise.all([window.auth.getState(), window.auth.getAppInfo()]);
  (document.getElementById('demo-banner') as HTMLElement).hidden = !info.demo;
  const issuer = document.getElementById('issuer') as HTMLElement;
  issuer.textContent = info.issuerHost ? `via ${info.issuerHost}` : '';
  render(state);
}

void boot();
