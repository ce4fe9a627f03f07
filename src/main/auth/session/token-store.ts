import { createHash, randomBytes } from 'node:crypto';
import type { Profile } from '../../../shared/auth-state.js';
import { AuthError } from '../auth-error.js';
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
  /** Deletes every entry this store wrote under the app's service. */
  clear(): Promise<void>;
}

const FORMAT_VERSION = 1;
const INDEX_ACCOUNT = `session.v${FORMAT_VERSION}`;
/**
 * Windows Credential Manager caps a blob at 2,560 bytes and Auth0 access tokens with many
 * permissions are larger, so the session is split into chunks well under that (the Auth0 CLI
 * uses 2,048-byte chunks for the same reason).
 */
export const CHUNK_SIZE = 1800;
const MAX_CHUNKS = 64;
/**
 * Generations awaiting deletion stay named in the index until a clean-up succeeds; a keychain
 * that keeps refusing deletes must not grow the index without bound (the oldest names are let go).
 */
const MAX_STALE = 16;
/** A load that sees the index change under it (another app process saving) reads again this often. */
const LOAD_ATTEMPTS = 3;

/** The chunks of one save: `session.v1.<gen>.0` to `session.v1.<gen>.<chunks - 1>`. */
interface Generation {
  readonly gen: string;
  readonly chunks: number;
}

/**
 * The index entry names every chunk this store may have left in the keychain, so nothing ever
 * has to list the service: keytar's findCredentials crashes the process (libsecret hands it a
 * null secret) when an entry of the service is deleted while it lists, by this process or any
 * other.
 */
interface Index {
  /** The session a load returns; absent before the first save commits and after a clear. */
  readonly committed?: Generation & { readonly sha256: string };
  /** Generations whose chunks may still exist: a save not yet committed, or replaced ones not yet deleted. */
  readonly stale: readonly Generation[];
}

/** What the index entry holds: nothing, something this app did not write, or an index. */
type IndexRead =
  { readonly kind: 'missing' } | { readonly kind: 'corrupt' } | { readonly kind: 'ok'; readonly index: Index };

/**
 * A TokenStore on top of keytar-shaped storage. Writes are crash-safe: a save first records its
 * new generation in the index, writes the chunks, then switches the index to them (the commit
 * point) and deletes the replaced generation's chunks by name. A torn write reads as the previous
 * session, and whatever it left behind is named in the index for the next save, load or clear.
 */
export function createKeychainTokenStore(secrets: SecretStore, service: string): TokenStore {
  const chunkAccount = (gen: string, index: number): string => `${INDEX_ACCOUNT}.${gen}.${index}`;
  // One keychain operation at a time: two overlapping saves would each retire the other's
  // chunks, and the next start would discard the session as incomplete.
  const queue = createOperationQueue();
  // Generations whose chunks this store has deleted since the index was last written: the index
  // still names them, and the next index written leaves them out.
  const removed = new Set<string>();

  const readIndex = async (): Promise<IndexRead> => {
    const text = await secrets.getPassword(service, INDEX_ACCOUNT);
    if (text === null) return { kind: 'missing' };
    const index = parseIndex(text);
    return index ? { kind: 'ok', index } : { kind: 'corrupt' };
  };

  const writeIndex = async (index: Index): Promise<void> => {
    await secrets.setPassword(service, INDEX_ACCOUNT, formatIndex(index));
    // Every index written leaves out the generations in `removed`, so they need no memory now.
    removed.clear();
  };

  /** The index's stale generations minus those already deleted, newest first, capped. */
  const stillStale = (index: Index, ...newer: Array<Generation | undefined>): Generation[] => {
    const seen = new Set<string>();
    const list: Generation[] = [];
    for (const entry of [...newer, ...index.stale]) {
      if (entry === undefined || removed.has(entry.gen) || seen.has(entry.gen)) continue;
      seen.add(entry.gen);
      list.push({ gen: entry.gen, chunks: entry.chunks });
    }
    return list.slice(0, MAX_STALE);
  };

  /** Deletes the named chunks; throws the keychain's error so clear() can report it. */
  const removeGenerations = async (generations: readonly Generation[]): Promise<void> => {
    for (const { gen, chunks } of generations) {
      for (let index = 0; index < chunks; index += 1) await secrets.deletePassword(service, chunkAccount(gen, index));
      removed.add(gen);
    }
  };

  /** Deletes the replaced chunks off the person's path: the next operation waits for it. */
  const removeLater = (generations: readonly Generation[]): void => {
    const pending = generations.filter(({ gen }) => !removed.has(gen));
    if (pending.length === 0) return;
    void queue.run(() =>
      removeGenerations(pending).catch(() => {
        // Still named in the index: the next save, load or clear tries again.
      }),
    );
  };

  /**
   * Last resort, for an index this app cannot read: the chunk names are unknown, so the service
   * is listed. It runs inside this store's queue, and the app's keychain is one serialised
   * store per process (secret-store.ts), so no other keychain call of this process overlaps it.
   */
  const removeEverything = async (): Promise<void> => {
    const entries = await secrets.findCredentials(service);
    for (const { account } of entries) {
      if (account !== INDEX_ACCOUNT) await secrets.deletePassword(service, account);
    }
    await secrets.deletePassword(service, INDEX_ACCOUNT);
    removed.clear();
  };

  const discard = async (index: Index | undefined, reason: string): Promise<LoadResult> => {
    try {
      if (index === undefined) {
        await removeEverything();
      } else {
        // Chunks first, the index last: a discard cut short is discarded again at the next start.
        await removeGenerations(stillStale(index, index.committed));
        await secrets.deletePassword(service, INDEX_ACCOUNT);
        removed.clear();
      }
    } catch {
      // Discarding is best effort; the entry is not trusted either way.
    }
    return { kind: 'discarded', reason };
  };

  const load = async (): Promise<LoadResult> => {
    for (let attempt = 1; ; attempt += 1) {
      let read: IndexRead;
      let parts: string[] | undefined;
      try {
        read = await readIndex();
        if (read.kind === 'missing') return { kind: 'empty' };
        if (read.kind === 'corrupt') return discard(undefined, 'the keychain entry is not in a format this app wrote');
        const { committed } = read.index;
        if (committed === undefined) {
          removeLater(read.index.stale);
          return { kind: 'empty' };
        }
        parts = [];
        for (let index = 0; index < committed.chunks; index += 1) {
          const part = await secrets.getPassword(service, chunkAccount(committed.gen, index));
          if (part === null) {
            parts = undefined;
            break;
          }
          parts.push(part);
        }
        // Another app process on the same service (a second instance) may have committed a newer
        // save and deleted these chunks between the reads: read its session rather than discard it.
        if (parts === undefined && attempt < LOAD_ATTEMPTS) {
          const again = await readIndex();
          if (again.kind !== 'ok' || again.index.committed?.gen !== committed.gen) continue;
        }
      } catch (error) {
        return { kind: 'unavailable', error: keychainError(error) };
      }
      const { index } = read;
      if (parts === undefined) return discard(index, 'the keychain entry is incomplete');
      const payload = parts.join('');
      if (sha256(payload) !== index.committed?.sha256) return discard(index, 'the keychain entry is corrupt');
      const session = parseSession(payload);
      if (session === undefined) return discard(index, 'the keychain entry does not hold a valid session');
      removeLater(index.stale);
      return { kind: 'found', session };
    }
  };

  /** The index as it is now; one this app cannot read is cleared away first, as a load would. */
  const currentIndex = async (): Promise<Index> => {
    const read = await readIndex();
    if (read.kind === 'ok') return read.index;
    if (read.kind === 'corrupt') await removeEverything();
    return { stale: [] };
  };

  const save = async (session: StoredSession): Promise<void> => {
    const payload = Buffer.from(JSON.stringify({ v: FORMAT_VERSION, ...session }), 'utf8').toString('base64url');
    const chunks = Math.ceil(payload.length / CHUNK_SIZE);
    if (chunks > MAX_CHUNKS) throw new AuthError('keychain_unavailable', 'The session is too large for the keychain.');
    const next: Generation = { gen: randomBytes(6).toString('hex'), chunks };
    let retired: Generation[];
    try {
      // Read, not remembered: another app process on the same service may have saved since,
      // and its chunks must be retired by name too.
      const current = await currentIndex();
      const { committed } = current;
      // Both lists before the first write, which forgets what this store has already deleted.
      const announced = stillStale(current, next);
      retired = stillStale(current, committed);
      // Named before written, so a save cut short anywhere leaves nothing the index does not name.
      await writeIndex({ ...(committed ? { committed } : {}), stale: announced });
      for (let index = 0; index < chunks; index += 1) {
        await secrets.setPassword(
          service,
          chunkAccount(next.gen, index),
          payload.slice(index * CHUNK_SIZE, (index + 1) * CHUNK_SIZE),
        );
      }
      // The commit point: from here a load returns this session.
      await writeIndex({ committed: { ...next, sha256: sha256(payload) }, stale: retired });
    } catch (error) {
      throw keychainError(error);
    }
    removeLater(retired);
  };

  const clear = async (): Promise<void> => {
    try {
      const read = await readIndex();
      if (read.kind === 'missing') return;
      if (read.kind === 'corrupt') return await removeEverything();
      const names = stillStale(read.index, read.index.committed);
      // Signed out at this write; the chunks after it are only named so that they are deleted.
      if (read.index.committed) await writeIndex({ stale: names });
      await removeGenerations(names);
      await secrets.deletePassword(service, INDEX_ACCOUNT);
      removed.clear();
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

/**
 * The index as stored: `{ v, gen, chunks, sha256 }` as earlier versions of the app wrote it, plus
 * `stale` when chunks await deletion. An index without a session (`{ v, stale }`) exists only
 * while a first save or a clear runs, or after one was cut short.
 */
function formatIndex(index: Index): string {
  const { committed, stale } = index;
  return JSON.stringify({
    v: FORMAT_VERSION,
    ...(committed ? { gen: committed.gen, chunks: committed.chunks, sha256: committed.sha256 } : {}),
    ...(stale.length > 0 ? { stale } : {}),
  });
}

function parseIndex(text: string): Index | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined; // Not JSON: a foreign or corrupt entry.
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (record['v'] !== FORMAT_VERSION) return undefined;
  const staleValue = record['stale'] ?? [];
  if (!Array.isArray(staleValue) || staleValue.length > MAX_STALE) return undefined;
  const stale: Generation[] = [];
  for (const entry of staleValue as unknown[]) {
    const generation = parseGeneration(entry);
    if (generation === undefined) return undefined;
    stale.push(generation);
  }
  if (record['gen'] === undefined && record['chunks'] === undefined && record['sha256'] === undefined) {
    return { stale };
  }
  const committed = parseGeneration(record);
  const digest = record['sha256'];
  if (committed === undefined || typeof digest !== 'string' || !/^[0-9a-f]{64}$/.test(digest)) return undefined;
  return { committed: { ...committed, sha256: digest }, stale };
}

function parseGeneration(value: unknown): Generation | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { gen, chunks } = value as Record<string, unknown>;
  if (typeof gen !== 'string' || !/^[0-9a-f]{12}$/.test(gen)) return undefined;
  if (typeof chunks !== 'number' || !Number.isInteger(chunks) || chunks < 1 || chunks > MAX_CHUNKS) return undefined;
  return { gen, chunks };
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
