import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  browserArgs,
  browserCandidates,
  findBrowser,
  noBrowserReason,
  type BrowserLookup,
} from '../../tools/browser/find-browser.js';

const WINDOWS_ENV = {
  ProgramFiles: 'C:\\Program Files',
  'ProgramFiles(x86)': 'C:\\Program Files (x86)',
  LOCALAPPDATA: 'C:\\Users\\zoe\\AppData\\Local',
};

/** A lookup where exactly `present` exist. */
function lookup(platform: NodeJS.Platform, present: string[], env: BrowserLookup['env'] = {}): BrowserLookup {
  return { platform, env, exists: (path) => present.includes(path) };
}

describe('findBrowser: CHROMIUM_PATH', () => {
  test('wins over every usual location when the file exists', () => {
    const chosen = '/home/zoe/chrome-linux/chrome';
    const found = findBrowser(lookup('linux', [chosen, '/usr/bin/chromium'], { CHROMIUM_PATH: chosen }));
    assert.equal(found, chosen);
  });

  test('naming a missing file is an error that names the variable and the path, not a skip', () => {
    assert.throws(
      () => findBrowser(lookup('linux', ['/usr/bin/chromium'], { CHROMIUM_PATH: '/nowhere/chrome' })),
      (error: Error) => error.message.includes('CHROMIUM_PATH') && error.message.includes('/nowhere/chrome'),
    );
  });

  test('an empty CHROMIUM_PATH counts as unset', () => {
    assert.equal(findBrowser(lookup('linux', ['/usr/bin/chromium'], { CHROMIUM_PATH: ' ' })), '/usr/bin/chromium');
  });
});

describe('findBrowser: the usual locations', () => {
  test('Linux: Chromium first, then Chrome, then Edge', () => {
    assert.deepEqual(browserCandidates('linux', {}), [
      '/usr/bin/chromium',
      '/usr/bin/chromium-browser',
      '/usr/bin/google-chrome',
      '/usr/bin/google-chrome-stable',
      '/opt/google/chrome/chrome',
      '/usr/bin/microsoft-edge',
    ]);
    assert.equal(
      findBrowser(lookup('linux', ['/usr/bin/microsoft-edge', '/usr/bin/google-chrome'])),
      '/usr/bin/google-chrome',
    );
  });

  test('macOS: Chrome, Chromium, Edge inside their app bundles', () => {
    assert.deepEqual(browserCandidates('darwin', {}), [
      '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
      '/Applications/Chromium.app/Contents/MacOS/Chromium',
      '/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge',
    ]);
    const edge = '/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge';
    assert.equal(findBrowser(lookup('darwin', [edge, '/usr/bin/chromium'])), edge, 'Linux paths are not looked at');
  });

  test('Windows: Chrome, Edge, Chromium under Program Files, Program Files (x86) and the per-user folder', () => {
    assert.deepEqual(browserCandidates('win32', WINDOWS_ENV), [
      'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
      'C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe',
      'C:\\Users\\zoe\\AppData\\Local\\Google\\Chrome\\Application\\chrome.exe',
      'C:\\Program Files\\Microsoft\\Edge\\Application\\msedge.exe',
      'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe',
      'C:\\Users\\zoe\\AppData\\Local\\Microsoft\\Edge\\Application\\msedge.exe',
      'C:\\Program Files\\Chromium\\Application\\chrome.exe',
      'C:\\Program Files (x86)\\Chromium\\Application\\chrome.exe',
      'C:\\Users\\zoe\\AppData\\Local\\Chromium\\Application\\chrome.exe',
    ]);
    const edge = 'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe';
    assert.equal(findBrowser(lookup('win32', [edge], WINDOWS_ENV)), edge);
  });

  test('Windows: variable names are matched in any case, and missing ones are left out', () => {
    assert.deepEqual(browserCandidates('win32', { PROGRAMFILES: 'D:\\Apps' }), [
      'D:\\Apps\\Google\\Chrome\\Application\\chrome.exe',
      'D:\\Apps\\Microsoft\\Edge\\Application\\msedge.exe',
      'D:\\Apps\\Chromium\\Application\\chrome.exe',
    ]);
    assert.deepEqual(browserCandidates('win32', {}), []);
  });

  test('none found: undefined, and the skip reason tells how to point at a browser', () => {
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      assert.equal(findBrowser(lookup(platform, [], WINDOWS_ENV)), undefined, platform);
    }
    assert.match(noBrowserReason('darwin'), /set CHROMIUM_PATH/);
  });
});

describe('browserArgs', () => {
  const common = [
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ];

  test('turns the sandbox off only as root on Linux', () => {
    assert.deepEqual(browserArgs('linux', 0), ['--no-sandbox', ...common]);
    assert.deepEqual(browserArgs('linux', 1000), common);
  });

  test('keeps the sandbox on macOS and Windows (Windows has no user id)', () => {
    assert.deepEqual(browserArgs('darwin', 0), common);
    assert.deepEqual(browserArgs('darwin', 501), common);
    assert.deepEqual(browserArgs('win32', undefined), common);
  });
});
