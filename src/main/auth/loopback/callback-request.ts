import { createHash, timingSafeEqual } from 'node:crypto';

/** The longest request target the callback server reads; real callbacks are a few hundred bytes. */
export const MAX_REQUEST_TARGET = 4096;
/** Where the browser is sent after the callback, so the code does not stay in its history. */
export const DONE_PATH = '/done';

/** What the server knows when it judges a request. */
export interface CallbackRequestContext {
  readonly callbackPath: string;
  /** Exact `Host` header value accepted, e.g. `127.0.0.1:28460` (DNS-rebinding defence). */
  readonly expectedHost: string;
  readonly expectedState: string;
  /** True once a callback with the right state has been accepted (single use). */
  readonly consumed: boolean;
}

/** The parts of an incoming request the decision depends on. */
export interface IncomingCallbackRequest {
  readonly method: string | undefined;
  readonly target: string | undefined;
  readonly host: string | undefined;
}

/** What to do with one request. Rejections keep the login waiting; only `authorized`/`denied` end it. */
export type CallbackDecision =
  | { readonly kind: 'reject'; readonly status: 400 | 404 | 405 | 410 | 414 | 421; readonly reason: string }
  | { readonly kind: 'done-page' }
  | { readonly kind: 'authorized'; readonly params: URLSearchParams }
  | {
      readonly kind: 'denied';
      readonly error: string;
      readonly description?: string;
      readonly params: URLSearchParams;
    };

// RFC 6749 §4.1.2.1: error and error_description are limited to these characters.
const ERROR_CODE = /^[\x20-\x21\x23-\x5B\x5D-\x7E]{1,100}$/;
const ERROR_DESCRIPTION = /^[\x20-\x21\x23-\x5B\x5D-\x7E]*$/;
const MAX_DESCRIPTION = 300;

/**
 * Judges one request to the loopback server. Pure, so every hostile shape is unit-tested:
 * a stray or forged request gets a 4xx and never ends the login (RFC 9700 §4.2.4).
 */
export function judgeCallbackRequest(
  request: IncomingCallbackRequest,
  context: CallbackRequestContext,
): CallbackDecision {
  const target = request.target ?? '';
  if (target.length > MAX_REQUEST_TARGET) return reject(414, 'request target too long');
  if (request.host !== context.expectedHost) return reject(421, 'unexpected Host header');
  // Origin-form only. `//host/...` or `/\host` would parse as another authority, so the raw
  // path (before `?`) is what must equal the callback path.
  if (!target.startsWith('/') || target.startsWith('//') || target.includes('\\')) {
    return reject(400, 'not an origin-form request target');
  }
  const rawPath = target.split('?', 1)[0];

  let url: URL;
  try {
    url = new URL(target, `http://${context.expectedHost}`);
  } catch {
    return reject(400, 'malformed request target');
  }
  if (rawPath !== url.pathname) return reject(400, 'non-canonical path');
  if (url.pathname === DONE_PATH) {
    return request.method === 'GET' ? { kind: 'done-page' } : reject(405, 'method not allowed');
  }
  if (url.pathname !== context.callbackPath) return reject(404, 'unknown path');
  if (request.method !== 'GET') return reject(405, 'method not allowed');
  if (context.consumed) return reject(410, 'callback already used');

  const params = url.searchParams;
  for (const name of ['state', 'code', 'error', 'error_description', 'iss']) {
    if (params.getAll(name).length > 1) return reject(400, `repeated ${name} parameter`);
  }
  const state = params.get('state');
  if (state === null || !sameSecret(state, context.expectedState)) return reject(400, 'state missing or wrong');

  const code = params.get('code');
  const error = params.get('error');
  if (code !== null && error !== null) return reject(400, 'both code and error present');
  if (error !== null) {
    if (!ERROR_CODE.test(error)) return reject(400, 'malformed error parameter');
    const rawDescription = params.get('error_description');
    const description =
      rawDescription !== null && ERROR_DESCRIPTION.test(rawDescription)
        ? rawDescription.slice(0, MAX_DESCRIPTION)
        : undefined;
    return { kind: 'denied', error, ...(description ? { description } : {}), params };
  }
  if (code === null || code === '') return reject(400, 'code missing');
  return { kind: 'authorized', params };
}

function reject(
  status: 400 | 404 | 405 | 410 | 414 | 421,
  reason: string,
): Extract<CallbackDecision, { kind: 'reject' }> {
  return { kind: 'reject', status, reason };
}

/** Constant-time comparison that does not leak the expected length (RFC 8252 §8.9 state is a secret). */
export function sameSecret(received: string, expected: string): boolean {
  const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(received), digest(expected));
}
