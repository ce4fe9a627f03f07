import { createHash } from 'node:crypto';
import type { KoaContext } from 'oidc-provider';

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:#f3f3f4;
font-family:ui-sans-serif,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1e212a}
main{width:400px;max-width:calc(100vw - 32px);background:#fff;border-radius:5px;box-shadow:0 12px 40px rgba(0,0,0,.12);padding:40px}
.logo{width:52px;height:52px;margin:0 auto 24px;border-radius:50%;background:#635dff;color:#fff;display:flex;
align-items:center;justify-content:center;font-weight:700;font-size:22px}
h1{font-size:24px;font-weight:400;text-align:center;margin:0 0 12px}
p{font-size:14px;line-height:1.5;text-align:center;margin:0 0 16px;color:#2d333a}
label{display:block;font-size:14px;margin:16px 0 6px;color:#2d333a}
input[type=email],input[type=password],input[type=text]{width:100%;height:52px;padding:0 16px;font-size:16px;border:1px solid #c9cace;border-radius:3px}
input:focus{outline:2px solid #635dff;outline-offset:-1px}
button{width:100%;height:52px;margin-top:24px;font-size:16px;border:0;border-radius:3px;background:#635dff;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#1e212a;border:1px solid #c9cace}
.buttons{display:flex;gap:12px}
.buttons button{flex:1}
.error{background:#ffeaea;border:1px solid #d03c38;color:#b3261e;border-radius:3px;padding:10px 12px;font-size:14px;margin:0 0 8px;text-align:left}
.hint{background:#eef0ff;border-radius:3px;padding:10px 12px;font-size:13px;margin:24px 0 0;text-align:left}
ul{padding:0;margin:16px 0 0;list-style:none;border-top:1px solid #e6e7eb}
li{padding:12px 4px;border-bottom:1px solid #e6e7eb;font-size:14px}
li small{display:block;color:#6f727a}
a{color:#635dff}
.switch{margin:16px 0 0}
.connection{font-size:13px;color:#6f727a}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px}
`;

// One stylesheet with a known hash lets the pages run under a CSP with no 'unsafe-inline'.
const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

/**
 * form-action also governs the redirects that follow a form post, and those end on the app's
 * loopback callback, on a port that changes per sign-in and possibly at [::1], which CSP's
 * host-source grammar cannot express. Hence the whole http: scheme; oidc-provider has already
 * checked every redirect target against the client's registration.
 */
const CSP = [
  "default-src 'none'",
  `style-src ${STYLE_HASH}`,
  'img-src https: data:',
  "form-action 'self' http:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** Renders a complete page in the Universal Login look; `body` must already be escaped. */
export function layout(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<div class="logo" aria-hidden="true">DL</div>
${body}
</main>
</body>
</html>`;
}

/** Sends an HTML page with headers that keep it out of caches and frames. */
export function sendHtml(ctx: KoaContext, status: number, html: string): void {
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('Content-Security-Policy', CSP);
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.body = html;
}

/** Sends a page with a heading and a short explanation. */
export function sendMessagePage(ctx: KoaContext, status: number, title: string, message: string): void {
  sendHtml(ctx, status, layout(title, `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(message)}</p>`));
}

export interface LoginPageInput {
  readonly action: string;
  readonly clientName: string;
  readonly email?: string;
  readonly error?: string;
  readonly userEmails: readonly string[];
  readonly demoPassword: string;
  /** The sign-up page of the same sign-in attempt, linked as Universal Login does. */
  readonly signUpHref: string;
  /** The `organization` the app asked for, by name. */
  readonly organizationName?: string;
  /** The `connection` the app asked for. */
  readonly connectionName?: string;
}

/** A role=alert box for a form's error, or nothing. */
export function errorBox(error: string | undefined): string {
  return error ? `<div class="error" role="alert">${escapeHtml(error)}</div>` : '';
}

/** "Log in [to <organization>] to continue to <client>." and the connection's name, if any. */
export function promptIntro(
  verb: string,
  input: { clientName: string; organizationName?: string; connectionName?: string },
): string {
  const organization = input.organizationName ? ` to ${escapeHtml(input.organizationName)}` : '';
  const connection = input.connectionName
    ? `\n<p class="connection">Connection: ${escapeHtml(input.connectionName)}</p>`
    : '';
  return `<p>${verb}${organization} to continue to ${escapeHtml(input.clientName)}.</p>${connection}`;
}

/** The email and password form. */
export function loginPage(input: LoginPageInput): string {
  const users = input.userEmails.map((email) => `<code>${escapeHtml(email)}</code>`).join(', ');
  return layout(
    'Log in',
    `<h1>Welcome</h1>
${promptIntro('Log in', input)}
${errorBox(input.error)}
<form method="post" action="${escapeHtml(input.action)}">
<label for="email">Email address</label>
<input id="email" type="email" name="email" autocomplete="username" required value="${escapeHtml(input.email ?? '')}">
<label for="password">Password</label>
<input id="password" type="password" name="password" autocomplete="current-password" required>
<button type="submit">Continue</button>
</form>
<p class="switch">Don't have an account? <a href="${escapeHtml(input.signUpHref)}">Sign up</a></p>
<div class="hint">Demo provider: use password ${escapeHtml(input.demoPassword)}. Users: ${users}</div>`,
  );
}

export interface ConsentPageInput {
  readonly action: string;
  readonly clientName: string;
  readonly userName: string;
  readonly scopes: readonly string[];
  readonly audience?: string;
}

const SCOPE_TEXT: Readonly<Record<string, string>> = {
  openid: 'Confirm your identity',
  profile: 'Your profile: name, nickname and picture',
  email: 'Your email address',
  offline_access: 'Stay signed in (allow offline access)',
};

/** The "Authorize <client>" page with Accept and Decline. */
export function consentPage(input: ConsentPageInput): string {
  const items = input.scopes
    .map((scope) => `<li>${escapeHtml(SCOPE_TEXT[scope] ?? scope)}<small>${escapeHtml(scope)}</small></li>`)
    .join('\n');
  const api = input.audience ? `<li>Call the API on your behalf<small>${escapeHtml(input.audience)}</small></li>` : '';
  return layout(
    `Authorize ${input.clientName}`,
    `<h1>Authorize ${escapeHtml(input.clientName)}</h1>
<p>Hi ${escapeHtml(input.userName)}, ${escapeHtml(input.clientName)} is requesting access to your account.</p>
<ul>
${items}
${api}
</ul>
<form method="post" action="${escapeHtml(input.action)}">
<div class="buttons">
<button type="submit" name="decision" value="decline" class="secondary">Decline</button>
<button type="submit" name="decision" value="accept">Accept</button>
</div>
</form>`,
  );
}

/** The RP-initiated logout confirmation; `form` is oidc-provider's own hidden form with its xsrf value. */
export function logoutConfirmPage(host: string, form: string): string {
  return layout(
    'Sign out',
    `<h1>Sign out</h1>
<p>Do you want to sign out of ${escapeHtml(host)}?</p>
${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>`,
  );
}

/** Shown when the provider cannot send the browser back to the app. */
export function errorPage(error: string, description: string | undefined): string {
  return layout(
    'Something went wrong',
    `<h1>Something went wrong</h1>
<p>${escapeHtml(description ?? 'The request could not be completed.')}</p>
<p><code>${escapeHtml(error)}</code></p>`,
  );
}
