import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { keychainUnavailableReason, startKeychain, type TestKeychain } from '../support/keychain.js';

// keytar's findCredentials crashes the process when an entry of the service it lists is deleted
// meanwhile, by the same process or another one. The app must survive its own keychain traffic
// and a second process probing the same service ("npm run doctor" while the app runs). A crash
// kills the process, so the app side runs as a child and the test judges how it ended.

const skip = await keychainUnavailableReason();
if (skip) process.stdout.write(`# skipping the keychain stress test: ${skip}\n`);

const RUNNER = fileURLToPath(new URL('../support/keychain-stress-run.ts', import.meta.url));
const ROUNDS = 25;

let keychain: TestKeychain;

interface Ended {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts the runner in `role`; `ended` settles with how the process ended, crash included. */
function startRunner(args: readonly string[]): { ended: Promise<Ended>; closeStdin: () => void } {
  // The runner inherits this process's environment, so on Linux it talks to the test keyring's bus.
  const child = spawn(process.execPath, ['--import', 'tsx', RUNNER, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ended = new Promise<Ended>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { ended, closeStdin: () => child.stdin.end() };
}

/** How a process ended, for an assertion message. */
function described(name: string, ended: Ended): string {
  const how = ended.signal ? `was killed by ${ended.signal} (a crash)` : `exited with ${ended.code}`;
  return `the ${name} process ${how}\n${ended.stderr.trim()}`;
}

describe('the keychain under load from every user at once (the real OS keychain)', () => {
  before(async () => {
    if (skip) return;
    keychain = await startKeychain();
  });
  after(async () => keychain?.close());

  test(
    'saves, loads, clears, pending revocations and setup probes, with a second process probing: no crash, the last write wins',
    { skip, timeout: 60_000 },
    async (t) => {
      const service = keychain.serviceName('stress');
      // The runners write under these from other processes; close() deletes them on macOS and Windows.
      keychain.track(service);
      keychain.track(`${service} pending revocations`);

      const prober = startRunner(['probe', service]);
      const app = startRunner(['app', service, String(ROUNDS)]);
      const appEnded = await app.ended;
      prober.closeStdin();
      const proberEnded = await prober.ended;

      assert.equal(appEnded.signal, null, described('app', appEnded));
      assert.equal(appEnded.code, 0, described('app', appEnded));
      assert.equal(proberEnded.signal, null, described('probing', proberEnded));
      assert.equal(proberEnded.code, 0, described('probing', proberEnded));
      t.diagnostic(`app: ${appEnded.stdout.trim()}; second process: ${proberEnded.stdout.trim()}`);

      // Both processes are gone, so listing here overlaps no delete.
      assert.deepEqual(await keychain.keytar.findCredentials(service), [], 'nothing left after the final clear');
      assert.deepEqual(await keychain.keytar.findCredentials(`${service} pending revocations`), []);
    },
  );
});
