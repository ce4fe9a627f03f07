import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_IDP_PORT } from '../tools/idp/idp-port.js';
import { startDemoIdp } from './start-demo-idp.js';
import { README_SHOTS } from './readme-states.js';
import { captureShots, captureUnavailableReason, startRig } from './screenshot-capture.js';
import {
  README_PATH,
  ROOT,
  defaultWindowSize,
  readmeScreenshots,
  writeManifest,
  type ManifestEntry,
} from './screenshot-manifest.js';

// `npm run screenshots`: photographs the built app window in every state the README shows, on
// the real core, local provider, keychain and browser, and writes docs/screenshots/screenshots.json,
// which test/e2e/readme-screenshots.test.ts holds the app to.

const say = (line: string): void => void process.stdout.write(`${line}\n`);

const unavailable = await captureUnavailableReason();
if (unavailable) {
  process.stderr.write(`Cannot take the screenshots: ${unavailable}.\n`);
  process.exit(1);
}
const made = new Set(README_SHOTS.map((shot) => shot.file));
const unknown = readmeScreenshots(await readFile(README_PATH, 'utf8')).filter((file) => !made.has(file));
if (unknown.length > 0) {
  process.stderr.write(
    `README.md shows ${unknown.join(', ')}, which this script does not make: add it to README_SHOTS in scripts/readme-states.ts.\n`,
  );
  process.exit(1);
}

const viewport = await defaultWindowSize();
// The demo provider on the port `npm start` uses, so the header reads as it does for a person.
const rig = await startRig({ viewport, startProvider: () => startDemoIdp(undefined, () => undefined) });
// Ctrl-C must not leave the throwaway keychain's daemons running.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void rig.close().finally(() => process.exit(130)));
}
try {
  if (rig.idp.port !== DEFAULT_IDP_PORT)
    say(`Port ${DEFAULT_IDP_PORT} is busy: the pictures show port ${rig.idp.port} in the header.`);
  const captured = await captureShots(rig, README_SHOTS, { png: true });
  const entries: ManifestEntry[] = [];
  for (const { shot, outline, fingerprint, png } of captured) {
    if (!png) throw new Error(`no picture of ${shot.file}`);
    await writeFile(join(ROOT, shot.file), png);
    entries.push({
      file: shot.file,
      state: shot.state,
      description: shot.description,
      colorScheme: shot.colorScheme,
      viewport,
      fingerprint,
      outline,
    });
    say(`${shot.file}  ${fingerprint}  ${shot.description}`);
  }
  await writeManifest(entries);
  say(
    `Wrote ${entries.length} screenshots (${viewport.width}×${viewport.height}) and docs/screenshots/screenshots.json.`,
  );
} finally {
  await rig.close();
}
