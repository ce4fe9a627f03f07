/** The version of the keychain format, in the index entry's name and in every saved session. */
export const FORMAT_VERSION = 1;
/** The index entry's account: entries saved by earlier versions of the app use the same name. */
export const INDEX_ACCOUNT = `session.v${FORMAT_VERSION}`;
/** A session larger than this many chunks is refused rather than written. */
export const MAX_CHUNKS = 64;
/**
 * Generations awaiting deletion stay named in the index until a clean-up succeeds; a keychain
 * that keeps refusing deletes must not grow the index without bound (the oldest names are let go).
 */
export const MAX_STALE = 16;

/** The chunks of one save: `session.v1.<gen>.0` to `session.v1.<gen>.<chunks - 1>`. */
export interface Generation {
  readonly gen: string;
  readonly chunks: number;
}

/**
 * The committed session: chunk entries of one generation, or the payload inline in the index
 * entry itself where the OS keychain takes an entry that large (one write replaces it whole).
 */
export type Committed =
  (Generation & { readonly sha256: string }) | { readonly inline: string; readonly sha256: string };

/**
 * The index entry names every chunk the token store may have left in the keychain, so nothing
 * ever has to list the service: keytar's findCredentials crashes the process (libsecret hands it
 * a null secret) when an entry of the service is deleted while it lists, by this process or any
 * other.
 */
export interface Index {
  /** The session a load returns; absent before the first save commits and after a clear. */
  readonly committed?: Committed;
  /** Generations whose chunks may still exist: a save not yet committed, or replaced ones not yet deleted. */
  readonly stale: readonly Generation[];
}

/** What the index entry holds: nothing, something this app did not write, or an index. */
export type IndexRead =
  { readonly kind: 'missing' } | { readonly kind: 'corrupt' } | { readonly kind: 'ok'; readonly index: Index };

/** The keychain account of one chunk of a generation. */
export function chunkAccount(gen: string, index: number): string {
  return `${INDEX_ACCOUNT}.${gen}.${index}`;
}

/** The committed session's chunks, or undefined when there are none (nothing committed, or inline). */
export function committedGeneration(index: Index): Generation | undefined {
  const { committed } = index;
  return committed === undefined || 'inline' in committed ? undefined : committed;
}

/**
 * The index as stored: `{ v, gen, chunks, sha256 }` as earlier versions of the app wrote it, or
 * `{ v, inline, sha256 }` with the session in the entry, plus `stale` when chunks await deletion.
 * Earlier versions read the inline form as an entry they did not write (they require `gen` with
 * `sha256`) and discard it: going back to one signs the person out once, and trusts nothing.
 * An index without a session (`{ v, stale }`) exists only while a first chunked save or a clear
 * runs, or after one was cut short.
 */
export function formatIndex(index: Index): string {
  const { committed, stale } = index;
  let session: Record<string, unknown> = {};
  if (committed !== undefined && 'inline' in committed) {
    session = { inline: committed.inline, sha256: committed.sha256 };
  } else if (committed !== undefined) {
    session = { gen: committed.gen, chunks: committed.chunks, sha256: committed.sha256 };
  }
  return JSON.stringify({ v: FORMAT_VERSION, ...session, ...(stale.length > 0 ? { stale } : {}) });
}

/** Reads an index entry, chunked or inline, with or without `stale`; anything else is not one this app wrote. */
export function parseIndex(text: string): Index | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined; // Not JSON: a foreign or corrupt entry.
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (record['v'] !== FORMAT_VERSION) return undefined;
  const stale = parseStale(record['stale'] ?? []);
  if (stale === undefined) return undefined;
  const { gen, chunks, sha256, inline } = record;
  if (gen === undefined && chunks === undefined && sha256 === undefined && inline === undefined) return { stale };
  if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) return undefined;
  if (inline !== undefined) {
    // The payload itself is checked against sha256 by the load, so a changed one is discarded by name.
    if (typeof inline !== 'string' || inline.length === 0 || gen !== undefined || chunks !== undefined)
      return undefined;
    return { committed: { inline, sha256 }, stale };
  }
  const committed = parseGeneration(record);
  return committed === undefined ? undefined : { committed: { ...committed, sha256 }, stale };
}

function parseStale(value: unknown): Generation[] | undefined {
  if (!Array.isArray(value) || value.length > MAX_STALE) return undefined;
  const stale: Generation[] = [];
  for (const entry of value as unknown[]) {
    const generation = parseGeneration(entry);
    if (generation === undefined) return undefined;
    stale.push(generation);
  }
  return stale;
}

function parseGeneration(value: unknown): Generation | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { gen, chunks } = value as Record<string, unknown>;
  if (typeof gen !== 'string' || !/^[0-9a-f]{12}$/.test(gen)) return undefined;
  if (typeof chunks !== 'number' || !Number.isInteger(chunks) || chunks < 1 || chunks > MAX_CHUNKS) return undefined;
  return { gen, chunks };
}
