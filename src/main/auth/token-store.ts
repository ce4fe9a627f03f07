import { createHash, randomBytes } from 'node:crypto';
import type { Profile } from '../../shared/auth-state.js';
import { AuthError } from './auth-error.js';
import { createOperationQueue } from './operation-queue.js';
import type { SecretStore } from './secret-store.js';
import type { TokenSet } from './token-set.js';

/** One persisted session: tokens plus the profile shown at start-up without any network call. */
export interface StoredSession {
  readonly tokens: TokenSet;
  readonly profile: Profile;
}

/** What reading the keychain found. `unavailable` means "could not look", so nothing is deleted. */
export type LoadResult =
  | { readonly kind: 'found'; readonly session: StoredSession }
  | { readonly kind: 'empty' }
  | { readonly kind: 'discarded'; readonly reason: string }
  | { readonly kind: 'unavailable'; readonly error: AuthError };

/** Keeps the session in the OS keychain, nowhere else. */
export interface TokenStore {
  load(): Promise<LoadResult>;
  /** Throws `keychain_unavailable` when the keychain refuses; the caller keeps the session in memory. */
  save(session: StoredSession): Promise<void>;
  /** Deletes every entry of this app's service. */
  clear(): Promise<void>;
}

const FORMAT_VERSION = 1;
const META_ACCOUNT = `session.v${FORMAT_VERSION}`;
/**
 * Windows Credential Manager caps a blob at 2,560 bytes and Auth0 access tokens with many
 * permissions are larger, so the session is split into chunks well under that (the Auth0 CLI
 * uses 2,048-byte chunks for the same reason).
 */
export const CHUNK_SIZE = 1800;
const MAX_CHUNKS = 64;

interface Meta {
  readonly v: number;
  readonly gen: string;
  readonly chunks: number;
  readonly sha256: string;
}

/**
 * A TokenStore on top of keytar-shaped storage. Writes are crash-safe: new chunks go under a
 * fresh generation id, the small meta entry is switched last (the commit point), then chunks
 * of any other generation are removed. A torn write reads as the previous session.
 */
export function createKeychainTokenStore(secrets: SecretStore, service: string): TokenStore {
  const chunkAccount = (gen: string, index: number): string => `${META_ACCOUNT}.${gen}.${index}`;
  // One keychain operation at a time: two overlapping saves would each remove the other's
  // chunks as stale, and the next start would discard the session as incomplete.
  const queue = createOperationQueue();

  // The generation this store last committed. Saves run one at a time, but a save's cleanup
  // may run after a later save, so it keeps whatever is committed by then, not its own.
  let committed: string | undefined;

  /** Removes every chunk but the committed generation's (all of them when `keep` is undefined). */
  const removeStale = async (keep: string | undefined): Promise<void> => {
    const entries = await secrets.findCredentials(service);
    for (const { account } of entries) {
      if (account === META_ACCOUNT) continue;
      if (keep !== undefined && account.startsWith(`${META_ACCOUNT}.${keep}.`)) continue;
      await secrets.deletePassword(service, account);
    }
  };

  const discard = async (reason: string): Promise<LoadResult> => {
    committed = undefined;
    try {
      await secrets.deletePassword(service, META_ACCOUNT);
      await removeStale(undefined);
    } catch {
      // Discarding is best effort; the entry is not trusted either way.
    }
    return { kind: 'discarded', reason };
  };

  const load = async (): Promise<LoadResult> => {
    let metaText: string | null;
    try {
      metaText = await secrets.getPassword(service, META_ACCOUNT);
    } catch (error) {
      return { kind: 'unavailable', error: keychainError(error) };
    }
    if (metaText === null) return { kind: 'empty' };
    const meta = parseMeta(metaText);
    if (meta === undefined) return discard('the keychain entry is not in a format this app wrote');
    const parts: string[] = [];
    try {
      for (let index = 0; index < meta.chunks; index += 1) {
        const part = await secrets.getPassword(service, chunkAccount(meta.gen, index));
        if (part === null) return discard('the keychain entry is incomplete');
        parts.push(part);
      }
    } catch (error) {
      return { kind: 'unavailable', error: keychainError(error) };
    }
    const payload = parts.join('');
    if (sha256(payload) !== meta.sha256) return discard('the keychain entry is corrupt');
    const session = parseSession(payload);
    if (session === undefined) return discard('the keychain entry does not hold a valid session');
    return { kind: 'found', session };
  };

  const save = async (session: StoredSession): Promise<void> => {
    const payload = Buffer.from(JSON.stringify({ v: FORMAT_VERSION, ...session }), 'utf8').toString('base64url');
    const chunks = Math.ceil(payload.length / CHUNK_SIZE);
    if (chunks > MAX_CHUNKS) throw new AuthError('keychain_unavailable', 'The session is too large for the keychain.');
    const gen = randomBytes(6).toString('hex');
    try {
      for (let index = 0; index < chunks; index += 1) {
        await secrets.setPassword(
          service,
          chunkAccount(gen, index),
          payload.slice(index * CHUNK_SIZE, (index + 1) * CHUNK_SIZE),
        );
      }
      const meta: Meta = { v: FORMAT_VERSION, gen, chunks, sha256: sha256(payload) };
      await secrets.setPassword(service, META_ACCOUNT, JSON.stringify(meta));
      committed = gen;
    } catch (error) {
      throw keychainError(error);
    }
    // Off the person's path: the save returns now, and the next operation waits for this.
    void queue.run(() =>
      removeStale(committed).catch(() => {
        // Old chunks are unreachable without their meta; a later save removes them.
      }),
    );
  };

  const clear = async (): Promise<void> => {
    committed = undefined;
    try {
      await secrets.deletePassword(service, META_ACCOUNT);
      await removeStale(undefined);
    } catch (error) {
      throw keychainError(error);
    }
  };

  return {
    load: () => queue.run(load),
    save: (session) => queue.run(() => save(session)),
    clear: () => queue.run(clear),
  };
}

function keychainError(error: unknown): AuthError {
  if (error instanceof AuthError) return error;
  return new AuthError(
    'keychain_unavailable',
    'The system keychain is not available (locked, denied, or not running), so your session will not be remembered after you quit.',
    { cause: error },
  );
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function parseMeta(text: string): Meta | undefined {
  try {
    const value = JSON.parse(text) as Partial<Meta>;
    if (
      value.v === FORMAT_VERSION &&
      typeof value.gen === 'string' &&
      /^[0-9a-f]{12}$/.test(value.gen) &&
      Number.isInteger(value.chunks) &&
      (value.chunks ?? 0) >= 1 &&
      (value.chunks ?? 0) <= MAX_CHUNKS &&
      typeof value.sha256 === 'string'
    ) {
      return value as Meta;
    }
  } catch {
    // Not JSON: a foreign or corrupt entry.
  }
  return undefined;
}

/** Validates the decoded session field by field; anything unexpected is not trusted. */
function parseSession(payload: string): StoredSession | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const tokens = record['tokens'] as Record<string, unknown> | undefined;
  const profile = record['profile'] as Record<string, unknown> | undefined;
  if (record['v'] !== FORMAT_VERSION || typeof tokens !== 'object' || tokens === null) return undefined;
  if (typeof profile !== 'object' || profile === null || typeof profile['sub'] !== 'string') return undefined;
  if (typeof tokens['accessToken'] !== 'string' || typeof tokens['expiresAt'] !== 'number') return undefined;
  // Optional: sessions saved before lifetimes were recorded lack it.
  const lifetimeMs = tokens['lifetimeMs'];
  if (lifetimeMs !== undefined && !(typeof lifetimeMs === 'number' && Number.isFinite(lifetimeMs) && lifetimeMs > 0)) {
    return undefined;
  }
  for (const optional of ['refreshToken', 'idToken', 'scope', 'audience']) {
    if (tokens[optional] !== undefined && typeof tokens[optional] !== 'string') return undefined;
  }
  return { tokens: tokens as unknown as TokenSet, profile: profile as unknown as Profile };
}
