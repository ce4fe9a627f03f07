import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { isReadmeState, README_SHOTS, type ReadmeShot } from '../../scripts/readme-states.js';
import { captureShots, captureUnavailableReason, startRig } from '../../scripts/screenshot-capture.js';
import {
  defaultWindowSize,
  MANIFEST_PATH,
  pngSize,
  readManifest,
  README_PATH,
  readmeScreenshots,
  ROOT,
  type Manifest,
  type ManifestEntry,
} from '../../scripts/screenshot-manifest.js';

// The README's pictures of the app window must show windows the app still draws. Each picture has
// an outline of the window in docs/screenshots/screenshots.json; this drives the built app into the
// same state and compares. A UI change without `npm run screenshots` fails here.

const RERUN = 'Run `npm run screenshots` and commit the new pictures with docs/screenshots/screenshots.json.';

const skip = await captureUnavailableReason();
if (skip) process.stdout.write(`# skipping the README screenshot states: ${skip}\n`);

async function manifestOrFail(): Promise<Manifest> {
  assert.ok(existsSync(MANIFEST_PATH), `docs/screenshots/screenshots.json is missing. ${RERUN}`);
  return readManifest();
}

/** What the script makes a picture of, without what it found there. */
function shotOf(entry: ManifestEntry): ReadmeShot {
  assert.ok(isReadmeState(entry.state), `${entry.file} shows a state the app no longer has (${entry.state}). ${RERUN}`);
  return { file: entry.file, state: entry.state, colorScheme: entry.colorScheme, description: entry.description };
}

/** Lines only in the manifest (-) and only in the window now (+), in order. */
function outlineChanges(recorded: readonly string[], now: readonly string[]): string[] {
  const kept = new Set(recorded.filter((line) => now.includes(line)));
  return [
    ...recorded.filter((line) => !kept.has(line)).map((line) => `  - ${line}`),
    ...now.filter((line) => !recorded.includes(line)).map((line) => `  + ${line}`),
  ];
}

describe('the README screenshots', () => {
  test("every picture the README shows is in the manifest, at the app window's default size", async () => {
    const manifest = await manifestOrFail();
    const listed = manifest.screenshots.map((entry) => entry.file);
    const shown = readmeScreenshots(await readFile(README_PATH, 'utf8'));
    assert.ok(shown.length > 0, 'README.md shows no picture from docs/screenshots');
    for (const file of shown) {
      assert.ok(existsSync(join(ROOT, file)), `README.md shows ${file}, which does not exist. ${RERUN}`);
      assert.ok(listed.includes(file), `README.md shows ${file}, which the manifest does not list. ${RERUN}`);
    }
    assert.deepEqual(
      manifest.screenshots.map(shotOf),
      [...README_SHOTS],
      `The manifest lists other pictures than npm run screenshots makes. ${RERUN}`,
    );
    const size = await defaultWindowSize();
    for (const entry of manifest.screenshots) {
      assert.deepEqual(entry.viewport, size, `${entry.file} is not of a window at its default size. ${RERUN}`);
      const png = pngSize(await readFile(join(ROOT, entry.file)));
      assert.deepEqual(
        png,
        entry.viewport,
        `${entry.file} is ${png.width}×${png.height}, not the window's size. ${RERUN}`,
      );
    }
  });

  test('each picture shows a window the app still draws', { skip, timeout: 60_000 }, async () => {
    const manifest = await manifestOrFail();
    const shots = manifest.screenshots.map(shotOf);
    const rig = await startRig({ viewport: await defaultWindowSize() });
    try {
      const now = await captureShots(rig, shots, { png: false });
      const stale = manifest.screenshots.flatMap((entry, index) => {
        const captured = now[index];
        if (!captured || captured.fingerprint === entry.fingerprint) return [];
        return [`${entry.file} (${entry.description}):`, ...outlineChanges(entry.outline, captured.outline)];
      });
      if (stale.length > 0)
        assert.fail(`The app no longer draws what these pictures show. ${RERUN}\n${stale.join('\n')}`);
    } finally {
      await rig.close();
    }
  });
});
