import { createLocalJWKSet, errors as joseErrors, jwtVerify } from 'jose';
import type { JSONWebKeySet } from 'jose';
import type { KoaContext, KoaMiddleware } from 'oidc-provider';

export interface DemoApiOptions {
  readonly issuer: string;
  readonly audience: string;
  readonly publicKeys: JSONWebKeySet;
}

/** `GET /api/private`: a resource server that accepts only this provider's JWT access tokens for the audience. */
export function demoApiRoute(options: DemoApiOptions): KoaMiddleware {
  const keys = createLocalJWKSet(options.publicKeys);
  return async (ctx, next) => {
    if (ctx.path !== '/api/private') return next();
    ctx.set('Cache-Control', 'no-store');
    if (ctx.method !== 'GET') {
      ctx.status = 405;
      ctx.set('Allow', 'GET');
      ctx.body = { error: 'method_not_allowed', error_description: 'Use GET.' };
      return undefined;
    }

    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(ctx.get('authorization'));
    if (!match?.[1]) {
      reject(ctx, 'Missing bearer access token.');
      return undefined;
    }
    try {
      const { payload } = await jwtVerify(match[1], keys, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: ['RS256'],
        requiredClaims: ['sub', 'exp', 'iat'],
      });
      ctx.status = 200;
      ctx.body = {
        message: 'Hello from the demo API',
        sub: payload.sub,
        scope: typeof payload.scope === 'string' ? payload.scope : '',
        issuedAt: new Date((payload.iat ?? 0) * 1000).toISOString(),
      };
    } catch (error) {
      reject(ctx, describe(error));
    }
    return undefined;
  };
}

function reject(ctx: KoaContext, description: string): void {
  ctx.status = 401;
  ctx.set('WWW-Authenticate', `Bearer error="invalid_token", error_description="${description.replaceAll('"', "'")}"`);
  ctx.body = { error: 'invalid_token', error_description: description };
}

// Says what was wrong without echoing any part of the token.
function describe(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'The access token has expired.';
  if (error instanceof joseErrors.JWTClaimValidationFailed)
    return `The access token's "${error.claim}" claim is not accepted.`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'The access token signature is invalid.';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'The access token was not signed by a known key.';
  if (error instanceof joseErrors.JOSEAlgNotAllowed)
    return 'The access token uses a signing algorithm that is not accepted.';
  return 'The access token is malformed.';
}
