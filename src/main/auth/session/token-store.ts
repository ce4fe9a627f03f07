import { createHash, randomBytes } from 'node:crypto';
import { AuthError } from '../auth-error.js';
import type { SecretStore } from './secret-store.js';
import { encodeSession, isRejection, parseSession, type StoredSession } from './stored-session.js';
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
import {
  committedGeneration,
  formatIndex,
  MAX_CHUNKS,
  type Generation,
  type Index,
  type IndexRead,
} from './token-store-index.js';

export type { StoredSession } from './stored-session.js';

/** What reading the keychain found. `unavailable` means "could not look", so nothing is deleted. */
export type LoadResult =
  | { readonly kind: 'found'; readonly session: StoredSession }
  | { readonly kind: 'empty' }
  /**
   * `dpopKeyLost`: the tokens were DPoP-bound and their key is missing or damaged (the person must
   * sign in again). `otherOrganization`: the session keeper discarded a session from before
   * AUTH0_ORGANIZATION changed.
   */
  | {
      readonly kind: 'discarded';
      readonly reason: string;
      readonly dpopKeyLost?: true;
      readonly otherOrganization?: true;
    }
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
 * The chunk size where the session does not fit in one entry. Windows Credential Manager caps a
 * blob at 2,560 bytes and Auth0 access tokens with many permissions are larger, so the session is
 * split into chunks well under that (the Auth0 CLI uses 2,048-byte chunks for the same reason).
 */
export const CHUNK_SIZE = 1800;
/** A load that sees the index change under it (another app process saving) reads again this often. */
const LOAD_ATTEMPTS = 3;
/**
 * Windows Credential Manager's cap on one entry (CRED_MAX_CREDENTIAL_BLOB_SIZE, 2,560 bytes),
 * less a margin: keytar stores the password there as UTF-8.
 */
const WINDOWS_ENTRY_LIMIT_BYTES = 2_560 - 256;
/**
 * macOS Keychain and the Secret Service have no cap this small; this bound only keeps one entry
 * to a size every keychain daemon handles without trouble. Larger sessions are chunked.
 */
const ENTRY_LIMIT_BYTES = 64 * 1024;
/**
 * Room kept in an inline index for one more stale generation: a later chunked save first writes
 * the index with the inline session still in it plus the new generation's name, and that entry
 * must fit too.
 */
const ANNOUNCE_ROOM_BYTES = 48;

/** The largest keychain entry the token store writes on `platform`, in bytes of UTF-8. */
export function entryLimitFor(platform: NodeJS.Platform): number {
  return platform === 'win32' ? WINDOWS_ENTRY_LIMIT_BYTES : ENTRY_LIMIT_BYTES;
}

/** How a keychain token store writes. */
export interface TokenStoreOptions {
  /**
   * The largest entry it writes, in bytes of UTF-8 (default: entryLimitFor(process.platform)). A
   * session whose index entry with the session inline fits is saved in that one entry; a larger
   * one is split into chunks.
   */
  readonly entryLimitBytes?: number;
}

/** What a store needs to write a session: its entries and the largest entry it may write. */
interface Writer {
  readonly entries: StoreEntries;
  readonly entryLimitBytes: number;
}

/**
 * A TokenStore on top of keytar-shaped storage. Writes are crash-safe. A session that fits goes
 * inline into the index entry: one write replaces the entry whole, so a load sees the old session
 * or the new one. A larger one first records its new generation in the index, writes the chunks,
 * then switches the index to them (the commit point). Either way, the replaced generation's
 * chunks are deleted by name afterwards. A torn write reads as the previous session, and whatever
 * it left behind is named in the index for the next save, load or clear.
 */
export function createKeychainTokenStore(
  secrets: SecretStore,
  service: string,
  options: TokenStoreOptions = {},
): TokenStore {
  const entries = createStoreEntries(secrets, service);
  const writer: Writer = { entries, entryLimitBytes: options.entryLimitBytes ?? entryLimitFor(process.platform) };
  return {
    load: () => entries.queue.run(() => load(entries)),
    save: (session) => entries.queue.run(() => save(writer, session)),
    clear: () => entries.queue.run(() => clear(entries)),
  };
}

async function load(entries: StoreEntries): Promise<LoadResult> {
  for (let attempt = 1; ; attempt += 1) {
    let read: IndexRead;
    let payload: string | undefined;
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
      if ('inline' in committed) {
        payload = committed.inline;
      } else {
        payload = await readChunks(entries, committed);
        // Another app process on the same service (a second instance) may have committed a newer
        // save and deleted these chunks between the reads: read its session rather than discard it.
        if (payload === undefined && attempt < LOAD_ATTEMPTS) {
          const again = await readIndex(entries);
          if (again.kind !== 'ok' || committedGeneration(again.index)?.gen !== committed.gen) continue;
        }
      }
    } catch (error) {
      return { kind: 'unavailable', error: keychainError(error) };
    }
    const { index } = read;
    if (payload === undefined) return discard(entries, index, 'the keychain entry is incomplete');
    if (sha256(payload) !== index.committed?.sha256) return discard(entries, index, 'the keychain entry is corrupt');
    const session = parseSession(payload);
    if (isRejection(session)) {
      if (session.rejected === 'invalid')
        return discard(entries, index, 'the keychain entry does not hold a valid session');
      return discard(entries, index, 'the DPoP-bound session has no usable key', true);
    }
    removeLater(entries, index.stale);
    return { kind: 'found', session };
  }
}

/** The chunks of `generation` joined, or undefined when one is missing. */
async function readChunks(entries: StoreEntries, generation: Generation): Promise<string | undefined> {
  const parts: string[] = [];
  for (let index = 0; index < generation.chunks; index += 1) {
    const part = await readChunk(entries, generation.gen, index);
    if (part === null) return undefined;
    parts.push(part);
  }
  return parts.join('');
}

async function discard(
  entries: StoreEntries,
  index: Index | undefined,
  reason: string,
  dpopKeyLost = false,
): Promise<LoadResult> {
  try {
    if (index === undefined) {
      await removeEverything(entries);
    } else {
      // Chunks first, the index last: a discard cut short is discarded again at the next start.
      await removeGenerations(entries, stillStale(entries, index, committedGeneration(index)));
      await deleteIndex(entries);
    }
  } catch {
    // Discarding is best effort; the entry is not trusted either way.
  }
  return { kind: 'discarded', reason, ...(dpopKeyLost ? { dpopKeyLost: true as const } : {}) };
}

/** The index as it is now; one this app cannot read is cleared away first, as a load would. */
async function currentIndex(entries: StoreEntries): Promise<Index> {
  const read = await readIndex(entries);
  if (read.kind === 'ok') return read.index;
  if (read.kind === 'corrupt') await removeEverything(entries);
  return { stale: [] };
}

async function save(writer: Writer, session: StoredSession): Promise<void> {
  const { entries } = writer;
  const payload = encodeSession(session);
  let retired: Generation[];
  try {
    // Read, not remembered: another app process on the same service may have saved since,
    // and its chunks must be retired by name too.
    const current = await currentIndex(entries);
    // Before the first write, which forgets what this store has already deleted.
    retired = stillStale(entries, current, committedGeneration(current));
    const inline: Index = { committed: { inline: payload, sha256: sha256(payload) }, stale: retired };
    if (Buffer.byteLength(formatIndex(inline), 'utf8') + ANNOUNCE_ROOM_BYTES <= writer.entryLimitBytes) {
      // The commit point, in one write.
      await writeIndex(entries, inline);
    } else {
      await saveChunked(entries, current, payload, retired);
    }
  } catch (error) {
    throw keychainError(error);
  }
  removeLater(entries, retired);
}

/** Writes `payload` as a new generation of chunks, committed by the index's second write. */
async function saveChunked(
  entries: StoreEntries,
  current: Index,
  payload: string,
  retired: readonly Generation[],
): Promise<void> {
  const chunks = Math.ceil(payload.length / CHUNK_SIZE);
  if (chunks > MAX_CHUNKS) throw new AuthError('keychain_unavailable', 'The session is too large for the keychain.');
  const next: Generation = { gen: randomBytes(6).toString('hex'), chunks };
  const { committed } = current;
  // Before the first write, which forgets what this store has already deleted.
  const announced = stillStale(entries, current, next);
  // Named before written, so a save cut short anywhere leaves nothing the index does not name.
  await writeIndex(entries, { ...(committed ? { committed } : {}), stale: announced });
  for (let index = 0; index < chunks; index += 1) {
    await writeChunk(entries, next.gen, index, payload.slice(index * CHUNK_SIZE, (index + 1) * CHUNK_SIZE));
  }
  // The commit point: from here a load returns this session.
  await writeIndex(entries, { committed: { ...next, sha256: sha256(payload) }, stale: retired });
}

async function clear(entries: StoreEntries): Promise<void> {
  try {
    const read = await readIndex(entries);
    if (read.kind === 'missing') return;
    if (read.kind === 'corrupt') return await removeEverything(entries);
    const names = stillStale(entries, read.index, committedGeneration(read.index));
    // Signed out at this write; the chunks after it are only named so that they are deleted. An
    // inline session needs no such write: deleting the index, the last step, signs out.
    if (committedGeneration(read.index)) await writeIndex(entries, { stale: names });
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
