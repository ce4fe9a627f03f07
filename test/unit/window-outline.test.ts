import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultWindowSize, pngSize, readmeScreenshots } from '../../scripts/screenshot-manifest.js';
import { outlineFingerprint, outlineLines, type OutlineElement } from '../../scripts/window-outline.js';

const element = (depth: number, tag: string, text = '', extra: Partial<OutlineElement> = {}): OutlineElement => ({
  depth,
  tag,
  classes: [],
  attributes: {},
  text,
  ...extra,
});

const MASKS = [
  { text: 'Alice Example', as: '<name>' },
  { text: 'alice@example.com', as: '<email>' },
  { text: 'AE', as: '<initials>', whole: true },
];

describe("the README screenshots' window outline", () => {
  test('keeps the UI and leaves out the person, the port, the timer and build hashes', () => {
    const lines = outlineLines(
      [
        element(0, 'body'),
        element(1, 'span', 'via 127.0.0.1:41234', { attributes: { id: 'issuer' }, classes: ['issuer'] }),
        element(1, 'div', 'AE', { classes: ['avatar'] }),
        element(1, 'h1', 'Alice Example', { classes: ['name'] }),
        element(1, 'p', 'alice@example.com', { classes: ['email'] }),
        element(1, 'p', 'CAESAR AE'),
        element(1, 'p', '12:07', { classes: ['elapsed'] }),
        element(1, 'img', '', { attributes: { src: './assets/icon-B2x_9kQe.svg', alt: '' } }),
        element(1, 'button', 'Call API', { classes: ['primary'], attributes: { disabled: '' } }),
      ],
      MASKS,
    );
    assert.deepEqual(lines, [
      'body',
      '  span#issuer.issuer "via 127.0.0.1:<port>"',
      '  div.avatar "<initials>"',
      '  h1.name "<name>"',
      '  p.email "<email>"',
      '  p "CAESAR AE"',
      '  p.elapsed "<elapsed>"',
      '  img[alt][src=icon.svg]',
      '  button.primary[disabled] "Call API"',
    ]);
  });

  test('the fingerprint changes with a button label and not with the port', () => {
    const window = (label: string, port: number) =>
      outlineFingerprint(
        outlineLines([element(0, 'span', `via 127.0.0.1:${port}`), element(0, 'button', label)], MASKS),
      );
    assert.equal(window('Try again', 4400), window('Try again', 38211));
    assert.notEqual(window('Try again', 4400), window('Check my setup', 4400));
  });

  test("reads the window's default size, not its minimum", async () => {
    const source = 'new BrowserWindow({\n  useContentSize: true,\n  width: 480,\n  height: 640,\n  minWidth: 380,\n';
    assert.deepEqual(await defaultWindowSize(source), { width: 480, height: 640 });
    await assert.rejects(defaultWindowSize('new BrowserWindow({ minWidth: 380, minHeight: 520 })'), /default size/);
  });

  test("reads a PNG's size from its header and refuses other files", () => {
    const header = Buffer.from('89504e470d0a1a0a0000000d49484452000001e000000280', 'hex');
    assert.deepEqual(pngSize(header), { width: 480, height: 640 });
    assert.throws(() => pngSize(Buffer.from('GIF89a\u0001\u0000\u0001\u0000')), /not a PNG/);
  });

  test('finds the pictures the README links', () => {
    const readme =
      '| ![A](docs/screenshots/signed-out.png) | <img src="docs/screenshots/error.png"> ![A](docs/screenshots/signed-out.png)';
    assert.deepEqual(readmeScreenshots(readme), ['docs/screenshots/signed-out.png', 'docs/screenshots/error.png']);
  });
});
