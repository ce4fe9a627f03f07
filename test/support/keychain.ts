import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

// A private session bus with no service activation: when the keyring daemon is stopped, the
// Secret Service is really gone (the stock config would silently start a new, locked one).
const BUS_CONFIG = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>`;

/** A real OS keychain for one test file: gnome-keyring on a private D-Bus, in a throwaway HOME. */
export interface TestKeychain {
  readonly home: string;
  /** Stops the keyring daemon; the bus stays, so keytar sees "no Secret Service". */
  stopDaemon(): Promise<void>;
  /** Starts the daemon again on the same keyring files (entries survive, as after a reboot). */
  startDaemon(): Promise<void>;
  /** Stops everything and deletes the throwaway HOME. */
  close(): Promise<void>;
}

/** Why keychain tests cannot run here, or undefined when they can. */
export async function keychainUnavailableReason(): Promise<string | undefined> {
  for (const tool of ['dbus-daemon', 'gnome-keyring-daemon']) {
    try {
      await run('which', [tool]);
    } catch {
      return `${tool} is not installed (Debian: apt-get install dbus gnome-keyring)`;
    }
  }
  return undefined;
}

/**
 * Starts the keychain and points this process's D-Bus address at it. Call before the first
 * keytar call: libsecret connects once and keeps that bus.
 */
export async function startKeychain(): Promise<TestKeychain> {
  const home = await mkdtemp(join(tmpdir(), 'desktop-login-keychain-'));
  const runtimeDir = join(home, 'run');
  await mkdir(runtimeDir, { mode: 0o700 });
  const configPath = join(home, 'bus.conf');
  await writeFile(configPath, BUS_CONFIG);
  const bus = spawn('dbus-daemon', [`--config-file=${configPath}`, '--nofork', '--print-address=1'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const address = await new Promise<string>((resolve, reject) => {
    let text = '';
    bus.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) resolve(text.trim());
    });
    bus.once('error', reject);
    bus.once('exit', () => reject(new Error('dbus-daemon exited')));
  });
  const env = { ...process.env, HOME: home, XDG_RUNTIME_DIR: runtimeDir, DBUS_SESSION_BUS_ADDRESS: address };
  // A throwaway password, used once to create and unlock the throwaway login keyring.
  const password = randomBytes(12).toString('hex');
  let daemonPid: number | undefined;

  const startDaemon = async (): Promise<void> => {
    const daemon = spawn('gnome-keyring-daemon', ['--unlock', '--components=secrets', '--foreground'], {
      env,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    daemonPid = daemon.pid;
    daemon.stdin.end(password);
    await waitForSecretService(env);
  };
  await startDaemon();
  process.env['DBUS_SESSION_BUS_ADDRESS'] = address;

  const stopDaemon = async (): Promise<void> => {
    if (daemonPid === undefined) return;
    process.kill(daemonPid, 'SIGTERM');
    daemonPid = undefined;
    await new Promise((resolve) => setTimeout(resolve, 200));
  };
  return {
    home,
    stopDaemon,
    startDaemon,
    async close() {
      await stopDaemon();
      bus.kill('SIGTERM');
      await rm(home, { recursive: true, force: true });
    },
  };
}

async function waitForSecretService(env: NodeJS.ProcessEnv): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    try {
      const { stdout } = await run(
        'dbus-send',
        [
          '--session',
          '--print-reply',
          '--dest=org.freedesktop.DBus',
          '/org/freedesktop/DBus',
          'org.freedesktop.DBus.ListNames',
        ],
        { env, timeout: 2000 },
      );
      if (stdout.includes('org.freedesktop.secrets')) return;
    } catch {
      // Bus not answering yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the Secret Service did not appear on the test bus');
}
