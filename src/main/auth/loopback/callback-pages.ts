import { createHash } from 'node:crypto';

/** What the browser tab shows when the loopback server is done with it. */
export type BrowserPageOutcome =
  /** `thisRunOnly`: the keychain refused the session, so it lasts until the app quits. */
  | { readonly kind: 'signed-in'; readonly thisRunOnly?: boolean }
  | { readonly kind: 'signed-out' }
  | { readonly kind: 'failed'; readonly message: string }
  | { readonly kind: 'not-found' };

// One small stylesheet shared by every page; it matches the app's palette and follows the
// system theme. It is allowed by hash so the CSP can stay `default-src 'none'`.
const STYLE = `
:root{color-scheme:light dark;--bg:#f6f7fb;--card:#fff;--text:#1c2030;--muted:#5b6275;--ok:#157347;--bad:#b42318;--accent:#4f46e5}
@media (prefers-color-scheme:dark){:root{--bg:#11131a;--card:#1b1e28;--text:#eef0f6;--muted:#a3a9ba;--ok:#4ade80;--bad:#f87171;--accent:#a5b4fc}}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:grid;place-items:center;background:var(--bg);color:var(--text);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{background:var(--card);border-radius:16px;padding:40px 48px;max-width:460px;box-shadow:0 8px 30px rgba(0,0,0,.12);text-align:center}
.mark{font-size:40px;line-height:1;margin-bottom:12px}
.ok .mark{color:var(--ok)} .bad .mark{color:var(--bad)}
h1{font-size:22px;margin:0 0 8px}
p{margin:0;color:var(--muted)}
.brand{margin-top:24px;font-size:13px;color:var(--accent);letter-spacing:.02em}
`;
const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

/** Headers every loopback response carries: nothing cached, nothing referred, nothing loaded. */
export const LOOPBACK_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** Renders the small page the browser tab shows; every dynamic string is escaped. */
export function renderBrowserPage(outcome: BrowserPageOutcome, appName: string): string {
  const view = describe(outcome, appName);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(view.title)} – ${escapeHtml(appName)}</title>
<link rel="icon" href="data:,"><style>${STYLE}</style></head>
<body><main class="${view.tone}" role="main" aria-live="polite">
<div class="mark" aria-hidden="true">${view.tone === 'ok' ? '&#10003;' : '&#9888;'}</div>
<h1>${escapeHtml(view.title)}</h1><p>${escapeHtml(view.body)}</p>
<div class="brand">${escapeHtml(appName)}</div>
</main></body></html>`;
}

function describe(outcome: BrowserPageOutcome, appName: string): { title: string; body: string; tone: 'ok' | 'bad' } {
  switch (outcome.kind) {
    case 'signed-in':
      return {
        title: 'You are signed in',
        body: outcome.thisRunOnly
          ? `Your keychain is unavailable, so ${appName} will not remember you after you quit. You can close this tab and return to ${appName}.`
          : `You can close this tab and return to ${appName}.`,
        tone: 'ok',
      };
    case 'signed-out':
      return { title: 'You are signed out', body: 'You can close this tab.', tone: 'ok' };
    case 'failed':
      return {
        title: 'Sign-in did not complete',
        body: `${outcome.message} Return to ${appName} to try again.`,
        tone: 'bad',
      };
    case 'not-found':
      return { title: 'Nothing here', body: `This address only receives the sign-in for ${appName}.`, tone: 'bad' };
  }
}

/** Escapes text for HTML element content and quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
