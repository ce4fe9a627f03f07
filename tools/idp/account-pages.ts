import { errorBox, escapeHtml, layout, promptIntro } from './pages.js';

/** Who the prompt is for, as the login page shows it. */
interface PromptContext {
  readonly action: string;
  readonly clientName: string;
  readonly organizationName?: string;
  readonly connectionName?: string;
}

export interface SignUpPageInput extends PromptContext {
  /** The login page of the same sign-in attempt, linked as Universal Login does. */
  readonly logInHref: string;
  readonly email?: string;
  readonly name?: string;
  readonly error?: string;
}

/** Universal Login's "Create Your Account" page: email, password and name. */
export function signUpPage(input: SignUpPageInput): string {
  return layout(
    'Sign up',
    `<h1>Create Your Account</h1>
${promptIntro('Sign up', input)}
${errorBox(input.error)}
<form method="post" action="${escapeHtml(input.action)}">
<label for="email">Email address</label>
<input id="email" type="email" name="email" autocomplete="email" required value="${escapeHtml(input.email ?? '')}">
<label for="password">Password</label>
<input id="password" type="password" name="password" autocomplete="new-password" required>
<label for="name">Name</label>
<input id="name" type="text" name="name" autocomplete="name" value="${escapeHtml(input.name ?? '')}">
<button type="submit">Continue</button>
</form>
<p class="switch">Already have an account? <a href="${escapeHtml(input.logInHref)}">Log in</a></p>`,
  );
}

export interface SocialLoginPageInput extends PromptContext {
  readonly connectionName: string;
  /** The email of the account the social provider vouches for. */
  readonly accountEmail: string;
}

/**
 * Stands in for a social provider's own page (Auth0 sends `connection=google-oauth2` straight
 * there): one button that signs in as the account the provider vouches for.
 */
export function socialLoginPage(input: SocialLoginPageInput): string {
  return layout(
    `Log in with ${input.connectionName}`,
    `<h1>Log in with ${escapeHtml(input.connectionName)}</h1>
${promptIntro('Log in', input)}
<form method="post" action="${escapeHtml(input.action)}">
<button type="submit">Continue as ${escapeHtml(input.accountEmail)}</button>
</form>`,
  );
}
