import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { browserArgs, findBrowser, noBrowserReason } from '../tools/browser/find-browser.js';

// Renders build/icon.svg, the one icon source, into what electron-builder packs:
// build/icons/<n>x<n>.png (Linux), build/icon.ico (Windows) and build/icon.icns (macOS).
// The outputs are committed, so `npm run dist` needs no browser; rerun this after editing the SVG.

const BUILD_DIR = join(import.meta.dirname, '..', 'build');
const PNG_SIZES = [16, 32, 48, 64, 128, 256, 512, 1024] as const;
/** Windows shows at most 256 px; bigger ICO entries only add weight. */
const ICO_SIZES = [16, 32, 48, 64, 128, 256] as const;
/** PNG-carrying ICNS types (Apple's ICNS format: 1x types, then the @2x "retina" ones). */
const ICNS_TYPES: ReadonlyArray<readonly [type: string, size: number]> = [
  ['icp4', 16],
  ['icp5', 32],
  ['icp6', 64],
  ['ic07', 128],
  ['ic08', 256],
  ['ic09', 512],
  ['ic10', 1024],
  ['ic11', 32],
  ['ic12', 64],
  ['ic13', 256],
  ['ic14', 512],
];

/** ICO container holding PNG images (supported since Windows Vista): header, directory, images. */
function icoFromPngs(images: ReadonlyArray<{ size: number; png: Buffer }>): Buffer {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0); // reserved
  header.writeUInt16LE(1, 2); // type 1 = icon
  header.writeUInt16LE(images.length, 4);
  let offset = 6 + 16 * images.length;
  const entries = images.map(({ size, png }) => {
    const entry = Buffer.alloc(16);
    entry.writeUInt8(size >= 256 ? 0 : size, 0); // 0 means 256
    entry.writeUInt8(size >= 256 ? 0 : size, 1);
    entry.writeUInt8(0, 2); // no palette
    entry.writeUInt8(0, 3); // reserved
    entry.writeUInt16LE(1, 4); // colour planes
    entry.writeUInt16LE(32, 6); // bits per pixel
    entry.writeUInt32LE(png.length, 8);
    entry.writeUInt32LE(offset, 12);
    offset += png.length;
    return entry;
  });
  return Buffer.concat([header, ...entries, ...images.map(({ png }) => png)]);
}

/** ICNS container: 'icns' + total length, then (type, length incl. 8-byte header, PNG data) entries, big-endian. */
function icnsFromPngs(entries: ReadonlyArray<{ type: string; png: Buffer }>): Buffer {
  const chunks = entries.map(({ type, png }) => {
    const head = Buffer.alloc(8);
    head.write(type, 0, 'latin1');
    head.writeUInt32BE(8 + png.length, 4);
    return Buffer.concat([head, png]);
  });
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'latin1');
  head.writeUInt32BE(8 + chunks.reduce((total, chunk) => total + chunk.length, 0), 4);
  return Buffer.concat([head, ...chunks]);
}

async function renderPngs(svg: string): Promise<Map<number, Buffer>> {
  const executablePath = findBrowser({ platform: process.platform, env: process.env, exists: existsSync });
  if (executablePath === undefined) throw new Error(noBrowserReason(process.platform));
  const browser = await chromium.launch({ executablePath, args: browserArgs(process.platform, process.getuid?.()) });
  try {
    const pngs = new Map<number, Buffer>();
    for (const size of PNG_SIZES) {
      const page = await browser.newPage({ viewport: { width: size, height: size }, deviceScaleFactor: 1 });
      const source = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
      await page.setContent(
        `<html><body style="margin:0;background:transparent"><img src="${source}" width="${size}" height="${size}" style="display:block"></body></html>`,
      );
      await page.waitForFunction('document.images[0].complete && document.images[0].naturalWidth > 0');
      pngs.set(size, await page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } }));
      await page.close();
    }
    return pngs;
  } finally {
    await browser.close();
  }
}

function pngOf(pngs: Map<number, Buffer>, size: number): Buffer {
  const png = pngs.get(size);
  if (png === undefined) throw new Error(`no ${size}px rendering`);
  return png;
}

const pngs = await renderPngs(await readFile(join(BUILD_DIR, 'icon.svg'), 'utf8'));
await mkdir(join(BUILD_DIR, 'icons'), { recursive: true });
for (const size of PNG_SIZES) {
  // electron-builder's Linux `icon: build/icons` expects <n>x<n>.png names.
  await writeFile(join(BUILD_DIR, 'icons', `${size}x${size}.png`), pngOf(pngs, size));
}
await writeFile(join(BUILD_DIR, 'icon.ico'), icoFromPngs(ICO_SIZES.map((size) => ({ size, png: pngOf(pngs, size) }))));
await writeFile(
  join(BUILD_DIR, 'icon.icns'),
  icnsFromPngs(ICNS_TYPES.map(([type, size]) => ({ type, png: pngOf(pngs, size) }))),
);
process.stdout.write(`icons written to ${BUILD_DIR}: icons/*.png (${PNG_SIZES.join(', ')}), icon.ico, icon.icns\n`);
