import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadKeytar, type SecretStore } from '../../src/main/auth/session/secret-store.js';
import { TEST_SERVICE_PREFIX, throwawayServices } from './throwaway-services.js';

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

/**
 * A real OS keychain for one test file. On Linux: gnome-keyring on a private D-Bus, in a
 * throwaway HOME. On macOS and Windows: the person's own Keychain or Credential Manager, used
 * only under this run's throwaway service names, which close() deletes.
 */
export interface TestKeychain {
  /** keytar, limited to services from serviceName(); every service it touches is deleted on close. */
  readonly keytar: SecretStore;
  /** A KEYCHAIN_SERVICE value (or raw service name) unique to this run, e.g. `desktop-login-test-<hex>-story`. */
  serviceName(label: string): string;
  /** Deletes this service on close too: for entries another process (doctor CLI, Electron app) wrote. */
  track(service: string): void;
  /** Stops the keyring daemon; the bus stays, so keytar sees "no Secret Service". Linux only. */
  stopDaemon(): Promise<void>;
  /** Starts the daemon again on the same keyring files (entries survive, as after a reboot). Linux only. */
  startDaemon(): Promise<void>;
  /** Deletes every test entry, then on Linux stops everything and deletes the throwaway HOME. */
  close(): Promise<void>;
}

/** True where the tests bring their own Secret Service; macOS and Windows have a keychain built in. */
function usesTestSecretService(platform: NodeJS.Platform = process.platform): boolean {
  return platform !== 'darwin' && platform !== 'win32';
}

/** Why tests cannot stop and restart the keychain here, or undefined when they can. */
export function daemonControlUnavailableReason(platform: NodeJS.Platform = process.platform): string | undefined {
  return usesTestSecretService(platform)
    ? undefined
    : `stopping the keychain is only possible with the Linux test keyring; on ${platform} the tests use the real OS keychain, which stays running`;
}

/** Why keychain tests cannot run here, or undefined when they can. */
export async function keychainUnavailableReason(): Promise<string | undefined> {
  if (!usesTestSecretService()) return osKeychainProblem();
  for (const tool of ['dbus-daemon', 'gnome-keyring-daemon']) {
    try {
      await run('which', [tool]);
    } catch {
      return `${tool} is not installed (Debian: apt-get install dbus gnome-keyring)`;
    }
  }
  return undefined;
}

/** Writes, reads back and deletes one throwaway entry, so a locked or missing keychain is a reason, not a failure. */
async function osKeychainProblem(): Promise<string | undefined> {
  const name = process.platform === 'win32' ? 'Windows Credential Manager' : 'macOS Keychain';
  let store: SecretStore;
  try {
    store = loadKeytar();
  } catch (error) {
    return `keytar could not be loaded (${String((error as Error).cause ?? error)}); run npm install again`;
  }
  const service = `${TEST_SERVICE_PREFIX}probe-${randomBytes(6).toString('hex')}`;
  try {
    await store.setPassword(service, 'probe', 'probe');
    const read = await store.getPassword(service, 'probe');
    return read === 'probe' ? undefined : `the ${name} did not give back a test entry`;
  } catch (error) {
    return `the ${name} refused a test entry (${String(error)})`;
  } finally {
    await store.deletePassword(service, 'probe').catch(() => false);
  }
}

/**
 * The keychain for one test file. On Linux it starts gnome-keyring and points this process's
 * D-Bus address at it: call before the first keytar call, as libsecret connects once and keeps
 * that bus. On macOS and Windows it opens the OS keychain under throwaway service names.
 */
export async function startKeychain(): Promise<TestKeychain> {
  return usesTestSecretService() ? startTestSecretService() : openOsKeychain();
}

/** The person's own keychain, touched only under this run's throwaway service names. */
function openOsKeychain(): TestKeychain {
  const services = throwawayServices(loadKeytar());
  const unsupported = (): Promise<void> => Promise.reject(new Error(daemonControlUnavailableReason()));
  return {
    keytar: services.store,
    serviceName: services.serviceName,
    track: services.track,
    stopDaemon: unsupported,
    startDaemon: unsupported,
    close: () => services.finish(),
  };
}

async function startTestSecretService(): Promise<TestKeychain> {
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
  const services = throwawayServices(loadKeytar());
  let daemonWasStopped = false;

  const stopDaemon = async (): Promise<void> => {
    if (daemonPid === undefined) return;
    daemonWasStopped = true;
    process.kill(daemonPid, 'SIGTERM');
    daemonPid = undefined;
    await new Promise((resolve) => setTimeout(resolve, 200));
  };
  return {
    keytar: services.store,
    serviceName: services.serviceName,
    track: services.track,
    stopDaemon,
    startDaemon,
    async close() {
      try {
        // The keyring dies with HOME anyway; deleting the entries first exercises the clean-up
        // macOS and Windows rely on. Once the daemon was stopped, libsecret in this process
        // keeps the dead daemon's bus name and cannot reach the keyring any more.
        await services.finish({ deleteEntries: !daemonWasStopped });
      } finally {
        await stopDaemon();
        bus.kill('SIGTERM');
        await rm(home, { recursive: true, force: true });
      }
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
