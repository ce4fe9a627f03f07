import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ceilingGoal, pairOrders, pairedFigure, ratioGoal, seededRandom } from '../../bench/paired-stats.js';
import { stats } from '../../bench/stats.js';

test('the same seed gives the same order of ours and the peer, and both go first', () => {
  const orders = pairOrders(200, 42);
  assert.deepEqual(pairOrders(200, 42), orders);
  assert.notDeepEqual(pairOrders(200, 43), orders);
  const oursFirst = orders.filter((order) => order[0] === 'ours').length;
  assert.ok(oursFirst > 70 && oursFirst < 130, `ours first ${oursFirst} of 200`);
  for (const order of orders) assert.deepEqual([...order].sort(), ['ours', 'peer']);
});

test('the seeded generator stays in [0, 1)', () => {
  const random = seededRandom(7);
  for (let index = 0; index < 10_000; index += 1) {
    const value = random();
    assert.ok(value >= 0 && value < 1);
  }
});

test('nearest-rank median and p95', () => {
  const figure = stats(Array.from({ length: 20 }, (_, index) => index + 1));
  assert.equal(figure.median, 10);
  assert.equal(figure.p95, 19);
  assert.equal(figure.min, 1);
  assert.equal(figure.max, 20);
  assert.ok(Number.isNaN(stats([]).median));
});

test('the paired difference is the median of per-pair differences, not the difference of medians', () => {
  const figure = pairedFigure([10, 20, 30], [12, 5, 31]);
  assert.equal(figure.ratio, 20 / 12);
  // Differences -2, 15, -1: their median is -1, while the medians differ by 8.
  assert.equal(figure.difference.median, -1);
  assert.throws(() => pairedFigure([1], [1, 2]), RangeError);
});

test('goals pass at the limit and fail beyond it', () => {
  assert.equal(ratioGoal('x', pairedFigure([10], [10]), 1.0).pass, true);
  assert.equal(ratioGoal('x', pairedFigure([11], [10]), 1.0).pass, false);
  assert.equal(ratioGoal('x', pairedFigure([6], [10]), 0.6).pass, true);
  assert.equal(ceilingGoal('restore', 100, 100, 'ms').pass, true);
  assert.equal(ceilingGoal('restore', 100.1, 100, 'ms').pass, false);
});
