import { setTimeout as sleep } from 'node:timers/promises';
import type { JWK } from 'jose';
import type { KoaContext, KoaMiddleware } from 'oidc-provider';
import { createResigner } from './id-token-resigner.js';
import type { IdTokenDefect } from './id-token-resigner.js';

export type { IdTokenDefect } from './id-token-resigner.js';

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

/** What the fault middleware needs to know about the provider it sits in front of. */
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

/** What the switches are set to; the middleware reads it on every request. */
interface FaultState {
  readonly byPath: Map<string, ActiveFault>;
  discoveryOverrides: Record<string, unknown> | null;
  idTokenDefect: IdTokenDefect | null;
  skewSeconds: number;
  authTime: number | null;
}

/** Creates the fault switches and the Koa middleware, mounted before the provider, that applies them. */
export function createFaults(options: FaultOptions): { controls: FaultControls; middleware: KoaMiddleware } {
  const state: FaultState = {
    byPath: new Map(),
    discoveryOverrides: null,
    idTokenDefect: null,
    skewSeconds: 0,
    authTime: null,
  };
  const resign = createResigner(options.signingKeys, options.hmacSecret);
  const discoveryPaths = new Set(options.discoveryPaths);

  const middleware: KoaMiddleware = async (ctx, next) => {
    if (await answeredByFault(ctx, state.byPath, options.closing)) return;

    await next();

    if (discoveryPaths.has(ctx.path) && ctx.status === 200 && isRecord(ctx.body)) {
      ctx.body = alteredDiscovery(ctx.body, options.hiddenDiscoveryMembers, state.discoveryOverrides);
    } else if (
      ctx.path === options.tokenPath &&
      ctx.status === 200 &&
      isRecord(ctx.body) &&
      typeof ctx.body.id_token === 'string' &&
      (state.idTokenDefect !== null || state.skewSeconds !== 0 || state.authTime !== null)
    ) {
      const { idTokenDefect: defect, skewSeconds, authTime } = state;
      ctx.body = { ...ctx.body, id_token: await resign(ctx.body.id_token, { defect, skewSeconds, authTime }) };
    }
  };

  return { controls: faultControls(state), middleware };
}

function faultControls(state: FaultState): FaultControls {
  return {
    set(path, fault) {
      if (!path.startsWith('/')) throw new TypeError('fault path must be a pathname starting with "/"');
      if (fault === null) {
        state.byPath.delete(path);
        return;
      }
      if (fault.times !== undefined && (!Number.isInteger(fault.times) || fault.times < 1)) {
        throw new TypeError('fault.times must be a positive integer');
      }
      state.byPath.set(path, { fault, remaining: fault.times ?? Infinity });
    },
    clear() {
      state.byPath.clear();
      state.discoveryOverrides = null;
      state.idTokenDefect = null;
      state.skewSeconds = 0;
      state.authTime = null;
    },
    discovery(overrides) {
      state.discoveryOverrides = overrides === null ? null : { ...overrides };
    },
    idToken(mode) {
      state.idTokenDefect = mode;
    },
    clockSkewSeconds(seconds) {
      if (!Number.isFinite(seconds)) throw new TypeError('clock skew must be a finite number of seconds');
      state.skewSeconds = Math.trunc(seconds);
    },
    authTime(epochSeconds) {
      if (epochSeconds !== null && !Number.isInteger(epochSeconds))
        throw new TypeError('auth_time must be whole seconds');
      state.authTime = epochSeconds;
    },
  };
}

/** Applies the fault set for the request's path, if any; true when the fault answered the request. */
async function answeredByFault(
  ctx: KoaContext,
  byPath: Map<string, ActiveFault>,
  closing: AbortSignal,
): Promise<boolean> {
  const active = byPath.get(ctx.path);
  if (!active) return false;
  active.remaining -= 1;
  if (active.remaining <= 0) byPath.delete(ctx.path);
  const { fault } = active;
  if (fault.delayMs !== undefined && fault.delayMs > 0) {
    try {
      await sleep(fault.delayMs, undefined, { signal: closing });
    } catch {
      ctx.status = 503;
      ctx.body = { error: 'temporarily_unavailable', error_description: 'The provider is shutting down.' };
      return true;
    }
  }
  if (fault.status === undefined) return false;
  respondWithFault(ctx, fault.echo ? echoed(fault, await readForm(ctx)) : fault);
  return true;
}

/** The discovery document without the hidden members and with the overrides merged in. */
function alteredDiscovery(
  body: Record<string, unknown>,
  hiddenMembers: readonly string[],
  overrides: Record<string, unknown> | null,
): Record<string, unknown> {
  const document: Record<string, unknown> = { ...body };
  for (const member of hiddenMembers) delete document[member];
  for (const [member, value] of Object.entries(overrides ?? {})) {
    if (value === undefined) delete document[member];
    else document[member] = value;
  }
  return document;
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
