import type { ServerResponse } from 'node:http';
import { LOOPBACK_SECURITY_HEADERS, renderBrowserPage, type BrowserPageOutcome } from './callback-pages.js';

/** Writes one of the small browser pages with the loopback security headers. */
export function respondPage(
  response: ServerResponse,
  status: number,
  outcome: BrowserPageOutcome,
  appName: string,
  extraHeaders: Readonly<Record<string, string>> = {},
): void {
  if (response.headersSent) return;
  const body = renderBrowserPage(outcome, appName);
  response.writeHead(status, {
    ...LOOPBACK_SECURITY_HEADERS,
    ...extraHeaders,
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  response.end(body);
}

/** Answers a request the callback server refuses, with a page that says why in the app's own words. */
export function rejectRequest(response: ServerResponse, status: number, appName: string): void {
  if (status === 404) {
    respondPage(response, 404, { kind: 'not-found' }, appName);
    return;
  }
  const message =
    status === 400 || status === 410
      ? 'This sign-in response does not belong to the sign-in the app is waiting for.'
      : 'This request is not accepted here.';
  respondPage(response, status, { kind: 'failed', message }, appName, status === 405 ? { Allow: 'GET' } : {});
}
