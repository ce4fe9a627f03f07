import type { Client, CookieOptions, KoaContext, KoaMiddleware, Provider } from 'oidc-provider';
import { sendMessagePage } from './pages.js';

/**
 * Auth0's own logout endpoint, `GET /v2/logout?client_id=…&returnTo=…`, which apps use when the
 * tenant does not advertise an end_session_endpoint. It ends the browser session and sends the
 * browser to `returnTo` if that is one of the client's Allowed Logout URLs.
 */
export function auth0LogoutRoute(provider: Provider, sessionCookie: CookieOptions): KoaMiddleware {
  return async (ctx, next) => {
    if (ctx.path !== '/v2/logout') return next();
    if (ctx.method !== 'GET') {
      sendMessagePage(ctx, 405, 'Method not allowed', 'Use GET for /v2/logout.');
      return undefined;
    }

    const clientId = single(ctx.query.client_id);
    const returnTo = single(ctx.query.returnTo);

    let client: Client | undefined;
    if (clientId !== undefined) {
      client = await findClient(provider, clientId);
      if (!client) {
        sendMessagePage(
          ctx,
          400,
          'Oops! Something went wrong',
          'The client_id in this logout request is not a known application.',
        );
        return undefined;
      }
    }
    if (returnTo !== undefined) {
      if (!client) {
        sendMessagePage(
          ctx,
          400,
          'Oops! Something went wrong',
          'A returnTo URL needs a client_id, so it can be checked against that application’s Allowed Logout URLs.',
        );
        return undefined;
      }
      if (!isAllowedReturnTo(client, returnTo)) {
        sendMessagePage(
          ctx,
          400,
          'Oops! Something went wrong',
          'The returnTo URL is not in the Allowed Logout URLs of this application.',
        );
        return undefined;
      }
    }

    await endBrowserSession(ctx, provider, sessionCookie);

    if (returnTo !== undefined) {
      ctx.set('Cache-Control', 'no-store');
      ctx.redirect(returnTo);
      ctx.status = 302;
      return undefined;
    }
    sendMessagePage(ctx, 200, 'You are signed out', 'You can close this window.');
    return undefined;
  };
}

function isAllowedReturnTo(client: Client, returnTo: string): boolean {
  try {
    // oidc-provider ignores the port of loopback URIs for native clients (RFC 8252 §7.3).
    return client.postLogoutRedirectUriAllowed(returnTo);
  } catch {
    return false;
  }
}

async function findClient(provider: Provider, clientId: string): Promise<Client | undefined> {
  try {
    return await provider.Client.find(clientId);
  } catch {
    return undefined;
  }
}

async function endBrowserSession(ctx: KoaContext, provider: Provider, sessionCookie: CookieOptions): Promise<void> {
  const session = await provider.Session.get(ctx);
  // Like Auth0, this ends the single sign-on session only; refresh tokens granted with
  // offline_access stay valid.
  if (!session.new) await session.destroy();
  ctx.cookies.set(provider.cookieName('session'), null, sessionCookie);
}

function single(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
