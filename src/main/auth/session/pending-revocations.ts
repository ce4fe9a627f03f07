import * as client from 'openid-client';
import type { AuthError } from '../auth-error.js';
import type { Logger } from '../logger.js';
import type { DiscoveryCache } from '../oidc/oidc-discovery.js';
import { createOperationQueue } from './operation-queue.js';
import { mapProviderError } from '../oidc/provider-errors.js';
import type { SecretStore } from './secret-store.js';

/**
 * Refresh tokens that logout could not revoke (provider down, 5xx, 400). They stay valid at
 * the provider until revoked, so they are kept (in the keychain, never on disk) and retried
 * at the next start, after the provider answers again, and on a timer (RFC 7009 §2).
 */
export interface PendingRevocations {
  list(): Promise<readonly string[]>;
  add(token: string): Promise<void>;
  remove(token: string): Promise<void>;
}

const ACCOUNT = 'pending-revocation.v1';
/** A person who signs out offline again and again should not grow the entry without bound. */
const MAX_PENDING = 10;

/**
 * Keeps pending revocations in the keychain under a service of their own, so the session
 * store's clean-ups never touch them. When the keychain refuses, they live in memory for this
 * run: still retried, never written anywhere else.
 */
export function createKeychainPendingRevocations(secrets: SecretStore, sessionService: string): PendingRevocations {
  const service = `${sessionService} pending revocations`;
  let memory: string[] | undefined;
  // add and remove read, change and write the one entry: a logout's add overlapping a retry's
  // remove would otherwise write back a list without the other's change and lose a token.
  const queue = createOperationQueue();

  const read = async (): Promise<string[]> => {
    if (memory) return memory;
    try {
      const text = await secrets.getPassword(service, ACCOUNT);
      const value: unknown = text === null ? [] : JSON.parse(text);
      return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : [];
    } catch {
      return [];
    }
  };
  const write = async (tokens: string[]): Promise<void> => {
    try {
      if (tokens.length === 0) await secrets.deletePassword(service, ACCOUNT);
      else await secrets.setPassword(service, ACCOUNT, JSON.stringify(tokens));
      memory = undefined;
    } catch {
      memory = tokens;
    }
  };
  return {
    list: () => queue.run(read),
    add: (token) =>
      queue.run(async () => {
        const tokens = (await read()).filter((entry) => entry !== token);
        await write([...tokens, token].slice(-MAX_PENDING));
      }),
    remove: (token) => queue.run(async () => write((await read()).filter((entry) => entry !== token))),
  };
}

/** In memory only: where no keychain could be loaded at all. */
export function createMemoryPendingRevocations(): PendingRevocations {
  let tokens: string[] = [];
  return {
    list: () => Promise.resolve(tokens),
    add(token) {
      tokens = [...tokens.filter((entry) => entry !== token), token].slice(-MAX_PENDING);
      return Promise.resolve();
    },
    remove(token) {
      tokens = tokens.filter((entry) => entry !== token);
      return Promise.resolve();
    },
  };
}

/**
 * Revokes one refresh token: undefined once the provider has it revoked (RFC 7009 §2.2 answers
 * 200 for a token it no longer knows, too), else why it must be tried again later. Logout and
 * the retries share it, so both classify and log a failure the same way.
 */
export async function revokeRefreshToken(
  discovery: DiscoveryCache,
  token: string,
  logger: Logger,
): Promise<AuthError | undefined> {
  try {
    const oidc = await discovery.get();
    if (oidc.serverMetadata().revocation_endpoint === undefined) return undefined;
    await client.tokenRevocation(oidc, token, { token_type_hint: 'refresh_token' });
    return undefined;
  } catch (error) {
    const mapped = mapProviderError(error, 'revocation');
    logger.warn(`the refresh token could not be revoked (${mapped.code})`);
    return mapped;
  }
}

/** Tries every pending revocation once; resolves with how many are still pending. */
export async function retryPendingRevocations(
  pending: PendingRevocations,
  discovery: DiscoveryCache,
  logger: Logger,
): Promise<number> {
  let left = 0;
  for (const token of await pending.list()) {
    if ((await revokeRefreshToken(discovery, token, logger)) === undefined) await pending.remove(token);
    else left += 1;
  }
  if (left === 0) logger.info('pending revocations done');
  return left;
}
