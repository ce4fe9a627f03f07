import { createOperationQueue, type OperationQueue } from './operation-queue.js';
import type { SecretStore } from './secret-store.js';
import {
  chunkAccount,
  formatIndex,
  INDEX_ACCOUNT,
  MAX_STALE,
  parseIndex,
  type Generation,
  type Index,
  type IndexRead,
} from './token-store-index.js';

/**
 * The token store's entries under one keychain service: the index and the chunks it names. Only
 * the functions of this module touch `removed`.
 */
export interface StoreEntries {
  readonly secrets: SecretStore;
  readonly service: string;
  /**
   * One keychain operation of the store at a time: two overlapping saves would each retire the
   * other's chunks, and the next start would discard the session as incomplete.
   */
  readonly queue: OperationQueue;
  /**
   * Generations whose chunks this store has deleted since the index was last written: the index
   * still names them, and the next index written leaves them out.
   */
  readonly removed: Set<string>;
}

/** The entries of `service`, with an empty queue and nothing deleted yet. */
export function createStoreEntries(secrets: SecretStore, service: string): StoreEntries {
  return { secrets, service, queue: createOperationQueue(), removed: new Set() };
}

/** Reads the index entry: missing, not in a format this app wrote, or an index. */
export async function readIndex({ secrets, service }: StoreEntries): Promise<IndexRead> {
  const text = await secrets.getPassword(service, INDEX_ACCOUNT);
  if (text === null) return { kind: 'missing' };
  const index = parseIndex(text);
  return index ? { kind: 'ok', index } : { kind: 'corrupt' };
}

/** Writes the index entry. */
export async function writeIndex(entries: StoreEntries, index: Index): Promise<void> {
  await entries.secrets.setPassword(entries.service, INDEX_ACCOUNT, formatIndex(index));
  // Every index written leaves out the generations in `removed`, so they need no memory now.
  entries.removed.clear();
}

/** Deletes the index entry, the last step of every clean-up: nothing it named needs remembering. */
export async function deleteIndex(entries: StoreEntries): Promise<void> {
  await entries.secrets.deletePassword(entries.service, INDEX_ACCOUNT);
  entries.removed.clear();
}

/** One chunk of a generation, or null when the keychain has no such entry. */
export function readChunk({ secrets, service }: StoreEntries, gen: string, index: number): Promise<string | null> {
  return secrets.getPassword(service, chunkAccount(gen, index));
}

/** Writes one chunk of a generation. */
export function writeChunk(
  { secrets, service }: StoreEntries,
  gen: string,
  index: number,
  text: string,
): Promise<void> {
  return secrets.setPassword(service, chunkAccount(gen, index), text);
}

/** The index's stale generations minus those already deleted, newest first, capped. */
export function stillStale(entries: StoreEntries, index: Index, ...newer: Array<Generation | undefined>): Generation[] {
  const seen = new Set<string>();
  const list: Generation[] = [];
  for (const entry of [...newer, ...index.stale]) {
    if (entry === undefined || entries.removed.has(entry.gen) || seen.has(entry.gen)) continue;
    seen.add(entry.gen);
    list.push({ gen: entry.gen, chunks: entry.chunks });
  }
  return list.slice(0, MAX_STALE);
}

/** Deletes the named chunks; throws the keychain's error so clear() can report it. */
export async function removeGenerations(entries: StoreEntries, generations: readonly Generation[]): Promise<void> {
  const { secrets, service } = entries;
  for (const { gen, chunks } of generations) {
    for (let index = 0; index < chunks; index += 1) await secrets.deletePassword(service, chunkAccount(gen, index));
    entries.removed.add(gen);
  }
}

/** Deletes the replaced chunks off the person's path: the next operation waits for it. */
export function removeLater(entries: StoreEntries, generations: readonly Generation[]): void {
  const pending = generations.filter(({ gen }) => !entries.removed.has(gen));
  if (pending.length === 0) return;
  void entries.queue.run(() =>
    removeGenerations(entries, pending).catch(() => {
      // Still named in the index: the next save, load or clear tries again.
    }),
  );
}

/**
 * Last resort, for an index this app cannot read: the chunk names are unknown, so the service
 * is listed. It runs inside the store's queue, and the app's keychain is one serialised store
 * per process (secret-store.ts), so no other keychain call of this process overlaps it.
 */
export async function removeEverything(entries: StoreEntries): Promise<void> {
  const { secrets, service } = entries;
  const found = await secrets.findCredentials(service);
  for (const { account } of found) {
    if (account !== INDEX_ACCOUNT) await secrets.deletePassword(service, account);
  }
  await deleteIndex(entries);
}
