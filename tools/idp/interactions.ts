import type { IncomingMessage } from 'node:http';
import type { Interaction, InteractionResults, KoaContext, KoaMiddleware, Provider } from 'oidc-provider';
import { consentPage, loginPage, sendHtml, sendMessagePage } from './pages.js';
import { DEMO_PASSWORD, TEST_USERS, findUserByEmail, findUserBySub } from './test-users.js';

/** Where oidc-provider sends the browser for a prompt; Auth0's Universal Login also lives under /u/. */
export function interactionPath(uid: string): string {
  return `/u/${encodeURIComponent(uid)}`;
}

const ROUTE = /^\/u\/([A-Za-z0-9_-]+)(?:\/(login|consent))?$/;
const MAX_FORM_BYTES = 16 * 1024;

/** Serves the sign-in and consent pages that oidc-provider's interactions redirect to. */
export function interactionRoutes(provider: Provider): KoaMiddleware {
  return async (ctx, next) => {
    const match = ROUTE.exec(ctx.path);
    if (!match) return next();
    const [, uid = '', step] = match;

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

    if (ctx.method === 'GET' && step === undefined) return renderPrompt(ctx, provider, interaction);
    if (ctx.method === 'POST' && step === interaction.prompt.name) {
      const form = await readForm(ctx.req);
      if (form === undefined) {
        sendMessagePage(ctx, 400, 'Bad request', 'The form could not be read.');
        return undefined;
      }
      return step === 'login'
        ? submitLogin(ctx, provider, interaction, form)
        : submitConsent(ctx, provider, interaction, form);
    }
    sendMessagePage(
      ctx,
      400,
      'Bad request',
      'This sign-in step is not available right now. Return to the app and start again.',
    );
    return undefined;
  };
}

async function renderPrompt(ctx: KoaContext, provider: Provider, interaction: Interaction): Promise<void> {
  if (interaction.prompt.name === 'login') {
    sendHtml(ctx, 200, await renderLogin(provider, interaction, interaction.params.login_hint));
    return;
  }
  if (interaction.prompt.name === 'consent') {
    const user = findUserBySub(interaction.session?.accountId ?? '');
    sendHtml(
      ctx,
      200,
      consentPage({
        action: `${interactionPath(interaction.uid)}/consent`,
        clientName: await clientName(provider, interaction),
        userName: user?.nickname ?? 'there',
        scopes: (interaction.params.scope ?? '').split(' ').filter(Boolean),
        ...(interaction.params.audience ? { audience: interaction.params.audience } : {}),
      }),
    );
    return;
  }
  sendMessagePage(ctx, 400, 'Unsupported step', 'The provider asked for a step this demo does not implement.');
}

async function renderLogin(
  provider: Provider,
  interaction: Interaction,
  email?: string,
  error?: string,
): Promise<string> {
  return loginPage({
    action: `${interactionPath(interaction.uid)}/login`,
    clientName: await clientName(provider, interaction),
    ...(email ? { email } : {}),
    ...(error ? { error } : {}),
    userEmails: TEST_USERS.map((user) => user.email),
    demoPassword: DEMO_PASSWORD,
  });
}

async function submitLogin(
  ctx: KoaContext,
  provider: Provider,
  interaction: Interaction,
  form: URLSearchParams,
): Promise<void> {
  const email = form.get('email') ?? '';
  const user = findUserByEmail(email);
  if (!user || form.get('password') !== user.password) {
    sendHtml(ctx, 400, await renderLogin(provider, interaction, email, 'Wrong email or password.'));
    return;
  }
  await finish(ctx, provider, { login: { accountId: user.sub } }, false);
}

async function submitConsent(
  ctx: KoaContext,
  provider: Provider,
  interaction: Interaction,
  form: URLSearchParams,
): Promise<void> {
  if (form.get('decision') !== 'accept') {
    await finish(
      ctx,
      provider,
      { error: 'access_denied', error_description: 'User did not authorize the request' },
      false,
    );
    return;
  }
  const accountId = interaction.session?.accountId;
  const clientId = interaction.params.client_id;
  if (!accountId || !clientId) {
    sendMessagePage(ctx, 400, 'Sign-in expired', 'Return to the app and start again.');
    return;
  }
  const existing = interaction.grantId ? await provider.Grant.find(interaction.grantId) : undefined;
  const grant = existing ?? new provider.Grant({ accountId, clientId });
  // Grant exactly what the prompt reports missing; that includes offline_access whenever the
  // app asked for it, which is what lets the token endpoint hand out a refresh token.
  const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = interaction.prompt.details;
  if (missingOIDCScope?.length) grant.addOIDCScope(missingOIDCScope.join(' '));
  if (missingOIDCClaims?.length) grant.addOIDCClaims(missingOIDCClaims);
  for (const [resource, scopes] of Object.entries(missingResourceScopes ?? {})) {
    grant.addResourceScope(resource, scopes.join(' '));
  }
  const grantId = await grant.save();
  await finish(ctx, provider, { consent: { grantId } }, true);
}

async function finish(ctx: KoaContext, provider: Provider, result: InteractionResults, merge: boolean): Promise<void> {
  const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: merge });
  ctx.set('Cache-Control', 'no-store');
  ctx.redirect(returnTo);
  ctx.status = 303;
}

async function clientName(provider: Provider, interaction: Interaction): Promise<string> {
  const client = interaction.params.client_id ? await provider.Client.find(interaction.params.client_id) : undefined;
  return client?.clientName ?? client?.clientId ?? 'the application';
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
