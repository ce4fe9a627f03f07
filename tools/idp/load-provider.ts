import type * as OidcProviderModule from 'oidc-provider';

let loading: Promise<typeof OidcProviderModule> | undefined;

/** Imports oidc-provider once, without its runtime banner. */
export function loadOidcProvider(): Promise<typeof OidcProviderModule> {
  loading ??= importQuietly();
  return loading;
}

async function importQuietly(): Promise<typeof OidcProviderModule> {
  const original = console.warn;
  // oidc-provider 9 prints "Unsupported runtime" on import under Node 20 (it wants 22+). It runs
  // fine here and the project targets Node 20, so only that one line is dropped; anything else
  // printed meanwhile still goes through.
  console.warn = (...args: unknown[]): void => {
    if (typeof args[0] === 'string' && args[0].includes('oidc-provider WARNING: Unsupported runtime')) return;
    original(...args);
  };
  try {
    return await import('oidc-provider');
  } finally {
    console.warn = original;
  }
}
