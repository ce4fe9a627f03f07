import type { KoaMiddleware } from 'oidc-provider';

/**
 * Lets `scope=… offline_access` work without `prompt=consent`, as it does at Auth0.
 *
 * oidc-provider follows OpenID Connect Core §11 and silently drops offline_access from an
 * authorization request whose prompt lacks "consent", so no refresh token is ever issued.
 * Auth0 does not require the prompt. Adding "consent" changes nothing the person sees here:
 * oidc-provider shows native clients the consent page on every sign-in anyway. prompt=none is
 * left alone, because "none" must stand by itself.
 */
export function offlineAccessAsAuth0(authorizationPath: string): KoaMiddleware {
  return (ctx, next) => {
    if (ctx.method !== 'GET' || ctx.path !== authorizationPath) return next();
    const url = new URL(ctx.url, 'http://127.0.0.1');
    const scopes = url.searchParams.getAll('scope');
    const prompts = url.searchParams.getAll('prompt');
    // Duplicated parameters are the provider's to reject, so they pass through untouched.
    if (scopes.length !== 1 || prompts.length > 1) return next();
    if (!scopes[0]?.split(' ').includes('offline_access')) return next();
    const prompt = (prompts[0] ?? '').split(' ').filter(Boolean);
    if (prompt.includes('none') || prompt.includes('consent')) return next();
    url.searchParams.set('prompt', [...prompt, 'consent'].join(' '));
    ctx.url = `${url.pathname}${url.search}`;
    return next();
  };
}
