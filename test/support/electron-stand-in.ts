import { createHash } from 'node:crypto';
import { chmod, cp, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import { PROJECT_DIR } from '../../scripts/electron-binary.js';

/**
 * A stand-in for the Electron executable: a small Node program that records how it was
 * started (arguments, working folder, the settings `npm start` passes) into the JSON file
 * named by STAND_IN_RECORD, checks that the demo provider it was pointed at answers, and
 * exits. What it proves is `npm start`'s own wiring, never that the app runs in Electron.
 */
export const STAND_IN_SOURCE = `#!/usr/bin/env node
const { writeFileSync } = require('node:fs');
const env = process.env;
const pick = ['AUTH0_DOMAIN', 'AUTH0_AUDIENCE', 'DESKTOP_LOGIN_DEMO_ISSUER'];
(async () => {
  let discoveredIssuer = null;
  if (env.DESKTOP_LOGIN_DEMO_ISSUER) {
    const response = await fetch(new URL('.well-known/openid-configuration', env.DESKTOP_LOGIN_DEMO_ISSUER));
    discoveredIssuer = (await response.json()).issuer;
  }
  const record = { argv: process.argv.slice(2), cwd: process.cwd(), env: Object.fromEntries(pick.map((k) => [k, env[k] ?? null])), discoveredIssuer };
  writeFileSync(env.STAND_IN_RECORD, JSON.stringify(record));
  process.exit(Number(env.STAND_IN_EXIT ?? 0));
})();
`;

/** What the stand-in wrote about its start. */
export interface StandInRecord {
  readonly argv: string[];
  readonly cwd: string;
  readonly env: Record<string, string | null>;
  readonly discoveredIssuer: string | null;
}

/** The executable's path inside an Electron dist folder, as the `electron` package names it per OS. */
export function platformExecutable(): string {
  if (process.platform === 'darwin') return 'Electron.app/Contents/MacOS/Electron';
  return process.platform === 'win32' ? 'electron.exe' : 'electron';
}

/** Writes the stand-in executable into `distDir` where the `electron` package expects it. */
export async function writeStandInDist(distDir: string): Promise<string> {
  const executable = join(distDir, platformExecutable());
  await mkdir(dirname(executable), { recursive: true });
  await writeFile(executable, STAND_IN_SOURCE);
  await chmod(executable, 0o755);
  return executable;
}

/** Reads what the stand-in recorded, or undefined when it never ran. */
export async function readStandInRecord(path: string): Promise<StandInRecord | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as StandInRecord;
  } catch {
    return undefined;
  }
}

/**
 * A project folder whose `electron` package is a private copy with no binary, as after a
 * fresh `npm install` of Electron 45: every other dependency links to this project's. The
 * copy's installer writes only inside `dir`, never into the real node_modules/electron.
 */
export async function makeProjectWithoutElectron(dir: string): Promise<{ electronDir: string; version: string }> {
  await cp(join(PROJECT_DIR, 'package.json'), join(dir, 'package.json'));
  const modules = join(dir, 'node_modules');
  await mkdir(modules);
  for (const entry of await readdir(join(PROJECT_DIR, 'node_modules'))) {
    if (entry === 'electron' || entry === '.bin') continue;
    await symlink(join(PROJECT_DIR, 'node_modules', entry), join(modules, entry), 'junction');
  }
  const source = join(PROJECT_DIR, 'node_modules', 'electron');
  const electronDir = join(modules, 'electron');
  await mkdir(electronDir);
  for (const file of ['package.json', 'index.js', 'install.js', 'cli.js', 'checksums.json', 'abi_version']) {
    await cp(join(source, file), join(electronDir, file));
  }
  const { version } = JSON.parse(await readFile(join(source, 'package.json'), 'utf8')) as { version: string };
  return { electronDir, version };
}

/** The artifact name Electron's installer asks a mirror for on this machine. */
export function electronZipName(version: string): string {
  return `electron-v${version}-${process.platform}-${process.arch}.zip`;
}

/**
 * Records `sha256` as the checksum of `zipName` in the private package copy, the way the
 * published package pins each release zip, so its installer accepts the stand-in zip.
 */
export async function pinChecksum(electronDir: string, zipName: string, zip: Buffer): Promise<void> {
  const path = join(electronDir, 'checksums.json');
  const sums = JSON.parse(await readFile(path, 'utf8')) as Record<string, string>;
  sums[zipName] = createHash('sha256').update(zip).digest('hex');
  await writeFile(path, JSON.stringify(sums));
}

/** A zip (stored, not compressed) of the given files with Unix modes, as Electron's release zips carry. */
export function makeZip(files: ReadonlyArray<{ name: string; data: Buffer; mode: number }>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const file of files) {
    const name = Buffer.from(file.name);
    const crc = crc32(file.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(file.data.length, 18);
    local.writeUInt32LE(file.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, so the mode below counts
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(file.data.length, 20);
    central.writeUInt32LE(file.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((0o100000 | file.mode) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, file.data);
    centrals.push(central, name);
    offset += local.length + name.length + file.data.length;
  }
  const centralSize = centrals.reduce((sum, part) => sum + part.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}
