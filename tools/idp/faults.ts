import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { SignJWT, base64url, decodeJwt, decodeProtectedHeader, importJWK } from 'jose';
import type { JWK, JWTPayload } from 'jose';
import type { KoaContext, KoaMiddleware } from 'oidc-provider';
import { canSign, generateSigningKey, isSigningKeyAlg } from './signing-keys.js';

/** How requests to one path misbehave. */
export interface Fault {
  /** Answer with this status instead of letting the provider handle the request. */
  readonly status?: number;
  /** Response body with `status`: strings are sent as text, anything else as JSON; null sends no body. Default: an OAuth-style JSON error. */
  readonly body?: unknown;
  /** Extra response headers with `status`, such as Retry-After. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Wait this long first; with no `status` the request then proceeds normally. */
  readonly delayMs?: number;
  /** How many requests to affect; unlimited when absent. */
  readonly times?: number;
  /**
   * With `status`: an endpoint (or proxy) that echoes its input. In `body` strings and `headers`
   * values, `{name}` becomes the request's query parameter or form field `name`
   * (`{refresh_token}`, `{code_verifier}`, `{state}`) and `{form}` the whole form.
   */
  readonly echo?: boolean;
}

/**
 * The one defect a tampered ID token carries. `other-sub` is validly signed with the provider's
 * key: set after a sign-in, the refreshed ID token names another person (OIDC Core §12.2).
 */
export type IdTokenDefect =
  'wrong-iss' | 'wrong-aud' | 'wrong-nonce' | 'expired' | 'unknown-key' | 'alg-none' | 'hs256' | 'other-sub';

/** Switches tests flip to make the provider fail in realistic ways; none of them needs the app to change. */
export interface FaultControls {
  /** Sets or (with null) removes the fault for requests whose pathname equals `path`. */
  set(path: string, fault: Fault | null): void;
  /** Removes every fault, discovery override, ID token defect and clock skew. */
  clear(): void;
  /** Merges these members into the discovery document; a member set to undefined is removed. Null restores it. */
  discovery(overrides: Record<string, unknown> | null): void;
  /** Until reset with null, every ID token the token endpoint returns is re-signed with this defect. */
  idToken(mode: IdTokenDefect | null): void;
  /** Shifts iat and exp of every ID token the token endpoint returns by this many seconds (0 to stop). */
  clockSkewSeconds(seconds: number): void;
  /**
   * Until reset with null, every ID token the token endpoint returns carries this `auth_time`
   * (epoch seconds), validly signed: like an Auth0 tenant that sends it. Changed after a
   * sign-in, a refreshed ID token claims another authentication (OIDC Core §12.2).
   */
  authTime(epochSeconds: number | null): void;
}

export interface FaultOptions {
  readonly tokenPath: string;
  readonly discoveryPaths: readonly string[];
  /** Members always removed from discovery, like end_session_endpoint for some Auth0 tenants. */
  readonly hiddenDiscoveryMembers: readonly string[];
  readonly signingKeys: readonly JWK[];
  /** The client secret HS256 ID tokens are keyed with (OIDC Core §10.1), when the provider signs them so. */
  readonly hmacSecret?: string;
  /** Aborts pending delays when the provider shuts down, so close() is not held up. */
  readonly closing: AbortSignal;
}

interface ActiveFault {
  readonly fault: Fault;
  remaining: number;
}

/** Creates the fault switches and the Koa middleware, mounted before the provider, that applies them. */
export function createFaults(options: FaultOptions): { controls: FaultControls; middleware: KoaMiddleware } {
  const byPath = new Map<string, ActiveFault>();
  let discoveryOverrides: Record<string, unknown> | null = null;
  let idTokenDefect: IdTokenDefect | null = null;
  let skewSeconds = 0;
  let authTime: number | null = null;
  const resign = createResigner(options.signingKeys, options.hmacSecret);

  const controls: FaultControls = {
    set(path, fault) {
      if (!path.startsWith('/')) throw new TypeError('fault path must be a pathname starting with "/"');
      if (fault === null) {
        byPath.delete(path);
        return;
      }
      if (fault.times !== undefined && (!Number.isInteger(fault.times) || fault.times < 1)) {
        throw new TypeError('fault.times must be a positive integer');
      }
      byPath.set(path, { fault, remaining: fault.times ?? Infinity });
    },
    clear() {
      byPath.clear();
      discoveryOverrides = null;
      idTokenDefect = null;
      skewSeconds = 0;
      authTime = null;
    },
    discovery(overrides) {
      discoveryOverrides = overrides === null ? null : { ...overrides };
    },
    idToken(mode) {
      idTokenDefect = mode;
    },
    clockSkewSeconds(seconds) {
      if (!Number.isFinite(seconds)) throw new TypeError('clock skew must be a finite number of seconds');
      skewSeconds = Math.trunc(seconds);
    },
    authTime(epochSeconds) {
      if (epochSeconds !== null && !Number.isInteger(epochSeconds))
        throw new TypeError('auth_time must be whole seconds');
      authTime = epochSeconds;
    },
  };

  const discoveryPaths = new Set(options.discoveryPaths);

  const middleware: KoaMiddleware = async (ctx, next) => {
    const active = byPath.get(ctx.path);
    if (active) {
      active.remaining -= 1;
      if (active.remaining <= 0) byPath.delete(ctx.path);
      const { fault } = active;
      if (fault.delayMs !== undefined && fault.delayMs > 0) {
        try {
          await sleep(fault.delayMs, undefined, { signal: options.closing });
        } catch {
          ctx.status = 503;
          ctx.body = { error: 'temporarily_unavailable', error_description: 'The provider is shutting down.' };
          return;
        }
      }
      if (fault.status !== undefined) {
        respondWithFault(ctx, fault.echo ? echoed(fault, await readForm(ctx)) : fault);
        return;
      }
    }

    await next();

    if (discoveryPaths.has(ctx.path) && ctx.status === 200 && isRecord(ctx.body)) {
      const document: Record<string, unknown> = { ...ctx.body };
      for (const member of options.hiddenDiscoveryMembers) delete document[member];
      for (const [member, value] of Object.entries(discoveryOverrides ?? {})) {
        if (value === undefined) delete document[member];
        else document[member] = value;
      }
      ctx.body = document;
    } else if (
      ctx.path === options.tokenPath &&
      ctx.status === 200 &&
      isRecord(ctx.body) &&
      typeof ctx.body.id_token === 'string' &&
      (idTokenDefect !== null || skewSeconds !== 0 || authTime !== null)
    ) {
      ctx.body = {
        ...ctx.body,
        id_token: await resign(ctx.body.id_token, { defect: idTokenDefect, skewSeconds, authTime }),
      };
    }
  };

  return { controls, middleware };
}

function respondWithFault(ctx: KoaContext, fault: Fault): void {
  ctx.status = fault.status ?? 500;
  ctx.set('Cache-Control', 'no-store');
  for (const [name, value] of Object.entries(fault.headers ?? {})) ctx.set(name, value);
  if (fault.body === null) {
    ctx.body = null;
    // Koa turns a null body into 204; the injected status is the point of the fault.
    ctx.status = fault.status ?? 500;
  } else if (typeof fault.body === 'string') {
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = fault.body;
  } else if (fault.body !== undefined) {
    ctx.type = 'application/json';
    ctx.body = JSON.stringify(fault.body);
  } else {
    ctx.body = defaultErrorBody(ctx.status);
  }
}

/** The request's query parameters and form body (token, revocation), read before the provider sees them. */
async function readForm(ctx: KoaContext): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  const form = new URL(ctx.url, 'http://provider.invalid').searchParams;
  for (const [name, value] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) form.append(name, value);
  return form;
}

/** `fault` with its body strings and header values filled in from the request's form. */
function echoed(fault: Fault, form: URLSearchParams): Fault {
  const fill = (text: string): string =>
    text.replace(/\{([a-z_]+)\}/g, (_match, name: string) =>
      name === 'form' ? form.toString() : (form.get(name) ?? ''),
    );
  const fillAll = (value: unknown): unknown => {
    if (typeof value === 'string') return fill(value);
    if (Array.isArray(value)) return value.map(fillAll);
    if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fillAll(item)]));
    return value;
  };
  const headers = Object.fromEntries(Object.entries(fault.headers ?? {}).map(([name, value]) => [name, fill(value)]));
  return { ...fault, body: fillAll(fault.body), headers };
}

function defaultErrorBody(status: number): { error: string; error_description: string } {
  const error = status === 429 ? 'too_many_requests' : status >= 500 ? 'server_error' : 'invalid_request';
  return { error, error_description: `Fault injected by the local identity provider (HTTP ${status}).` };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

type SigningKey = Awaited<ReturnType<typeof importJWK>>;

/** How one ID token is to be re-signed. */
interface Resigning {
  readonly defect: IdTokenDefect | null;
  readonly skewSeconds: number;
  readonly authTime: number | null;
}

/**
 * Re-signs ID tokens from their decoded claims, adding exactly one defect (and any clock skew or
 * auth_time), with the algorithm and key the provider used: the header's `alg` and `kid`, or the
 * client secret for HS256.
 */
function createResigner(
  signingKeys: readonly JWK[],
  hmacSecret: string | undefined,
): (idToken: string, resigning: Resigning) => Promise<string> {
  const imported = new Map<string, Promise<SigningKey>>();
  const keyFor = (kid: unknown, alg: string): Promise<SigningKey> => {
    if (alg.startsWith('HS')) {
      return hmacSecret === undefined
        ? Promise.reject(new Error('no client secret to re-sign an HS256 ID token with'))
        : Promise.resolve(new TextEncoder().encode(hmacSecret));
    }
    const jwk =
      signingKeys.find((key) => key.kid === kid && canSign(key, alg)) ?? signingKeys.find((key) => canSign(key, alg));
    if (!jwk?.kid) return Promise.reject(new Error(`no ${alg} signing key to re-sign with`));
    const cacheKey = `${jwk.kid} ${alg}`;
    let key = imported.get(cacheKey);
    if (!key) {
      key = importJWK(jwk, alg);
      imported.set(cacheKey, key);
    }
    return key;
  };

  return async (idToken, { defect, skewSeconds, authTime }) => {
    const header = decodeProtectedHeader(idToken);
    const claims: JWTPayload = { ...decodeJwt(idToken) };
    if (skewSeconds !== 0) {
      if (typeof claims.iat === 'number') claims.iat += skewSeconds;
      if (typeof claims.exp === 'number') claims.exp += skewSeconds;
    }
    if (authTime !== null) claims.auth_time = authTime;

    const now = Math.floor(Date.now() / 1000);
    switch (defect) {
      case 'wrong-iss':
        claims.iss = 'https://impostor.example.com/';
        break;
      case 'wrong-aud':
        claims.aud = 'some-other-client';
        break;
      case 'wrong-nonce':
        claims.nonce = base64url.encode(randomBytes(16));
        break;
      case 'expired':
        claims.iat = now - 2 * 3600;
        claims.exp = now - 3600;
        break;
      case 'other-sub':
        claims.sub = 'auth0|someone-else';
        break;
      default:
        break;
    }

    const { kid } = header;
    const alg = header.alg ?? 'RS256';
    const otherHeader: Record<string, unknown> = { ...header };
    delete otherHeader.alg;
    delete otherHeader.kid;
    switch (defect) {
      case 'alg-none':
        // jose refuses to produce unsecured JWTs, so this one is assembled by hand.
        return `${base64url.encode(JSON.stringify({ ...otherHeader, alg: 'none' }))}.${base64url.encode(JSON.stringify(claims))}.`;
      case 'hs256':
        return new SignJWT(claims).setProtectedHeader({ ...otherHeader, alg: 'HS256', kid }).sign(randomBytes(32));
      case 'unknown-key': {
        // A key of the same kind as the provider's, under a kid the JWKS does not have.
        const strangerAlg = isSigningKeyAlg(alg) ? alg : 'RS256';
        const stranger = await generateSigningKey(strangerAlg);
        const strangerKid = stranger.kid ?? randomUUID();
        return new SignJWT(claims)
          .setProtectedHeader({ ...otherHeader, alg: strangerAlg, kid: strangerKid })
          .sign(await importJWK(stranger, strangerAlg));
      }
      default:
        return new SignJWT(claims)
          .setProtectedHeader({ ...otherHeader, alg, ...(kid !== undefined ? { kid } : {}) })
          .sign(await keyFor(kid, alg));
    }
  };
}
