import http from 'node:http';
import https from 'node:https';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { pipeline, type Readable, type Transform } from 'node:stream';

/** A provider answer larger than this is refused: discovery, keys and tokens are a few kilobytes. */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** Statuses whose answer has no body (Fetch standard, "null body status"). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/** `fetch` over Node's own HTTP client, whose idle connections stay open until the server closes them. */
export interface KeepAliveFetch {
  readonly fetch: typeof fetch;
  /** Closes every idle connection; requests still running finish. */
  close(): void;
}

/**
 * The provider's requests go through Node's HTTP agents instead of the global `fetch`: its pool
 * (undici) drops an idle connection after 4 seconds unless the server says otherwise, and a
 * person takes longer than that on the sign-in page, so the connection opened while they do
 * (login-flow.ts) would be gone when the code exchange needs it. These agents keep an idle
 * connection for as long as the server does (its `Keep-Alive: timeout` hint is honoured), and
 * reuse TLS sessions for new ones. Memory is the same either way: Node's `fetch` adds about
 * 1 MiB to a process that already loads `node:http` for the callback server.
 */
export function createKeepAliveFetch(): KeepAliveFetch {
  const agents = {
    'http:': new http.Agent({ keepAlive: true }),
    'https:': new https.Agent({ keepAlive: true }),
  } as const;
  return {
    fetch: (input, init) => send(agents, input, init),
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}

type Agents = { readonly 'http:': http.Agent; readonly 'https:': https.Agent };

async function send(agents: Agents, input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  if (input instanceof Request) throw new TypeError('keep-alive fetch takes a URL, not a Request');
  const url = new URL(input);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`fetch failed: ${url.protocol} is not supported`);
  }
  const signal = init.signal ?? undefined;
  signal?.throwIfAborted();
  const method = (init.method ?? 'GET').toUpperCase();
  const headers = new Headers(init.headers);
  const body = requestBody(init.body, headers);
  if (body !== undefined) headers.set('content-length', String(body.byteLength));
  if (!headers.has('accept-encoding')) headers.set('accept-encoding', 'gzip, deflate, br');
  const agent = url.protocol === 'https:' ? agents['https:'] : agents['http:'];
  const request = (url.protocol === 'https:' ? https : http).request(url, {
    method,
    agent,
    headers: Object.fromEntries(headers),
  });
  return new Promise<Response>((resolve, reject) => {
    const onAbort = (): void => {
      request.destroy();
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const settle = (): void => signal?.removeEventListener('abort', onAbort);
    request.once('error', (error) => {
      settle();
      // The shape Node's fetch gives network failures, which provider-errors.ts reads (cause.code).
      reject(new TypeError('fetch failed', { cause: error }));
    });
    request.once('response', (answer) => {
      readAnswer(answer, method).then(
        (response) => {
          settle();
          resolve(response);
        },
        (error: unknown) => {
          settle();
          request.destroy();
          reject(new TypeError('fetch failed', { cause: error }));
        },
      );
    });
    request.end(body);
  });
}

/** The request body as bytes; what openid-client sends is a string or URLSearchParams. */
function requestBody(body: RequestInit['body'], headers: Headers): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') {
    if (!headers.has('content-type')) headers.set('content-type', 'text/plain;charset=UTF-8');
    return Buffer.from(body, 'utf8');
  }
  if (body instanceof URLSearchParams) {
    if (!headers.has('content-type')) headers.set('content-type', 'application/x-www-form-urlencoded;charset=UTF-8');
    return Buffer.from(body.toString(), 'utf8');
  }
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new TypeError('keep-alive fetch sends strings, URLSearchParams and bytes only');
}

async function readAnswer(answer: http.IncomingMessage, method: string): Promise<Response> {
  const status = answer.statusCode ?? 0;
  const headers = new Headers();
  const raw = answer.rawHeaders;
  for (let index = 0; index + 1 < raw.length; index += 2) headers.append(raw[index] ?? '', raw[index + 1] ?? '');
  const init = { status, statusText: answer.statusMessage ?? '', headers };
  if (method === 'HEAD' || NULL_BODY_STATUSES.has(status)) {
    answer.resume();
    return new Response(null, init);
  }
  const bytes = await readAll(decoded(answer));
  // The body is decoded here, as Node's fetch does; its length and encoding no longer apply.
  headers.delete('content-encoding');
  headers.delete('content-length');
  return new Response(bytes, init);
}

function decoded(answer: http.IncomingMessage): Readable {
  const encoding = answer.headers['content-encoding']?.trim().toLowerCase();
  if (encoding === 'gzip' || encoding === 'x-gzip') return through(answer, createGunzip());
  if (encoding === 'deflate') return through(answer, createInflate());
  if (encoding === 'br') return through(answer, createBrotliDecompress());
  return answer;
}

/** `answer` piped through `decoder`, with a failure of either ending the read (pipe() alone would hang). */
function through(answer: http.IncomingMessage, decoder: Transform): Readable {
  return pipeline(answer, decoder, () => {
    // The error, if any, reaches the reader through the destroyed decoder.
  });
}

async function readAll(stream: Readable): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = chunk as Buffer;
    size += buffer.byteLength;
    if (size > MAX_RESPONSE_BYTES) throw new Error(`the answer is larger than ${MAX_RESPONSE_BYTES} bytes`);
    chunks.push(buffer);
  }
  return new Uint8Array(Buffer.concat(chunks));
}
