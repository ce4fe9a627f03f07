import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createBuilderLogReader, type BuilderStream } from '../../scripts/builder-download-failure.js';

// electron-builder 26's output, captured on a machine without internet access (paths shortened).
// Each log is fed in small uneven chunks, as a pipe delivers it, so lines arrive in pieces.

const STACK = [
  '    at ClientRequest.<anonymous> (/app/node_modules/got/dist/source/core/index.js:970:111)',
  '    at Object.onceWrapper (node:events:634:26)',
  '    at GetAddrInfoReqWrap.onlookupall [as oncomplete] (node:dns:122:26)',
];

/** `npm run dist` on Linux: keytar's rebuild is already done, then Electron itself cannot be fetched. */
const ELECTRON_OFFLINE = [
  '  • electron-builder  version=26.17.0 os=6.18.44',
  '  • loaded configuration  file=/app/electron-builder.yml',
  '  • executing @electron/rebuild  electronVersion=45.5.0 arch=x64 buildFromSource=false workspaceRoot=/app projectDir=./ appDir=./',
  '  • installing native dependencies  arch=x64',
  '  • preparing       moduleName=keytar arch=x64',
  '  • finished        moduleName=keytar arch=x64',
  '  • completed installing native dependencies',
  '  • packaging       platform=linux arch=x64 electron=45.5.0 appOutDir=release/linux-unpacked',
  '  ⨯ getaddrinfo ENOTFOUND github.com  failedTask=build stackTrace=RequestError: getaddrinfo ENOTFOUND github.com',
  ...STACK,
  '',
].join('\n');

/** `npm run dist -- --linux AppImage -c.electronDist=...`: Electron is given, the AppImage tools are not. */
const APPIMAGE_TOOLS_OFFLINE = [
  '  • electron-builder  version=26.17.0 os=6.18.44',
  '  • skipped dependencies rebuild  reason=npmRebuild is set to false',
  '  • packaging       platform=linux arch=x64 electron=45.5.0 appOutDir=release/linux-unpacked',
  '  • using custom unpacked Electron distribution  electronDist=/opt/electron',
  '  • building        target=AppImage arch=x64 file=release/desktop-login-0.1.0-linux-x86_64.AppImage',
  '  • default Electron icon is used  reason=application icon is not set',
  '  ⨯ failed to build AppImage  error=getaddrinfo ENOTFOUND github.com',
  '  ⨯ getaddrinfo ENOTFOUND github.com  failedTask=build stackTrace=RequestError: getaddrinfo ENOTFOUND github.com',
  ...STACK,
  '',
].join('\n');

/** A fresh checkout: @electron/rebuild asks node-gyp for Electron's headers, which names no host. */
const HEADERS_OFFLINE = [
  '  • electron-builder  version=26.17.0 os=6.18.44',
  '  • executing @electron/rebuild  electronVersion=45.5.0 arch=x64 buildFromSource=false workspaceRoot=/app projectDir=./ appDir=./',
  '  • installing native dependencies  arch=x64',
  '  • preparing       moduleName=keytar arch=x64',
  '  ⨯ ',
  'Error: This is most likely not a problem with node-gyp or the package itself and',
  'is related to network connectivity. In most cases you are behind a proxy or have bad ',
  'network settings.',
  '    at go (/app/node_modules/node-gyp/lib/install.js:244:21)',
  '    at async getNodeDir (/app/node_modules/node-gyp/lib/configure.js:79:7)',
  '',
  '',
  "  ⨯ node-gyp failed to rebuild '/app/node_modules/keytar'  failedTask=build stackTrace=Error: node-gyp failed to rebuild '/app/node_modules/keytar'",
  '    at ChildProcess.<anonymous> (file:///app/node_modules/@electron/rebuild/lib/module-type/node-gyp/node-gyp.js:120:24)',
  '',
].join('\n');

/** A failure that has nothing to do with the network: shown exactly as electron-builder wrote it. */
const NOT_A_DOWNLOAD = [
  '  • building        target=deb arch=x64 file=release/desktop-login-0.1.0-linux-amd64.deb',
  '  ⨯ Please specify project homepage, see https://www.electron.build/configuration#metadata  failedTask=build stackTrace=Error: Please specify project homepage, see https://www.electron.build/configuration#metadata',
  '    at FpmTarget.computeFpmMetaInfoOptions (/app/node_modules/app-builder-lib/src/targets/FpmTarget.ts:99:13)',
  '',
].join('\n');

interface Shown {
  readonly text: string;
  readonly stream: BuilderStream;
}

/** Feeds `log` in uneven pieces; returns what was shown, how the reading ended, and `finished` before the end. */
function read(log: string, stream: BuilderStream = 'stdout'): { shown: Shown[]; sentence?: string; finished: boolean } {
  const shown: Shown[] = [];
  const reader = createBuilderLogReader((text, to) => shown.push({ text, stream: to }));
  for (let at = 0, size = 1; at < log.length; at += size, size = (size % 13) + 3) {
    reader.push(log.slice(at, at + size), stream);
  }
  const finished = reader.finished;
  const sentence = reader.end();
  return { shown, finished, ...(sentence === undefined ? {} : { sentence }) };
}

const text = (shown: readonly Shown[]): string => shown.map((piece) => piece.text).join('');

const README_POINTER = '(see README.md, "Packaging and signing").';

describe('electron-builder output on a failed download', () => {
  test('Electron itself: one sentence with the version, target, cause and the electronDist route; progress shown, report held back', () => {
    const { shown, sentence, finished } = read(ELECTRON_OFFLINE);
    assert.equal(finished, true, 'the final error marks the build as over');
    assert.equal(
      sentence,
      'electron-builder could not download Electron 45.5.0 for linux-x64 (getaddrinfo ENOTFOUND github.com); ' +
        'without internet access, give it an unpacked Electron 45.5.0 with `npm run dist -- -c.electronDist=<folder>`; ' +
        `behind a proxy, set HTTPS_PROXY; to use a mirror, set ELECTRON_MIRROR ${README_POINTER}`,
    );
    assert.equal(
      text(shown),
      ELECTRON_OFFLINE.slice(0, ELECTRON_OFFLINE.indexOf('  ⨯')),
      'every progress line, in order',
    );
    assert.doesNotMatch(text(shown), /⨯|\n\s+at /);
  });

  test('the tools of an installer target: names the target that failed and the --dir route', () => {
    const { shown, sentence } = read(APPIMAGE_TOOLS_OFFLINE);
    assert.equal(
      sentence,
      'electron-builder could not download the tools it needs to build the AppImage (getaddrinfo ENOTFOUND github.com); ' +
        'without internet access, build only the unpacked app with `npm run dist -- --dir -c.electronDist=<folder>` ' +
        "or fill electron-builder's cache first; behind a proxy, set HTTPS_PROXY; " +
        `to use a mirror, set ELECTRON_BUILDER_BINARIES_MIRROR ${README_POINTER}`,
    );
    assert.match(text(shown), /using custom unpacked Electron distribution/);
    assert.doesNotMatch(text(shown), /⨯|\n\s+at /);
  });

  test("Electron's headers for rebuilding keytar: node-gyp's report, split over several lines, is recognised", () => {
    const { shown, sentence } = read(HEADERS_OFFLINE);
    assert.equal(
      sentence,
      'electron-builder could not download the Electron 45.5.0 headers to rebuild keytar (no network connection); ' +
        'without internet access, skip that rebuild with `npm run dist -- -c.npmRebuild=false` (keytar is an N-API module, ' +
        'so the build `npm install` made loads in Electron too); behind a proxy, set HTTPS_PROXY ' +
        README_POINTER,
    );
    assert.doesNotMatch(text(shown), /⨯|node-gyp|\n\s+at /);
  });

  test('coloured output (a terminal) is recognised and passed on with its colours', () => {
    const colour = (line: string): string =>
      line.replace(
        /^( {2})([•⨯])/,
        (_, pad: string, mark: string) => `${pad}\u001b[${mark === '•' ? 34 : 31}m${mark}\u001b[39m`,
      );
    const coloured = ELECTRON_OFFLINE.split('\n').map(colour).join('\n');
    const { shown, sentence } = read(coloured);
    assert.match(sentence ?? '', /^electron-builder could not download Electron 45\.5\.0 for linux-x64 /);
    assert.ok(text(shown).includes('\u001b[34m•\u001b[39m packaging'), 'the colours are kept');
  });

  test('a stack trace on stderr is held back too, and what was shown went to the stream it came from', () => {
    const { shown, sentence } = read(ELECTRON_OFFLINE, 'stderr');
    assert.ok(sentence);
    assert.ok(shown.length > 0 && shown.every((piece) => piece.stream === 'stderr'));
    assert.doesNotMatch(text(shown), /\n\s+at /);
  });
});

describe('electron-builder output that is not a failed download', () => {
  test('another failure: no sentence, and the report is shown exactly as written', () => {
    const { shown, sentence, finished } = read(NOT_A_DOWNLOAD);
    assert.equal(finished, true);
    assert.equal(sentence, undefined);
    assert.equal(text(shown), NOT_A_DOWNLOAD);
  });

  test('an error line the build carries on after (debug output) is shown in order, and a build that ends well has no sentence', () => {
    const log = [
      '  • installing native dependencies  arch=x64',
      '  ⨯ 2026-01-01T00:00:00.000Z electron-rebuild rebuilding with args: {',
      "    buildPath: '/app',",
      '}',
      '  • preparing       moduleName=keytar arch=x64',
      '  • building        target=AppImage arch=x64 file=release/app.AppImage',
      '  ⨯ cannot reach github.com (ENOTFOUND) but a cached copy was used',
      '',
    ].join('\n');
    const { shown, sentence, finished } = read(log);
    assert.equal(finished, false, 'no final error');
    assert.equal(sentence, undefined);
    assert.equal(text(shown), log, 'nothing lost, nothing reordered');
  });

  test('output that ends without a newline is still shown', () => {
    const { shown } = read('  • packaging       platform=linux arch=x64 electron=45.5.0\n  • done');
    assert.equal(text(shown), '  • packaging       platform=linux arch=x64 electron=45.5.0\n  • done');
  });
});

test('every command and variable the sentences recommend is explained in the README packaging section', () => {
  const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
  const start = readme.indexOf('## Packaging and signing');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const sentences = [ELECTRON_OFFLINE, APPIMAGE_TOOLS_OFFLINE, HEADERS_OFFLINE].map((log) => read(log).sentence ?? '');
  const advice = sentences.flatMap((sentence) => [
    ...[...sentence.matchAll(/`npm run dist -- ([^`]+)`/g)].flatMap((match) => (match[1] ?? '').split(' ')),
    ...(sentence.match(/\b[A-Z]+(?:_[A-Z]+)+\b/g) ?? []),
  ]);
  assert.ok(advice.includes('-c.electronDist=<folder>') && advice.includes('ELECTRON_MIRROR'), advice.join(' '));
  const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  const electron = manifest.devDependencies['electron'] ?? 'missing';
  assert.ok(section.includes(`electron-v${electron}-linux-x64.zip`), `the zip example names Electron ${electron}`);
  for (const item of new Set(advice)) assert.ok(section.includes(item), `the packaging section explains ${item}`);
});
