import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { serialiseSecretStore } from '../../src/main/auth/session/serial-secret-store.js';
import { loadKeytar, type SecretStore } from '../../src/main/auth/session/secret-store.js';

/** Lets the event loop turn `count` times: long enough for any call that can start to start. */
async function turns(count: number): Promise<void> {
  for (let turn = 0; turn < count; turn += 1) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * A keytar-shaped store that records which calls run at the same time. Each call stays busy for
 * a few event-loop turns (a fixed pattern, not random, so a failure repeats), or until released
 * when `held` is set, like a keychain call waiting on a worker thread.
 */
function overlapRecorder() {
  let active = 0;
  let turn = 0;
  const started: string[] = [];
  const overlaps: string[] = [];
  const gates: Array<() => void> = [];
  const state = { held: false, maxActive: 0 };

  const call = async <T>(label: string, answer: () => T): Promise<T> => {
    active += 1;
    state.maxActive = Math.max(state.maxActive, active);
    if (active > 1) overlaps.push(`${label} started while ${active - 1} other call(s) ran`);
    started.push(label);
    try {
      if (state.held) await new Promise<void>((resolve) => gates.push(resolve));
      else await turns(1 + (turn++ % 4));
      return answer();
    } finally {
      active -= 1;
    }
  };
  const store: SecretStore = {
    getPassword: (service, account) => call(`get ${account}`, () => `${service}/${account}`),
    setPassword: (_service, account) => call(`set ${account}`, () => undefined),
    deletePassword: (_service, account) =>
      call(`delete ${account}`, () => {
        if (account === 'refused') throw new Error('The keychain refused the request.');
        return true;
      }),
    findCredentials: (service) => call(`list ${service}`, () => [{ account: 'a', password: 'p' }]),
  };
  return {
    store,
    started,
    overlaps,
    state,
    release: () => gates.splice(0).forEach((resolve) => resolve()),
  };
}

/** Every kind of call, many times over, as the token store, pending revocations and probes mix them. */
function mixedCalls(store: SecretStore, count: number): Array<Promise<unknown>> {
  const calls: Array<Promise<unknown>> = [];
  for (let index = 0; index < count; index += 1) {
    const account = `entry-${index}`;
    switch (index % 4) {
      case 0:
        calls.push(store.setPassword('svc', account, 'secret'));
        break;
      case 1:
        calls.push(store.findCredentials('svc'));
        break;
      case 2:
        calls.push(store.deletePassword('svc', account));
        break;
      default:
        calls.push(store.getPassword('svc', account));
    }
  }
  return calls;
}

describe('the serialised keychain', () => {
  test('the recorder notices overlapping calls (without the queue they do overlap)', async () => {
    const recorder = overlapRecorder();
    await Promise.all(mixedCalls(recorder.store, 40));
    assert.ok(recorder.state.maxActive > 1, 'the unwrapped store ran calls side by side');
  });

  test('never runs two calls at once, and runs them in the order they were made', async () => {
    const recorder = overlapRecorder();
    const serial = serialiseSecretStore(recorder.store);
    await Promise.all(mixedCalls(serial, 200));
    assert.deepEqual(recorder.overlaps, []);
    assert.equal(recorder.state.maxActive, 1);
    const inCallOrder = [...Array(200).keys()].map((index) => {
      const account = `entry-${index}`;
      return [`set ${account}`, 'list svc', `delete ${account}`, `get ${account}`][index % 4];
    });
    assert.deepEqual(recorder.started, inCallOrder);
  });

  test('gives each caller its own answer', async () => {
    const serial = serialiseSecretStore(overlapRecorder().store);
    const [first, listed, second] = await Promise.all([
      serial.getPassword('svc', 'one'),
      serial.findCredentials('svc'),
      serial.getPassword('svc', 'two'),
    ]);
    assert.equal(first, 'svc/one');
    assert.deepEqual(listed, [{ account: 'a', password: 'p' }]);
    assert.equal(second, 'svc/two');
  });

  test('a call waiting on the keychain holds back every later call, a listing included', async () => {
    const recorder = overlapRecorder();
    const serial = serialiseSecretStore(recorder.store);
    recorder.state.held = true;
    const deleting = serial.deletePassword('svc', 'chunk');
    const listing = serial.findCredentials('svc');
    await turns(20);
    assert.deepEqual(recorder.started, ['delete chunk'], 'the listing waits for the delete to answer');
    recorder.state.held = false;
    recorder.release();
    await Promise.all([deleting, listing]);
    assert.deepEqual(recorder.started, ['delete chunk', 'list svc']);
    assert.deepEqual(recorder.overlaps, []);
  });

  test('a refused call rejects its caller only; the next call still runs', async () => {
    const recorder = overlapRecorder();
    const serial = serialiseSecretStore(recorder.store);
    const refused = serial.deletePassword('svc', 'refused');
    const next = serial.getPassword('svc', 'after');
    await assert.rejects(refused, /refused/);
    assert.equal(await next, 'svc/after');
  });

  test('every part of the app gets the same keychain, so they share one queue', () => {
    let first: SecretStore;
    try {
      first = loadKeytar();
    } catch (error) {
      // Only a machine without the native module gets here; then nothing can share anything.
      assert.equal((error as { code?: string }).code, 'keychain_unavailable');
      return;
    }
    assert.equal(loadKeytar(), first);
  });
});
