import type { Provider } from 'oidc-provider';

/** Prints the provider's errors as one line each: only names and codes, since messages and contexts can carry request details. */
export function logProviderErrors(provider: Provider): void {
  provider.on('server_error', (_ctx: unknown, error: unknown) => logError('server_error', error));
  // A listener here also replaces Koa's default handler, which prints whole stack traces.
  provider.on('error', (error: unknown) => logError('error', error));
}

function logError(event: string, error: unknown): void {
  const name = error instanceof Error ? error.name : typeof error;
  const code =
    typeof error === 'object' && error !== null && 'error' in error && typeof error.error === 'string'
      ? error.error
      : typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
        ? error.code
        : '';
  console.error(`[idp] ${event} ${name}${code ? ` ${code}` : ''}`);
}
