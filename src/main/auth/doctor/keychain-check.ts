import { randomBytes } from 'node:crypto';
import type { SecretStore } from '../session/secret-store.js';
import { result, type CheckResult } from './check-result.js';

const MEANING =
  'Sign-in still works, but the session will not be remembered: the app asks you to sign in again every time it starts (it never falls back to storing tokens in a file).';

/** How to get a working keychain on each OS keytar supports. */
export function keychainFix(platform: NodeJS.Platform): string {
  switch (platform) {
    case 'linux':
      return [
        'Linux needs a running Secret Service on the session D-Bus:',
        'install one (Debian/Ubuntu: `sudo apt install gnome-keyring libsecret-1-0`; KDE: KWallet with its Secret Service enabled),',
        'run the app in a desktop session (over SSH or in a container: `dbus-run-session -- bash`, then `gnome-keyring-daemon --unlock --components=secrets`),',
        'and unlock the login keyring (Seahorse, "Passwords and Keys").',
      ].join(' ');
    case 'darwin':
      return 'Open Keychain Access and unlock the "login" keychain (File > Unlock Keychain "login"); if macOS asked whether the app may use the keychain and you chose Deny, choose Always Allow next time.';
    case 'win32':
      return 'Windows Credential Manager refused: make sure the Credential Manager service (VaultSvc) is running (services.msc) and you are signed in with your normal user profile, not a temporary one.';
    default:
      return `The keychain module supports macOS, Windows and Linux (Secret Service); this OS (${platform}) cannot keep the session.`;
  }
}

/**
 * Writes, reads back and deletes a probe entry under `service` (next to the app's, never the
 * app's own), with a random account name and a random value: never a real token. So the probe
 * and a running app (this process or another) never delete each other's entries, and the token
 * store's last-resort listing of its service (keytar crashes when a delete lands meanwhile)
 * never meets a probe.
 */
export async function checkKeychain(options: {
  readonly secretStore: () => SecretStore;
  readonly service: string;
  readonly platform: NodeJS.Platform;
  readonly timeoutMs: number;
}): Promise<CheckResult> {
  const { service, platform } = options;
  const fix = keychainFix(platform);
  let store: SecretStore;
  try {
    store = options.secretStore();
  } catch (error) {
    return result(
      'keychain',
      'warn',
      `The keychain module (keytar) could not be loaded: ${firstLine(error)}. ${MEANING}`,
      `Run \`npm rebuild keytar\` (for Electron: \`npx electron-builder install-app-deps\`)${platform === 'linux' ? '; on Linux keytar needs libsecret: `sudo apt install libsecret-1-0`' : ''}.`,
    );
  }

  const account = `doctor-probe-${randomBytes(8).toString('hex')}`;
  const value = randomBytes(24).toString('base64url');
  let step = 'write';
  try {
    await withTimeout(store.setPassword(service, account, value), options.timeoutMs);
    step = 'read back';
    const read = await withTimeout(store.getPassword(service, account), options.timeoutMs);
    if (read !== value) {
      await store.deletePassword(service, account).catch(() => false);
      return result(
        'keychain',
        'warn',
        `The keychain stored a probe entry but gave back ${read === null ? 'nothing' : 'something else'}. ${MEANING}`,
        fix,
      );
    }
    step = 'delete';
    const deleted = await withTimeout(store.deletePassword(service, account), options.timeoutMs);
    if (!deleted) {
      return result(
        'keychain',
        'warn',
        `The keychain wrote and read a probe entry but could not delete it; the app could not sign out cleanly.`,
        `Delete the entry "${account}" of "${service}" by hand, then check the keychain's permissions. ${fix}`,
      );
    }
  } catch (error) {
    const timedOut = error instanceof KeychainTimeout;
    // The app's keychain answers calls in the order they were made (loadKeytar), so this delete
    // lands after a write that is only late, and no probe entry outlives a slow keychain.
    if (timedOut) void store.deletePassword(service, account).catch(() => false);
    return result(
      'keychain',
      'warn',
      `The OS keychain ${timedOut ? `did not answer within ${Math.round(options.timeoutMs / 1000)} s (a locked keychain waiting for a password?)` : 'refused'} when asked to ${step} a probe entry${timedOut ? '' : `: ${firstLine(error)}`}. ${MEANING}`,
      timedOut ? `${fix} Then delete the probe entry "${account}" of "${service}" if it is still there.` : fix,
    );
  }
  return result('keychain', 'pass', `Wrote, read back and deleted a probe entry under "${service}".`);
}

class KeychainTimeout extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new KeychainTimeout('keychain timeout')), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = message.split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
