import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { extractFile, listPackage, statFile } from '@electron/asar';
import type { Configuration } from 'electron-builder';
import { findElectronBinary } from '../../scripts/electron-binary.js';
import { BAKED_SETTING_NAMES, BAKED_SETTINGS_FILE, bakeSettings } from '../../src/main/auth/config/baked-settings.js';

// What ships: runs `npm run dist` (build, bake the Auth0 settings, electron-builder) with the
// `--dir` target, offline and into a temp folder, and opens the resulting app.asar.
// Installers (AppImage, deb, dmg, NSIS) need tools electron-builder downloads, so they are not
// built here; the `--dir` output is what each of them wraps.

const root = join(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);
const electronVersion = (
  JSON.parse(readFileSync(join(root, 'node_modules/electron/package.json'), 'utf8')) as {
    version: string;
  }
).version;
const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  main: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};
// electron-builder's own YAML reader (a dependency of electron-builder), so the file is read as it reads it.
const yaml = require('js-yaml') as { load(text: string): unknown };
const config = yaml.load(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as Configuration;

/** A tenant that exists nowhere: the test only checks that its public settings are what ships. */
const FAKE_TENANT = {
  AUTH0_DOMAIN: 'packaging-test.example.com',
  AUTH0_CLIENT_ID: 'packaging-test-client',
  AUTH0_AUDIENCE: 'https://api.packaging-test.example.com',
  AUTH0_CALLBACK_URL: 'http://127.0.0.1:28460/callback',
  AUTH0_CALLBACK_PORTS: '28461',
};

/** The fuse states the security checklist asks for, by @electron/fuses wire index (FuseV1Options). */
const EXPECTED_FUSES = {
  runAsNode: false,
  enableCookieEncryption: true,
  enableNodeOptionsEnvironmentVariable: false,
  enableNodeCliInspectArguments: false,
  enableEmbeddedAsarIntegrityValidation: true,
  onlyLoadAppFromAsar: true,
  grantFileProtocolExtraPrivileges: false,
} as const;
const FUSE_WIRE_INDEX: Record<keyof typeof EXPECTED_FUSES, number> = {
  runAsNode: 0,
  enableCookieEncryption: 1,
  enableNodeOptionsEnvironmentVariable: 2,
  enableNodeCliInspectArguments: 3,
  enableEmbeddedAsarIntegrityValidation: 4,
  onlyLoadAppFromAsar: 5,
  grantFileProtocolExtraPrivileges: 7,
};
/** Electron's fuse wire marker, as @electron/fuses finds it in the binary. */
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/** Electron's shipped fuse states ('1' on, '0' off), wire order: RunAsNode on, cookies off, NODE_OPTIONS on, ... */
const ELECTRON_DEFAULT_FUSES = '10110001';

/**
 * A PLACEHOLDER for an unpacked Electron directory. It is not Electron and cannot run the app:
 * a shell script that says so, carrying a copy of Electron's fuse wire so electron-builder's
 * fuse step has something to flip and the test can read the result back.
 */
function makePlaceholderElectron(dir: string): string {
  const script = [
    '#!/bin/sh',
    '# PLACEHOLDER Electron binary made by test/e2e/packaging.test.ts. It is not Electron and cannot',
    "# run the app; it only carries Electron's fuse wire (below) so the packaging pipeline can be checked.",
    'echo "placeholder Electron binary from the packaging test; it cannot run the app" >&2',
    'exit 1',
    `# fuse wire: ${FUSE_SENTINEL}\u0001\u0008${ELECTRON_DEFAULT_FUSES}`,
    '',
  ].join('\n');
  writeFileSync(join(dir, 'electron'), script, { mode: 0o755 });
  return dir;
}

/** Reads the fuse wire back from a packed binary: one '0'/'1' character per fuse. */
function readFuseWire(binary: string): string {
  const bytes = readFileSync(binary);
  const at = bytes.indexOf(FUSE_SENTINEL);
  assert.notEqual(at, -1, `no fuse wire in ${binary}`);
  const wire = at + FUSE_SENTINEL.length;
  assert.equal(bytes[wire], 1, 'fuse wire version');
  return bytes.toString('latin1', wire + 2, wire + 2 + (bytes[wire + 1] ?? 0));
}

/**
 * The build environment for `npm run dist`: the fake tenant, with every other bakeable setting
 * blanked (an empty variable wins over .env), so a developer's .env cannot add to what ships.
 */
function distEnv(overrides: Record<string, string>): NodeJS.ProcessEnv {
  const blank = Object.fromEntries(
    [...BAKED_SETTING_NAMES, 'AUTH0_CLIENT_SECRET', 'DESKTOP_LOGIN_DEMO_ISSUER'].map((name) => [name, '']),
  );
  return { ...process.env, ...blank, ...overrides, CI: 'true' };
}

/** Runs `npm run dist` (scripts/dist.ts) with extra electron-builder arguments. */
function runDist(
  env: NodeJS.ProcessEnv,
  args: readonly string[] = [],
  timeout?: number,
): { status: number | null; output: string; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/dist.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    env,
    ...(timeout === undefined ? {} : { timeout }),
  });
  return {
    status: result.status,
    output: `${result.stdout}${result.stderr}`,
    stdout: result.stdout,
    stderr: result.stderr,
  };
}

/**
 * The one command, offline: `npm run dist` for Linux, with the `--dir` target instead of the
 * installers, Electron taken from `electronDist`, output into `output`. Returns linux-unpacked/.
 */
function distDir(electronDist: string, output: string): string {
  const { status, output: log } = runDist(distEnv(FAKE_TENANT), [
    '--dir',
    '--x64',
    `-c.electronDist=${electronDist}`,
    `-c.electronVersion=${electronVersion}`,
    // Rebuilding keytar needs Electron's headers from the network; keytar is N-API, so the build here loads.
    '-c.npmRebuild=false',
    `-c.directories.output=${output}`,
  ]);
  assert.equal(status, 0, `npm run dist failed:\n${log}`);
  assert.match(log, /Baked into the package/);
  // The documented offline route: Electron comes from the folder, so nothing is downloaded.
  assert.match(log, /using custom unpacked Electron distribution/);
  return join(output, 'linux-unpacked');
}

/** Every file in the archive (not directories), without a leading slash, with its unpacked flag. */
function archiveFiles(asar: string): Map<string, { unpacked: boolean }> {
  const files = new Map<string, { unpacked: boolean }>();
  for (const entry of listPackage(asar, { isPack: false })) {
    const path = entry.replace(/^[\\/]/, '').replaceAll('\\', '/');
    const stat = statFile(asar, path);
    if ('files' in stat) continue;
    files.set(path, { unpacked: 'unpacked' in stat && stat.unpacked === true });
  }
  return files;
}

/** Production packages from package-lock.json (present on disk), as node_modules/... paths. */
function productionPackages(): Set<string> {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean; devOptional?: boolean }>;
  };
  return new Set(
    Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && !entry.dev && !entry.devOptional && existsSync(join(root, path)))
      .map(([path]) => path),
  );
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function pngSize(png: Buffer): { width: number; height: number } {
  assert.ok(png.subarray(0, 8).equals(PNG_SIGNATURE), 'not a PNG');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('electron-builder.yml', () => {
  test('names the app, its copyright, and artifacts with version and architecture', () => {
    assert.equal(config.appId, 'com.example.desktoplogin');
    assert.equal(config.productName, 'Desktop Login');
    assert.match(config.copyright ?? '', /^Copyright © \d{4} /);
    assert.match(config.artifactName ?? '', /\$\{version\}.*\$\{arch\}/);
    assert.match(config.nsis?.artifactName ?? '', /\$\{version\}.*\$\{arch\}/);
  });

  test('ships only built output: asar on, native modules unpacked and rebuilt for Electron, never published', () => {
    assert.deepEqual(config.files, [
      'dist/main/**/*',
      'dist/preload/**/*',
      'dist/renderer/**/*',
      'package.json',
      '!**/*.map',
      '!**/.env*',
    ]);
    assert.equal(config.asar, true);
    assert.deepEqual(config.asarUnpack, ['**/*.node']);
    assert.equal(config.npmRebuild, true);
    assert.equal(config.publish, null);
  });

  test('sets every Electron fuse the security checklist asks for', () => {
    assert.deepEqual(config.electronFuses, EXPECTED_FUSES);
  });

  test('targets AppImage and deb, dmg and zip with hardened runtime, and a per-user NSIS installer', () => {
    assert.deepEqual(config.linux?.target, ['AppImage', 'deb']);
    assert.equal(config.linux?.category, 'Utility');
    assert.ok(config.linux?.desktop?.entry?.['Comment'], 'the desktop entry has a comment');
    assert.deepEqual(config.mac?.target, ['dmg', 'zip']);
    assert.equal(config.mac?.hardenedRuntime, true);
    assert.equal(config.mac?.notarize, undefined, 'notarization is switched by scripts/dist.ts from the environment');
    const entitlements = readFileSync(join(root, config.mac?.entitlements ?? 'missing'), 'utf8');
    assert.match(entitlements, /<key>com\.apple\.security\.cs\.allow-jit<\/key>\s*<true\/>/);
    assert.doesNotMatch(entitlements, /disable-library-validation|device\.camera|device\.audio-input/);
    assert.deepEqual(config.win?.target, ['nsis']);
    assert.equal(config.win?.requestedExecutionLevel, 'asInvoker');
    assert.equal(config.nsis?.oneClick, true);
    assert.equal(config.nsis?.perMachine, false);
  });

  test('holds no signing secret: certificates and Apple credentials come only from the environment', () => {
    const secretLike: string[] = [];
    const visit = (value: unknown, path: string): void => {
      if (typeof value === 'string' && /-----BEGIN|\.(p12|pfx|p8)$/i.test(value)) secretLike.push(path);
      if (typeof value !== 'object' || value === null) return;
      for (const [key, child] of Object.entries(value)) {
        if (/csc|password|certificate|apple|apiKey|secret|token/i.test(key)) secretLike.push(`${path}.${key}`);
        visit(child, `${path}.${key}`);
      }
    };
    visit(config, 'config');
    assert.deepEqual(secretLike, []);
  });

  test('the icon set is complete: PNGs at every size, an ICO up to 256 px and an ICNS up to 1024 px', () => {
    assert.equal(config.linux?.icon, 'build/icons');
    for (const size of [16, 32, 48, 64, 128, 256, 512, 1024]) {
      const png = readFileSync(join(root, 'build', 'icons', `${size}x${size}.png`));
      assert.deepEqual(pngSize(png), { width: size, height: size }, `${size}x${size}.png`);
    }

    const ico = readFileSync(join(root, config.win?.icon ?? 'missing'));
    assert.deepEqual([ico.readUInt16LE(0), ico.readUInt16LE(2)], [0, 1], 'ICO header');
    const icoSizes = Array.from({ length: ico.readUInt16LE(4) }, (_, index) => {
      const entry = 6 + index * 16;
      const image = ico.subarray(
        ico.readUInt32LE(entry + 12),
        ico.readUInt32LE(entry + 12) + ico.readUInt32LE(entry + 8),
      );
      const { width } = pngSize(image);
      assert.equal(ico[entry] === 0 ? 256 : ico[entry], width, 'ICO directory matches its image');
      return width;
    });
    assert.deepEqual(icoSizes, [16, 32, 48, 64, 128, 256]);

    const icns = readFileSync(join(root, config.mac?.icon ?? 'missing'));
    assert.equal(icns.toString('latin1', 0, 4), 'icns');
    assert.equal(icns.readUInt32BE(4), icns.length, 'ICNS length');
    const icnsSizes = new Map<string, number>();
    for (let at = 8; at < icns.length; at += icns.readUInt32BE(at + 4)) {
      icnsSizes.set(
        icns.toString('latin1', at, at + 4),
        pngSize(icns.subarray(at + 8, at + icns.readUInt32BE(at + 4))).width,
      );
    }
    assert.equal(icnsSizes.get('ic07'), 128);
    assert.equal(icnsSizes.get('ic08'), 256);
    assert.equal(icnsSizes.get('ic09'), 512);
    assert.equal(icnsSizes.get('ic10'), 1024);
  });
});

describe('npm run dist refuses a build it must not make', () => {
  test('without an Auth0 tenant: one clear message, exit code 1, nothing built', () => {
    const { status, output } = runDist(distEnv({ DESKTOP_LOGIN_DEMO_ISSUER: 'http://127.0.0.1:4400/' }));
    assert.equal(status, 1);
    assert.match(output, /^npm run dist: A package needs your Auth0 tenant, but AUTH0_DOMAIN and AUTH0_CLIENT_ID/m);
    assert.match(output, /demo identity provider \(DESKTOP_LOGIN_DEMO_ISSUER\) is never packaged/);
    assert.doesNotMatch(output, /\n\s+at |vite|electron-builder/, 'no stack trace, no build started');
  });

  test('with a client secret or a malformed setting: the config error, exit code 1', () => {
    const secret = runDist(distEnv({ ...FAKE_TENANT, AUTH0_CLIENT_SECRET: 'not-for-desktop-apps' }));
    assert.equal(secret.status, 1);
    assert.match(secret.output, /^npm run dist: The sign-in settings need fixing:\n- AUTH0_CLIENT_SECRET is set/m);
    assert.doesNotMatch(secret.output, /not-for-desktop-apps|\n\s+at /);
    const url = runDist(distEnv({ ...FAKE_TENANT, AUTH0_DOMAIN: 'https://packaging-test.example.com' }));
    assert.equal(url.status, 1);
    assert.match(url.output, /AUTH0_DOMAIN must be the bare host name/);
  });
});

describe('npm run dist without internet access', () => {
  test(
    'a download that fails ends in one plain sentence saying what and how, no stack trace, exit code 1',
    { timeout: 180_000 },
    () => {
      const temp = mkdtempSync(join(tmpdir(), 'desktop-login-offline-dist-'));
      try {
        // The download fails the way it does offline, on any machine: the mirror's name does not
        // resolve (.invalid, RFC 6761), and no proxy may answer in its place.
        const env = {
          ...distEnv(FAKE_TENANT),
          ELECTRON_MIRROR: 'https://electron-mirror.invalid/',
          ...Object.fromEntries(['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'].map((name) => [name, ''])),
        };
        const started = Date.now();
        const { status, stdout, stderr } = runDist(env, [`-c.directories.output=${join(temp, 'out')}`], 170_000);
        process.stdout.write(`# npm run dist stopped after ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
        assert.equal(status, 1, `${stdout}${stderr}`);
        const last = stderr.trimEnd().split('\n').at(-1) ?? '';
        assert.match(
          last,
          /^npm run dist: electron-builder could not download (?:Electron \S+ for \S+|the Electron \S+ headers to rebuild keytar) \(.+\); without internet access, .+ \(see README\.md, "Packaging and signing"\)\.$/,
          `the last line:\n${stderr}`,
        );
        assert.match(last, /electron-mirror\.invalid|no network connection/, 'it names the host it could not reach');
        assert.doesNotMatch(`${stdout}${stderr}`, /^\s+at /m, 'no stack frame');
        assert.doesNotMatch(
          `${stdout}${stderr}`,
          /⨯|failedTask=|stackTrace=/,
          "no part of electron-builder's error report",
        );
        assert.match(
          stdout,
          /• packaging\s+platform=|• preparing\s+moduleName=/,
          "electron-builder's progress was shown",
        );
      } finally {
        rmSync(join(root, 'dist', 'main', BAKED_SETTINGS_FILE), { force: true });
        rmSync(temp, { recursive: true, force: true });
      }
    },
  );
});

describe('the packed app (electron-builder --dir, placeholder Electron: packed, not run)', () => {
  let temp: string;
  let appDir: string;
  let asar: string;
  let files: Map<string, { unpacked: boolean }>;
  const settingsPath = join(root, 'dist', 'main', BAKED_SETTINGS_FILE);

  before(() => {
    temp = mkdtempSync(join(tmpdir(), 'desktop-login-packaging-'));
    const electronDist = makePlaceholderElectron(mkdtempSync(join(temp, 'placeholder-electron-')));
    appDir = distDir(electronDist, join(temp, 'out'));
    asar = join(appDir, 'resources', 'app.asar');
    files = archiveFiles(asar);
  });
  after(() => {
    // The fake tenant must not linger in dist/ where a later electron-builder run could pick it up.
    rmSync(settingsPath, { force: true });
    if (temp) rmSync(temp, { recursive: true, force: true });
  });

  test('holds the main, preload and renderer entry points, and package.json "main" resolves', () => {
    for (const entry of ['dist/main/main.js', 'dist/preload/preload.cjs', 'dist/renderer/index.html']) {
      assert.ok(files.has(entry), `${entry} is packed`);
    }
    const packed = JSON.parse(extractFile(asar, 'package.json').toString('utf8')) as Record<string, unknown>;
    assert.equal(packed['main'], packageJson.main);
    assert.ok(files.has(posix.normalize(packageJson.main)), `package.json main (${packageJson.main}) is packed`);
    assert.equal(packed['devDependencies'], undefined, 'devDependencies are stripped from the packed package.json');
    assert.equal(packed['scripts'], undefined, 'scripts are stripped from the packed package.json');
  });

  test('the files main.js and index.html load resolve inside the archive', () => {
    const main = extractFile(asar, 'dist/main/main.js').toString('utf8');
    // The window's preload and page, relative to main.js: join(<main dir>, "..", "preload", "preload.cjs").
    const joined = [...main.matchAll(/\bjoin\(\s*\w+\s*,\s*("\.\."\s*,\s*(?:"[^"]*"\s*,\s*)*"[^"]*")\s*\)/g)].map(
      (match) => posix.join('dist/main', ...[...(match[1] ?? '').matchAll(/"([^"]*)"/g)].map((part) => part[1] ?? '')),
    );
    assert.ok(joined.includes('dist/preload/preload.cjs'), `main.js loads the preload (found ${joined.join(', ')})`);
    assert.ok(joined.includes('dist/renderer/index.html'), 'main.js loads the renderer page');
    for (const path of joined) assert.ok(files.has(path), `${path}, loaded by main.js, is packed`);

    const html = extractFile(asar, 'dist/renderer/index.html').toString('utf8');
    const assets = [...html.matchAll(/\b(?:src|href)="(\.\/[^"]+)"/g)].map((match) =>
      posix.join('dist/renderer', match[1] ?? ''),
    );
    assert.ok(
      assets.some((asset) => asset.endsWith('.js')),
      'index.html loads a script',
    );
    for (const asset of assets) assert.ok(files.has(asset), `${asset}, loaded by index.html, is packed`);
  });

  test('carries the baked public Auth0 settings and nothing else from the environment', () => {
    const packed = JSON.parse(extractFile(asar, `dist/main/${BAKED_SETTINGS_FILE}`).toString('utf8')) as unknown;
    assert.deepEqual(packed, FAKE_TENANT);
    assert.deepEqual(packed, bakeSettings(FAKE_TENANT), 'what bakeSettings keeps of the build environment');
  });

  test('holds nothing but the built app, package.json and production dependencies', () => {
    const production = productionPackages();
    assert.ok(production.has('node_modules/keytar'), 'keytar is a production dependency');
    const unexpected = [...files.keys()].filter((path) => {
      if (path === 'package.json') return false;
      if (/^dist\/(main|preload|renderer)\//.test(path)) return /\.map$/.test(path);
      const owner = /^((?:node_modules\/(?:@[^/]+\/)?[^/]+\/)+)/.exec(path)?.[1]?.replace(/\/$/, '');
      return owner === undefined || !production.has(owner);
    });
    assert.deepEqual(unexpected, [], 'files outside dist/, package.json and the production dependencies');

    const packedPackages = new Set(
      [...files.keys()]
        .filter((path) => /^(node_modules\/(?:@[^/]+\/)?[^/]+\/)+package\.json$/.test(path))
        .map((path) => path.replace(/\/package\.json$/, '')),
    );
    assert.deepEqual([...packedPackages].sort(), [...production].sort(), 'exactly the production dependency tree');
  });

  test('holds no source, tests, .env, source maps, identity provider or development dependency', () => {
    const paths = [...files.keys()];
    const offenders = paths.filter(
      (path) =>
        /^(src|test|tools|scripts|build|release|test-results|\.ci|node_modules\/\.bin)\//.test(path) ||
        /(^|\/)\.env/.test(path) ||
        /\.(map|ts)$/.test(path.replace(/\.d\.ts$/, '')),
    );
    assert.deepEqual(offenders, []);
    for (const name of Object.keys(packageJson.devDependencies ?? {})) {
      assert.ok(
        !paths.some((path) => path.startsWith(`node_modules/${name}/`)),
        `dev dependency ${name} is not packed`,
      );
    }
    // The bundle must not have pulled in the local identity provider (tools/idp, oidc-provider).
    const main = extractFile(asar, 'dist/main/main.js').toString('utf8');
    assert.doesNotMatch(main, /oidc-provider|start-idp|tools\/idp/);
  });

  test("keytar's native module sits in app.asar.unpacked, next to its JavaScript in the archive", () => {
    const native = 'node_modules/keytar/build/Release/keytar.node';
    assert.equal(files.get(native)?.unpacked, true, 'keytar.node is marked unpacked in the archive');
    const unpacked = join(appDir, 'resources', 'app.asar.unpacked', native);
    assert.ok(existsSync(unpacked), 'keytar.node is on disk in app.asar.unpacked');
    assert.ok(
      readFileSync(unpacked).equals(readFileSync(join(root, native))),
      'the unpacked keytar.node is the built one',
    );
    assert.ok(files.has('node_modules/keytar/lib/keytar.js'));
    const nativeOutside = readdirSync(join(appDir, 'resources', 'app.asar.unpacked'), { recursive: true })
      .map(String)
      .filter((path) => path.endsWith('.node'));
    assert.deepEqual(nativeOutside, [join('node_modules', 'keytar', 'build', 'Release', 'keytar.node')]);
  });

  test('electron-builder flipped the configured fuses in the packed binary', () => {
    const wire = readFuseWire(join(appDir, 'desktop-login'));
    for (const [fuse, enabled] of Object.entries(EXPECTED_FUSES)) {
      const index = FUSE_WIRE_INDEX[fuse as keyof typeof EXPECTED_FUSES];
      assert.equal(wire[index], enabled ? '1' : '0', `${fuse} is ${enabled ? 'on' : 'off'}`);
    }
    assert.equal(existsSync(join(appDir, 'resources', 'default_app.asar')), false);
  });
});

/** An unpacked real Electron: ELECTRON_DIST_DIR, or the one `npm install` puts in node_modules/electron/dist. */
const realElectronDist = process.env['ELECTRON_DIST_DIR'] ?? dirname(findElectronBinary() ?? '.');
const hasDisplay = Boolean(process.env['DISPLAY'] || process.env['WAYLAND_DISPLAY']);
const canXvfb = spawnSync('sh', ['-c', 'command -v xvfb-run'], { encoding: 'utf8' }).status === 0;
const launchSkip =
  process.platform !== 'linux'
    ? 'the packed-app launch runs on Linux (the test packs the linux --dir target)'
    : !existsSync(join(realElectronDist, 'electron'))
      ? 'no real Electron distribution: set ELECTRON_DIST_DIR to an unpacked Electron for Linux x64 (or fetch the binary with `npx install-electron --no`)'
      : !hasDisplay && !canXvfb
        ? 'no display (set DISPLAY or install xvfb-run)'
        : undefined;

describe('the packed app on a real Electron', () => {
  test(
    'starts from app.asar with its fuses flipped and opens its window',
    { skip: launchSkip, timeout: 120_000 },
    async () => {
      const temp = mkdtempSync(join(tmpdir(), 'desktop-login-packaged-run-'));
      const settingsPath = join(root, 'dist', 'main', BAKED_SETTINGS_FILE);
      try {
        const appDir = distDir(realElectronDist, join(temp, 'out'));
        rmSync(settingsPath, { force: true });
        const binary = join(appDir, 'desktop-login');
        // Playwright's _electron.launch attaches through `--inspect`, which the nodeCliInspect fuse turns
        // off (as intended); the page is found through Chromium's DevTools endpoint instead.
        const args = ['--no-sandbox', '--remote-debugging-port=0'];
        // Its own process group, so stopping it also stops xvfb-run's children; its own config dir.
        const options = { detached: true, env: { ...process.env, XDG_CONFIG_HOME: join(temp, 'config') } };
        const child = hasDisplay ? spawn(binary, args, options) : spawn('xvfb-run', ['-a', binary, ...args], options);
        try {
          const endpoint = await new Promise<string>((resolve, reject) => {
            let output = '';
            const timer = setTimeout(() => reject(new Error(`no DevTools endpoint within 30 s:\n${output}`)), 30_000);
            const onData = (chunk: Buffer): void => {
              output += chunk.toString('utf8');
              const match = /DevTools listening on ws:\/\/([^/\s]+)\//.exec(output);
              if (match?.[1]) {
                clearTimeout(timer);
                resolve(`http://${match[1]}`);
              }
            };
            child.stderr.on('data', onData);
            child.stdout.on('data', onData);
            child.on('exit', (code) => reject(new Error(`the packed app exited (${code ?? 'signal'}):\n${output}`)));
          });
          let pages: Array<{ type: string; url: string; title: string }> = [];
          for (let attempt = 0; attempt < 100; attempt += 1) {
            pages = (await (await fetch(`${endpoint}/json/list`)).json()) as typeof pages;
            if (pages.some((page) => page.type === 'page' && page.url.endsWith('/dist/renderer/index.html'))) break;
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
          const window = pages.find((page) => page.type === 'page' && page.url.endsWith('/dist/renderer/index.html'));
          assert.ok(window, `the window did not load its page: ${JSON.stringify(pages)}`);
          assert.match(
            window.url,
            /\/resources\/app\.asar\/dist\/renderer\/index\.html$/,
            'the page comes from app.asar',
          );
        } finally {
          if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
        }
      } finally {
        rmSync(settingsPath, { force: true });
        rmSync(temp, { recursive: true, force: true });
      }
    },
  );
});
