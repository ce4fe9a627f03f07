import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { AuthError } from '../../src/main/auth/auth-error.js';
import { mapProviderError } from '../../src/main/auth/provider-errors.js';

function responseBodyError(status: number, error: string): client.ResponseBodyError {
  return new client.ResponseBodyError('server responded with an error in the response body', {
    cause: { error, error_description: 'details' },
    response: new Response(JSON.stringify({ error }), { status, headers: { 'content-type': 'application/json' } }),
  });
}

/** openid-client's ClientError; its runtime constructor takes `code` in the options (the typings omit it). */
function clientError(message: string, code: string, cause: unknown): client.ClientError {
  return new client.ClientError(message, { cause, code } as ErrorOptions);
}

describe('mapProviderError', () => {
  test('a network failure (TypeError: fetch failed) is provider_unreachable', () => {
    const cause = new TypeError('fetch failed');
    const mapped = mapProviderError(cause, 'token');
    assert.equal(mapped.code, 'provider_unreachable');
    assert.equal(mapped.cause, cause);
    assert.equal(mapProviderError(new TypeError('fetch failed'), 'discovery').code, 'provider_unreachable');
  });

  test('a DOMException TimeoutError or AbortError is provider_unreachable', () => {
    assert.equal(
      mapProviderError(new DOMException('The operation timed out.', 'TimeoutError'), 'token').code,
      'provider_unreachable',
    );
    assert.equal(
      mapProviderError(new DOMException('This operation was aborted', 'AbortError'), 'userinfo').code,
      'provider_unreachable',
    );
  });

  test("openid-client's own timeout and abort errors (ClientError OAUTH_TIMEOUT / OAUTH_ABORT) are provider_unreachable", () => {
    // What openid-client 6 actually throws when its `timeout` fires or the request is aborted (errorHandler wraps the DOMException).
    const timeout = clientError('operation timed out', 'OAUTH_TIMEOUT', new DOMException('timed out', 'TimeoutError'));
    const aborted = clientError('operation aborted', 'OAUTH_ABORT', new DOMException('aborted', 'AbortError'));
    assert.equal(timeout.code, 'OAUTH_TIMEOUT');
    for (const stage of ['discovery', 'token', 'refresh', 'userinfo'] as const) {
      assert.equal(mapProviderError(timeout, stage).code, 'provider_unreachable', `timeout at ${stage}`);
      assert.equal(mapProviderError(aborted, stage).code, 'provider_unreachable', `abort at ${stage}`);
    }
  });

  test('an openid-client JWT claim comparison failure at the token stage is id_token_invalid', () => {
    const error = clientError(
      'unexpected JWT claim value encountered',
      'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      new Error('nonce mismatch'),
    );
    assert.equal(error.code, 'OAUTH_JWT_CLAIM_COMPARISON_FAILED');
    const mapped = mapProviderError(error, 'token');
    assert.equal(mapped.code, 'id_token_invalid');
    assert.match(mapped.message, /could not be verified/);
    assert.equal(mapProviderError(error, 'refresh').code, 'id_token_invalid');
    for (const code of [
      'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
      'OAUTH_JWS_SIGNATURE_VERIFICATION_FAILED',
      'OAUTH_KEY_SELECTION_FAILED',
    ]) {
      assert.equal(mapProviderError({ code }, 'token').code, 'id_token_invalid', code);
    }
  });

  test('a malformed provider answer is discovery_invalid at discovery', () => {
    assert.equal(mapProviderError({ code: 'OAUTH_RESPONSE_IS_NOT_JSON' }, 'discovery').code, 'discovery_invalid');
    assert.equal(mapProviderError({ code: 'OAUTH_RESPONSE_IS_NOT_JSON' }, 'token').code, 'provider_unreachable');
  });

  test('an AuthError passes through unchanged', () => {
    const original = new AuthError('login_cancelled', 'cancelled');
    assert.equal(mapProviderError(original, 'token'), original);
  });

  test('anything else is unexpected, keeping the cause', () => {
    const cause = new Error('boom');
    const mapped = mapProviderError(cause, 'userinfo');
    assert.equal(mapped.code, 'unexpected');
    assert.equal(mapped.cause, cause);
  });

  test('ResponseBodyError: invalid_grant on refresh is session_expired', () => {
    assert.equal(mapProviderError(responseBodyError(400, 'invalid_grant'), 'refresh').code, 'session_expired');
  });

  test('ResponseBodyError: a 4xx at the token stage is token_exchange_failed, a 5xx is provider_unreachable', () => {
    const refused = mapProviderError(responseBodyError(400, 'invalid_grant'), 'token');
    assert.equal(refused.code, 'token_exchange_failed');
    assert.match(refused.message, /\(invalid_grant\)/);
    const down = mapProviderError(responseBodyError(503, 'temporarily_unavailable'), 'token');
    assert.equal(down.code, 'provider_unreachable');
    assert.match(down.message, /HTTP 503/);
  });

  test('a 5xx as openid-client really reports it (not conform, Response as cause) is provider_unreachable at every stage', () => {
    // oauth4webapi parses error bodies of 4xx answers only, so a 5xx never becomes a ResponseBodyError.
    for (const stage of ['discovery', 'token', 'refresh', 'userinfo', 'revocation'] as const) {
      const error = clientError(
        'unexpected HTTP response status code',
        'OAUTH_RESPONSE_IS_NOT_CONFORM',
        new Response('upstream timeout', { status: 503 }),
      );
      const mapped = mapProviderError(error, stage);
      assert.equal(mapped.code, 'provider_unreachable', stage);
      assert.match(mapped.message, /had a problem \(HTTP 503\)/);
    }
    const wrongDocument = clientError(
      'unexpected HTTP response status code',
      'OAUTH_RESPONSE_IS_NOT_CONFORM',
      new Response('not found', { status: 404 }),
    );
    assert.equal(mapProviderError(wrongDocument, 'discovery').code, 'discovery_invalid');
  });

  test('AuthorizationResponseError is provider_error', () => {
    const error = new client.AuthorizationResponseError('authorization response error', {
      cause: new URLSearchParams({ error: 'access_denied' }),
    });
    const mapped = mapProviderError(error, 'token');
    assert.equal(mapped.code, 'provider_error');
    assert.match(mapped.message, /access_denied/);
  });
});
