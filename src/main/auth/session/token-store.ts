import { createHash, randomBytes } from 'node:crypto';
import { AuthError } from '../auth-error.js';
import type { SecretStore } from './secret-store.js';
import { encodeSession, parseSession, type StoredSession } from './stored-session.js';
import {
  createStoreEntries,
  deleteIndex,
  readChunk,
  readIndex,
  removeEverything,
  removeGenerations,
  removeLater,
  stillStale,
  writeChunk,
  writeIndex,
  type StoreEntries,
} from './token-store-entries.js';
import { MAX_CHUNKS, type Generation, type Index, type IndexRead } from './token-store-index.js';

export type { StoredSession } from './stored-session.js';

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

/**
 * Windows Credential Manager caps a blob at 2,560 bytes and Auth0 access tokens with many
 * permissions are larger, so the session is split into chunks well under that (the Auth0 CLI
 * uses 2,048-byte chunks for the same reason).
 */
export const CHUNK_SIZE = 1800;
/** A load that sees the index change under it (another app process saving) reads again this often. */
const LOAD_ATTEMPTS = 3;

/**
 * A TokenStore on top of keytar-shaped storage. Writes are crash-safe: a save first records its
 * new generation in the index, writes the chunks, then switches the index to them (the commit
 * point) and deletes the replaced generation's chunks by name. A torn write reads as the previous
 * session, and whatever it left behind is named in the index for the next save, load or clear.
 */
export function createKeychainTokenStore(secrets: SecretStore, service: string): TokenStore {
  const entries = createStoreEntries(secrets, service);
  return {
    load: () => entries.queue.run(() => load(entries)),
    save: (session) => entries.queue.run(() => save(entries, session)),
    clear: () => entries.queue.run(() => clear(entries)),
  };
}

async function load(entries: StoreEntries): Promise<LoadResult> {
  for (let attempt = 1; ; attempt += 1) {
    let read: IndexRead;
    let parts: string[] | undefined;
    try {
      read = await readIndex(entries);
      if (read.kind === 'missing') return { kind: 'empty' };
      if (read.kind === 'corrupt')
        return discard(entries, undefined, 'the keychain entry is not in a format this app wrote');
      const { committed } = read.index;
      if (committed === undefined) {
        removeLater(entries, read.index.stale);
        return { kind: 'empty' };
      }
      parts = [];
      for (let index = 0; index < committed.chunks; index += 1) {
        const part = await readChunk(entries, committed.gen, index);
        if (part === null) {
          parts = undefined;
          break;
        }
        parts.push(part);
      }
      // Another app process on the same service (a second instance) may have committed a newer
      // save and deleted these chunks between the reads: read its session rather than discard it.
      if (parts === undefined && attempt < LOAD_ATTEMPTS) {
        const again = await readIndex(entries);
        if (again.kind !== 'ok' || again.index.committed?.gen !== committed.gen) continue;
      }
    } catch (error) {
      return { kind: 'unavailable', error: keychainError(error) };
    }
    const { index } = read;
    if (parts === undefined) return discard(entries, index, 'the keychain entry is incomplete');
    const payload = parts.join('');
    if (sha256(payload) !== index.committed?.sha256) return discard(entries, index, 'the keychain entry is corrupt');
    const session = parseSession(payload);
    if (session === undefined) return discard(entries, index, 'the keychain entry does not hold a valid session');
    removeLater(entries, index.stale);
    return { kind: 'found', session };
  }
}

async function discard(entries: StoreEntries, index: Index | undefined, reason: string): Promise<LoadResult> {
  try {
    if (index === undefined) {
      await removeEverything(entries);
    } else {
      // Chunks first, the index last: a discard cut short is discarded again at the next start.
      await removeGenerations(entries, stillStale(entries, index, index.committed));
      await deleteIndex(entries);
    }
  } catch {
    // Discarding is best effort; the entry is not trusted either way.
  }
  return { kind: 'discarded', reason };
}

/** The index as it is now; one this app cannot read is cleared away first, as a load would. */
async function currentIndex(entries: StoreEntries): Promise<Index> {
  const read = await readIndex(entries);
  if (read.kind === 'ok') return read.index;
  if (read.kind === 'corrupt') await removeEverything(entries);
  return { stale: [] };
}

async function save(entries: StoreEntries, session: StoredSession): Promise<void> {
  const payload = encodeSession(session);
  const chunks = Math.ceil(payload.length / CHUNK_SIZE);
  if (chunks > MAX_CHUNKS) throw new AuthError('keychain_unavailable', 'The session is too large for the keychain.');
  const next: Generation = { gen: randomBytes(6).toString('hex'), chunks };
  let retired: Generation[];
  try {
    // Read, not remembered: another app process on the same service may have saved since,
    // and its chunks must be retired by name too.
    const current = await currentIndex(entries);
    const { committed } = current;
    // Both lists before the first write, which forgets what this store has already deleted.
    const announced = stillStale(entries, current, next);
    retired = stillStale(entries, current, committed);
    // Named before written, so a save cut short anywhere leaves nothing the index does not name.
    await writeIndex(entries, { ...(committed ? { committed } : {}), stale: announced });
    for (let index = 0; index < chunks; index += 1) {
      await writeChunk(entries, next.gen, index, payload.slice(index * CHUNK_SIZE, (index + 1) * CHUNK_SIZE));
    }
    // The commit point: from here a load returns this session.
    await writeIndex(entries, { committed: { ...next, sha256: sha256(payload) }, stale: retired });
  } catch (error) {
    throw keychainError(error);
  }
  removeLater(entries, retired);
}

async function clear(entries: StoreEntries): Promise<void> {
  try {
    const read = await readIndex(entries);
    if (read.kind === 'missing') return;
    if (read.kind === 'corrupt') return await removeEverything(entries);
    const names = stillStale(entries, read.index, read.index.committed);
    // Signed out at this write; the chunks after it are only named so that they are deleted.
    if (read.index.committed) await writeIndex(entries, { stale: names });
    await removeGenerations(entries, names);
    await deleteIndex(entries);
  } catch (error) {
    throw keychainError(error);
  }
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
