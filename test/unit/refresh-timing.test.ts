import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  accessTokenUsable,
  MIN_REFRESH_DELAY_MS,
  refreshDelayMs,
  refreshDueAt,
} from '../../src/main/auth/session/refresh-timing.js';
import { tokenSetFromResponse, type TokenSet } from '../../src/main/auth/session/token-set.js';
import { createKeychainTokenStore } from '../../src/main/auth/session/token-store.js';
import { createMemorySecretStore } from '../support/memory-secret-store.js';

const RECEIVED = 1_700_000_000_000;
/** The default TOKEN_REFRESH_SKEW_SECONDS. */
const MARGIN = 60_000;

/** Tokens received at RECEIVED from an answer with `expires_in`, and a refresh token unless told otherwise. */
function received(expiresIn: number | undefined, withRefreshToken = true): TokenSet {
  return tokenSetFromResponse(
    {
      access_token: 'at',
      token_type: 'bearer',
      ...(expiresIn !== undefined ? { expires_in: expiresIn } : {}),
      ...(withRefreshToken ? { refresh_token: 'rt' } : {}),
    },
    RECEIVED,
  );
}

describe('when an access token is renewed', () => {
  test('the lifetime the token endpoint stated is kept with the tokens', () => {
    assert.equal(received(30).lifetimeMs, 30_000);
    assert.equal(received(30).expiresAt, RECEIVED + 30_000);
    // RFC 6749 §5.1 makes expires_in optional: an hour is assumed, and recorded as the lifetime.
    assert.equal(received(undefined).lifetimeMs, 3_600_000);
    assert.equal(received(0).lifetimeMs, 3_600_000);
    assert.equal(received(-5).lifetimeMs, 3_600_000);
  });

  test('a renewal that answers with a shorter lifetime replaces the old one', () => {
    const renewed = tokenSetFromResponse(
      { access_token: 'at2', token_type: 'bearer', expires_in: 10 },
      RECEIVED,
      received(600),
    );
    assert.equal(renewed.lifetimeMs, 10_000);
    assert.equal(renewed.refreshToken, 'rt', 'the refresh token is kept');
    assert.equal(refreshDueAt(renewed, MARGIN), RECEIVED + 5_000);
  });

  test('long-lived tokens are renewed the configured margin before they expire', () => {
    assert.equal(refreshDueAt(received(86_400), MARGIN), RECEIVED + 86_400_000 - MARGIN);
    assert.equal(refreshDueAt(received(120), MARGIN), RECEIVED + 60_000, 'exactly half: both rules agree');
  });

  test('tokens shorter than twice the margin are renewed half-way through their lifetime', () => {
    for (const seconds of [100, 30, 10, 2, 1]) {
      assert.equal(refreshDueAt(received(seconds), MARGIN), RECEIVED + (seconds * 1000) / 2, `${seconds} s token`);
    }
  });

  test('a margin of zero renews at expiry, whatever the lifetime', () => {
    assert.equal(refreshDueAt(received(10), 0), RECEIVED + 10_000);
  });

  test('tokens saved without a lifetime fall back to the configured margin', () => {
    const { lifetimeMs: _lifetime, ...older } = received(30);
    assert.equal(refreshDueAt(older, MARGIN), RECEIVED + 30_000 - MARGIN);
    assert.equal(accessTokenUsable(older, MARGIN, RECEIVED), false, 'renewed at once, once');
    assert.equal(refreshDueAt({ ...older, lifetimeMs: Number.NaN }, MARGIN), RECEIVED + 30_000 - MARGIN);
  });

  test('with a refresh token the token is handed out until it is due, then renewed', () => {
    const tokens = received(30);
    assert.equal(accessTokenUsable(tokens, MARGIN, RECEIVED), true, 'a brand-new token is not stale');
    assert.equal(accessTokenUsable(tokens, MARGIN, RECEIVED + 14_999), true);
    assert.equal(accessTokenUsable(tokens, MARGIN, RECEIVED + 15_000), false);
  });

  test('without a refresh token the token is handed out until it really expires', () => {
    const tokens = received(30, false);
    assert.equal(tokens.refreshToken, undefined);
    assert.equal(accessTokenUsable(tokens, MARGIN, RECEIVED + 29_999), true);
    assert.equal(accessTokenUsable(tokens, MARGIN, RECEIVED + 30_000), false);
  });

  test('the background timer waits until the token is due, at least a second, at most a day', () => {
    assert.equal(refreshDelayMs(received(10), MARGIN, RECEIVED), 5_000);
    assert.equal(refreshDelayMs(received(10), MARGIN, RECEIVED + 3_000), 2_000);
    // 1 s tokens, or a renewal that settled after the token was already due: never a tight loop.
    assert.equal(refreshDelayMs(received(1), MARGIN, RECEIVED), MIN_REFRESH_DELAY_MS);
    assert.equal(refreshDelayMs(received(10), MARGIN, RECEIVED + 60_000), MIN_REFRESH_DELAY_MS);
    const { lifetimeMs: _lifetime, ...older } = received(30);
    assert.equal(refreshDelayMs(older, MARGIN, RECEIVED), MIN_REFRESH_DELAY_MS);
    assert.equal(refreshDelayMs(received(90 * 86_400), MARGIN, RECEIVED), 86_400_000, 'timers overflow past 24.8 days');
  });

  test('every lifetime and margin gives a due time in the second half of the token’s life', () => {
    for (const seconds of [1, 2, 3, 10, 29, 30, 31, 59, 60, 61, 119, 120, 121, 3600, 86_400]) {
      for (const margin of [0, 1_000, 30_000, 60_000, 3_600_000]) {
        const tokens = received(seconds);
        const due = refreshDueAt(tokens, margin);
        // Half the lifetime at the earliest, so renewals are never closer together than that.
        assert.ok(
          due - RECEIVED >= (seconds * 1000) / 2,
          `${seconds} s token, ${margin} ms margin: not before half-way`,
        );
        assert.ok(due <= tokens.expiresAt, `${seconds} s token, ${margin} ms margin: due by expiry`);
      }
    }
  });
});

describe('the lifetime in the keychain', () => {
  const session = (tokens: TokenSet) => ({ tokens, profile: { sub: 'auth0|person' } });

  test('survives a save and a load', async () => {
    const store = createKeychainTokenStore(createMemorySecretStore(), 'timing');
    await store.save(session(received(30)));
    const loaded = await store.load();
    assert.equal(loaded.kind === 'found' && loaded.session.tokens.lifetimeMs, 30_000);
  });

  test('an entry saved before lifetimes were recorded still loads', async () => {
    const store = createKeychainTokenStore(createMemorySecretStore(), 'timing');
    const { lifetimeMs: _lifetime, ...older } = received(30);
    await store.save(session(older));
    const loaded = await store.load();
    assert.equal(loaded.kind, 'found');
    assert.equal(loaded.kind === 'found' && loaded.session.tokens.lifetimeMs, undefined);
  });

  test('an entry with a lifetime that is not a positive number is not trusted', async () => {
    for (const lifetimeMs of [0, -1_000, Number.NaN]) {
      const store = createKeychainTokenStore(createMemorySecretStore(), 'timing');
      await store.save(session({ ...received(30), lifetimeMs }));
      assert.equal((await store.load()).kind, 'discarded', `lifetimeMs ${lifetimeMs}`);
    }
    const store = createKeychainTokenStore(createMemorySecretStore(), 'timing');
    await store.save(session({ ...received(30), lifetimeMs: '30000' as unknown as number }));
    assert.equal((await store.load()).kind, 'discarded', 'a string lifetime');
  });
});
