import type { IncomingMessage } from 'node:http';
import type { Interaction, KoaMiddleware, Provider } from 'oidc-provider';
import { renderConsent, submitConsent } from './consent-step.js';
import type { IdpSettings } from './idp-options.js';
import type { InteractionStep } from './interaction-step.js';
import { LOGIN_PAGES, firstLoginPage, loginPageAllowed, renderLoginPage, submitLoginPage } from './login-steps.js';
import type { LoginPage } from './login-steps.js';
import { sendMessagePage } from './pages.js';

const ROUTE = /^\/u\/([A-Za-z0-9_-]+)(?:\/(login|signup|social|consent))?$/;
const MAX_FORM_BYTES = 16 * 1024;

/**
 * Serves the pages oidc-provider's interactions redirect to: /u/<uid> opens the prompt's first
 * page; the login prompt has /login, /signup and /social, the consent prompt /consent. Each page
 * posts to its own path.
 */
export function interactionRoutes(provider: Provider, settings: IdpSettings): KoaMiddleware {
  return async (ctx, next) => {
    const match = ROUTE.exec(ctx.path);
    if (!match) return next();
    const [, uid = '', page] = match;

    let interaction: Interaction;
    try {
      interaction = await provider.interactionDetails(ctx.req, ctx.res);
    } catch {
      // The interaction cookie is missing or expired: the browser cannot be sent back safely.
      sendMessagePage(
        ctx,
        400,
        'Sign-in expired',
        'This sign-in attempt has expired. Return to the app and start again.',
      );
      return undefined;
    }
    if (interaction.uid !== uid) {
      sendMessagePage(
        ctx,
        400,
        'Sign-in expired',
        'This page belongs to another sign-in attempt. Return to the app and start again.',
      );
      return undefined;
    }

    const step: InteractionStep = { ctx, provider, settings, interaction };
    if (await answered(step, page)) return undefined;
    sendMessagePage(
      ctx,
      400,
      'Bad request',
      'This sign-in step is not available right now. Return to the app and start again.',
    );
    return undefined;
  };
}

/** Answers a request for one of the prompt's pages; false when the page is not available now. */
async function answered(step: InteractionStep, page: string | undefined): Promise<boolean> {
  const { ctx, interaction } = step;
  const prompt = interaction.prompt.name;
  if (prompt === 'consent') {
    if (ctx.method === 'GET' && page === undefined) await renderConsent(step);
    else if (ctx.method === 'POST' && page === 'consent') await withForm(step, (form) => submitConsent(step, form));
    else return false;
    return true;
  }
  if (prompt !== 'login') return false;
  const loginPage = page === undefined ? firstLoginPage(step) : asLoginPage(page);
  if (loginPage === undefined || !loginPageAllowed(step, loginPage)) return false;
  // Login and sign-up link to each other by GET; every page posts to its own path.
  if (ctx.method === 'GET') await renderLoginPage(step, loginPage);
  else if (ctx.method === 'POST' && page !== undefined) {
    await withForm(step, (form) => submitLoginPage(step, loginPage, form));
  } else return false;
  return true;
}

function asLoginPage(page: string): LoginPage | undefined {
  return LOGIN_PAGES.find((candidate) => candidate === page);
}

async function withForm(step: InteractionStep, submit: (form: URLSearchParams) => Promise<void>): Promise<void> {
  const form = await readForm(step.ctx.req);
  if (form === undefined) {
    sendMessagePage(step.ctx, 400, 'Bad request', 'The form could not be read.');
    return;
  }
  await submit(form);
}

// Undefined when the body is too large or not a urlencoded form.
async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const type = req.headers['content-type'] ?? '';
  if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded')) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
