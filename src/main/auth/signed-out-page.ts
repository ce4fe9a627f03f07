import { createServer } from 'node:http';
import type { CallbackSettings } from './config.js';
import type { Logger } from './logger.js';
import { bindLoopback, respondPage } from './loopback-server.js';

/** Where the provider sends the browser after logout; Auth0 needs it in Allowed Logout URLs. */
export const SIGNED_OUT_PATH = '/signed-out';

/** A one-shot loopback page saying "You are signed out", the `returnTo` of the provider's logout. */
export interface SignedOutPage {
  readonly url: string;
  readonly closed: Promise<void>;
  close(): void;
}

/** Serves the signed-out page once on a registered loopback port, then closes (or after `timeoutMs`). */
export async function startSignedOutPage(options: {
  readonly settings: CallbackSettings;
  readonly timeoutMs: number;
  readonly appName: string;
  readonly logger: Logger;
}): Promise<SignedOutPage> {
  const server = createServer({ maxHeaderSize: 8192, requestTimeout: 30_000 });
  const { authority: hostHeader } = await bindLoopback(server, options.settings.ports, options.logger);
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  const close = (): void => {
    clearTimeout(timer);
    server.close(() => resolveClosed());
    server.closeAllConnections();
  };
  const timer = setTimeout(close, options.timeoutMs);
  server.on('request', (request, response) => {
    const target = request.url ?? '';
    const path = target.split('?', 1)[0];
    if (request.method !== 'GET' || request.headers.host !== hostHeader || path !== SIGNED_OUT_PATH) {
      respondPage(response, 404, { kind: 'not-found' }, options.appName);
      return;
    }
    respondPage(response, 200, { kind: 'signed-out' }, options.appName);
    response.on('finish', close);
  });
  return { url: `http://${hostHeader}${SIGNED_OUT_PATH}`, closed, close };
}
