import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createOperationQueue } from '../../src/main/auth/session/operation-queue.js';

const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('operations run one at a time, in the order they were queued, whatever their speed', async () => {
  const queue = createOperationQueue();
  const log: string[] = [];
  let running = 0;
  let most = 0;
  const op = (name: string, ms: number) => async (): Promise<string> => {
    running += 1;
    most = Math.max(most, running);
    log.push(`start ${name}`);
    await tick(ms);
    log.push(`end ${name}`);
    running -= 1;
    return name;
  };
  const results = await Promise.all([queue.run(op('a', 30)), queue.run(op('b', 1)), queue.run(op('c', 10))]);
  assert.deepEqual(results, ['a', 'b', 'c']);
  assert.equal(most, 1);
  assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
});

test('a failed operation fails only its caller; the next one still runs', async () => {
  const queue = createOperationQueue();
  const failed = queue.run(() => Promise.reject(new Error('keychain locked')));
  const next = queue.run(() => Promise.resolve('saved'));
  await assert.rejects(failed, /keychain locked/);
  assert.equal(await next, 'saved');
});

test('idle() waits for everything queued so far, including failures', async () => {
  const queue = createOperationQueue();
  let done = 0;
  void queue.run(async () => {
    await tick(20);
    done += 1;
  });
  queue.run(() => Promise.reject(new Error('x'))).catch(() => undefined);
  void queue.run(async () => {
    await tick(5);
    done += 1;
  });
  await queue.idle();
  assert.equal(done, 2);
});
