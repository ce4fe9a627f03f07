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
 * The index entry names every chunk the token store may have left in the keychain, so nothing
 * ever has to list the service: keytar's findCredentials crashes the process (libsecret hands it
 * a null secret) when an entry of the service is deleted while it lists, by this process or any
 * other.
 */
export interface Index {
  /** The session a load returns; absent before the first save commits and after a clear. */
  readonly committed?: Generation & { readonly sha256: string };
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

/**
 * The index as stored: `{ v, gen, chunks, sha256 }` as earlier versions of the app wrote it, plus
 * `stale` when chunks await deletion. An index without a session (`{ v, stale }`) exists only
 * while a first save or a clear runs, or after one was cut short.
 */
export function formatIndex(index: Index): string {
  const { committed, stale } = index;
  return JSON.stringify({
    v: FORMAT_VERSION,
    ...(committed ? { gen: committed.gen, chunks: committed.chunks, sha256: committed.sha256 } : {}),
    ...(stale.length > 0 ? { stale } : {}),
  });
}

/** Reads an index entry, with or without `stale`; anything else is not one this app wrote. */
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
