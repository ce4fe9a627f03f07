import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';

/** The repository root. */
export const ROOT = join(import.meta.dirname, '..');
/** Where the README's screenshots live, and their manifest. */
export const SCREENSHOT_DIR = join(ROOT, 'docs', 'screenshots');
export const MANIFEST_PATH = join(SCREENSHOT_DIR, 'screenshots.json');
export const README_PATH = join(ROOT, 'README.md');
/** The file that sets the app window's default size. */
export const WINDOW_SOURCE = join(ROOT, 'src', 'main', 'window.ts');

/** A size in CSS pixels. */
export interface Viewport {
  readonly width: number;
  readonly height: number;
}

/** One README screenshot as the manifest records it. */
export interface ManifestEntry {
  /** Repository-relative path, as the README links it. */
  readonly file: string;
  /** Which state of the window the picture shows (a key of the script's state drivers). */
  readonly state: string;
  readonly description: string;
  readonly colorScheme: 'light' | 'dark';
  readonly viewport: Viewport;
  /** A hash of `outline`. */
  readonly fingerprint: string;
  /** What the window drew, without fonts, pixels, the person's name or the provider's port. */
  readonly outline: readonly string[];
}

export interface Manifest {
  readonly about: string;
  readonly screenshots: readonly ManifestEntry[];
}

const ABOUT =
  'Written by `npm run screenshots`; test/e2e/readme-screenshots.test.ts checks that the app still draws each of these windows.';

/**
 * The window's default size from src/main/window.ts. That module imports `electron`, so plain
 * Node cannot import it; reading its `width: …, height: …` keeps this from becoming a second copy.
 */
export async function defaultWindowSize(source?: string): Promise<Viewport> {
  const text = source ?? (await readFile(WINDOW_SOURCE, 'utf8'));
  // `\bwidth` is lower case, so `minWidth` does not match.
  const match = /\bwidth:\s*(\d+),\s*height:\s*(\d+)/.exec(text);
  if (!match) {
    throw new Error(
      `Could not read the window's default size (width: …, height: …) from ${WINDOW_SOURCE}; update defaultWindowSize() in scripts/screenshot-manifest.ts.`,
    );
  }
  return { width: Number(match[1]), height: Number(match[2]) };
}

/** Every docs/screenshots image the README links, in order of first appearance. */
export function readmeScreenshots(readme: string): string[] {
  return [...new Set(readme.match(/docs\/screenshots\/[\w.-]+\.png/g) ?? [])];
}

/** Width and height from a PNG's IHDR chunk (PNG spec §11.2.2), or an error for anything else. */
export function pngSize(bytes: Buffer): Viewport {
  const signature = '89504e470d0a1a0a';
  if (
    bytes.length < 24 ||
    bytes.subarray(0, 8).toString('hex') !== signature ||
    bytes.toString('ascii', 12, 16) !== 'IHDR'
  ) {
    throw new Error('not a PNG file');
  }
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

export async function readManifest(): Promise<Manifest> {
  return JSON.parse(await readFile(MANIFEST_PATH, 'utf8')) as Manifest;
}

/** Writes the manifest as Prettier would, so `npm run lint` stays clean after a run. */
export async function writeManifest(screenshots: readonly ManifestEntry[]): Promise<void> {
  const manifest: Manifest = { about: ABOUT, screenshots };
  const options = (await resolveConfig(MANIFEST_PATH)) ?? {};
  await writeFile(MANIFEST_PATH, await format(JSON.stringify(manifest), { ...options, filepath: MANIFEST_PATH }));
}
