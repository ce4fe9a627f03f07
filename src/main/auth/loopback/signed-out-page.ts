import { createServer } from 'node:http';
import type { CallbackSettings } from '../config/config.js';
import type { Logger } from '../logger.js';
import { respondPage } from './browser-responses.js';
import { bindLoopback } from './loopback-server.js';

/** Where the provider sends the browser after logout; Auth0 needs it in Allowed Logout URLs. */
export const SIGNED_OUT_PATH = '/signed-out';

/**
 * How the page ended: the browser came back to it (the provider ended its session and sent the
 * browser on, which is the only confirmation a native app gets), its wait ran out, or the app
 * closed it (a new login needs the port, or the app quits).
 */
export type SignedOutPageOutcome = 'visited' | 'timed-out' | 'closed';

/** A one-shot loopback page saying "You are signed out", the `returnTo` of the provider's logout. */
export interface SignedOutPage {
  readonly url: string;
  readonly closed: Promise<void>;
  readonly outcome: Promise<SignedOutPageOutcome>;
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
  let resolveOutcome!: (outcome: SignedOutPageOutcome) => void;
  const outcome = new Promise<SignedOutPageOutcome>((resolve) => (resolveOutcome = resolve));
  const end = (how: SignedOutPageOutcome): void => {
    // The first way the page ended is the one that counts.
    resolveOutcome(how);
    clearTimeout(timer);
    server.close(() => resolveClosed());
    server.closeAllConnections();
  };
  const timer = setTimeout(() => end('timed-out'), options.timeoutMs);
  server.on('request', (request, response) => {
    const target = request.url ?? '';
    const path = target.split('?', 1)[0];
    if (request.method !== 'GET' || request.headers.host !== hostHeader || path !== SIGNED_OUT_PATH) {
      respondPage(response, 404, { kind: 'not-found' }, options.appName);
      return;
    }
    resolveOutcome('visited');
    respondPage(response, 200, { kind: 'signed-out' }, options.appName);
    response.on('finish', () => end('visited'));
  });
  return { url: `http://${hostHeader}${SIGNED_OUT_PATH}`, closed, outcome, close: () => end('closed') };
}
