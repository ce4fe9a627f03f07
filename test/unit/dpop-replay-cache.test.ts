import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createReplayCache } from '../../tools/idp/dpop-replay-cache.js';

// The demo API's memory of DPoP proof jtis (RFC 9449 §11.1): a replay is caught while the proof
// could still pass the iat window, and the cache never holds more than its limit.

test('a jti is refused again until its expiry, then forgotten', () => {
  const cache = createReplayCache(10);
  assert.equal(cache.firstUse('a', 160, 100), true);
  assert.equal(cache.firstUse('a', 165, 105), false, 'a replay inside the window');
  assert.equal(cache.firstUse('a', 160, 160), false, 'still remembered at its expiry second');
  assert.equal(cache.firstUse('b', 170, 110), true, 'another jti is fine');
  assert.equal(cache.firstUse('a', 221, 161), true, 'after expiry the iat check guards it instead');
});

test('a full cache drops its oldest entries first and never grows past its limit', () => {
  const cache = createReplayCache(3);
  for (const jti of ['1', '2', '3', '4']) assert.equal(cache.firstUse(jti, 1_000, 100), true);
  assert.equal(cache.firstUse('4', 1_000, 100), false, 'the newest is remembered');
  assert.equal(cache.firstUse('3', 1_000, 100), false);
  assert.equal(cache.firstUse('1', 1_000, 100), true, 'the oldest was dropped to make room');
  // '1' went back in, so '2' (now the oldest) made room for it.
  assert.equal(cache.firstUse('2', 1_000, 100), true);
});
