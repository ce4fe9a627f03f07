import { signUpPage, socialLoginPage } from './account-pages.js';
import { finish, interactionPath, promptContext, requestedConnection } from './interaction-step.js';
import type { InteractionStep } from './interaction-step.js';
import { loginPage, sendHtml } from './pages.js';
import { DEMO_PASSWORD, TEST_USERS } from './test-users.js';
import { USER_EXISTS } from './user-directory.js';

/** The pages of the login prompt, each under /u/<uid>/<page>. */
export type LoginPage = 'login' | 'signup' | 'social';

export const LOGIN_PAGES: readonly LoginPage[] = ['login', 'signup', 'social'];

/** What a page shows again after a refused submission. */
interface Refusal {
  readonly error: string;
  readonly email?: string;
  readonly name?: string;
}

// What Universal Login accepts as an email address: something@something, no spaces.
const EMAIL = /^[^\s@]+@[^\s@]+$/;

/**
 * The page the login prompt opens on: a social connection's own page (Auth0 skips its login page
 * for `connection=<social>`), the sign-up page for `screen_hint=signup`, else the login page.
 */
export function firstLoginPage(step: InteractionStep): LoginPage {
  if (requestedConnection(step)?.kind === 'social') return 'social';
  return step.interaction.params.screen_hint === 'signup' ? 'signup' : 'login';
}

/** A social connection offers only its own page; otherwise login and sign-up link to each other. */
export function loginPageAllowed(step: InteractionStep, page: LoginPage): boolean {
  const social = requestedConnection(step)?.kind === 'social';
  return social === (page === 'social');
}

export async function renderLoginPage(step: InteractionStep, page: LoginPage, refusal?: Refusal): Promise<void> {
  const status = refusal ? 400 : 200;
  const base = interactionPath(step.interaction.uid);
  const context = await promptContext(step, page);
  const email = refusal?.email ?? step.interaction.params.login_hint;
  const filled = {
    ...(email ? { email } : {}),
    ...(refusal?.error ? { error: refusal.error } : {}),
  };
  if (page === 'signup') {
    const name = refusal?.name;
    sendHtml(
      step.ctx,
      status,
      signUpPage({ ...context, ...filled, ...(name ? { name } : {}), logInHref: `${base}/login` }),
    );
  } else if (page === 'social') {
    sendHtml(
      step.ctx,
      status,
      socialLoginPage({
        ...context,
        connectionName: context.connectionName ?? page,
        accountEmail: socialAccount().email,
      }),
    );
  } else {
    sendHtml(
      step.ctx,
      status,
      loginPage({
        ...context,
        ...filled,
        userEmails: TEST_USERS.map((user) => user.email),
        demoPassword: DEMO_PASSWORD,
        signUpHref: `${base}/signup`,
      }),
    );
  }
}

export async function submitLoginPage(step: InteractionStep, page: LoginPage, form: URLSearchParams): Promise<void> {
  if (page === 'social') return finish(step, { login: { accountId: socialAccount().sub } });
  const email = form.get('email') ?? '';
  const password = form.get('password') ?? '';
  if (page === 'login') {
    const user = step.settings.store.users.findByEmail(email);
    if (!user || password !== user.password) {
      return renderLoginPage(step, 'login', { email, error: 'Wrong email or password.' });
    }
    return finish(step, { login: { accountId: user.sub } });
  }
  const name = form.get('name') ?? '';
  const refuse = (error: string): Promise<void> => renderLoginPage(step, 'signup', { email, name, error });
  if (!EMAIL.test(email.trim())) return refuse('Email is not valid.');
  if (password === '') return refuse('Password is required.');
  const user = step.settings.store.users.signUp({ email, password, name });
  if (!user) return refuse(USER_EXISTS);
  // Auth0 signs a new user in straight away; consent follows as for any sign-in.
  return finish(step, { login: { accountId: user.sub } });
}

/** The account the social connection vouches for: the first test user. */
function socialAccount(): (typeof TEST_USERS)[number] {
  const [first] = TEST_USERS;
  if (!first) throw new Error('the provider has no test users');
  return first;
}
