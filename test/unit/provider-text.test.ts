import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import * as client from 'openid-client';
import { describeProviderFailure } from '../../src/main/auth/oidc/provider-errors.js';
import {
  allowedErrorCode,
  logSafeText,
  shownErrorCode,
  UNRECOGNISED_ERROR,
} from '../../src/main/auth/oidc/provider-text.js';
import {
  CODE,
  REFRESH_TOKEN,
  VERIFIER,
  assertNoSecret,
  codeExchangeFailure,
  json,
  refreshFailure,
} from '../support/token-endpoint-answers.js';

describe('the allow rule for provider error codes (RFC 6749 §5.2, DESIGN checklist 13)', () => {
  test('registered OAuth and OpenID error codes pass', () => {
    for (const code of [
      'invalid_grant',
      'invalid_client',
      'unauthorized_client',
      'access_denied',
      'login_required',
      'consent_required',
      'interaction_required',
      'server_error',
      'temporarily_unavailable',
      'invalid_token',
      'use_dpop_nonce',
      'mfa_required',
    ]) {
      assert.equal(allowedErrorCode(code), code);
      assert.equal(shownErrorCode(code), code);
    }
  });

  test('a token, code, verifier, state or JWT does not pass, though each fits /^[a-z0-9_.-]{1,64}$/i', () => {
    const jwt = `${'eyJhbGciOiJSUzI1NiJ9'}.${'eyJzdWIiOiJhdXRoMHwxMjMifQ'}.${'c2lnbmF0dXJlLXNpZ25hdHVyZQ'}`;
    for (const secret of [REFRESH_TOKEN, CODE, VERIFIER, client.randomNonce(), client.randomState(), jwt]) {
      if (secret.length <= 64) assert.match(secret, /^[a-z0-9_.-]{1,64}$/i, 'the looser pattern would let it through');
      assert.equal(allowedErrorCode(secret), undefined, secret);
      assert.equal(shownErrorCode(secret), UNRECOGNISED_ERROR);
    }
  });

  test('characters outside RFC 6749 §5.2, free text, overlong and non-string values do not pass', () => {
    for (const value of [
      'invalid"grant',
      'invalid\\grant',
      'invalid_grant\n',
      'ungültig',
      'invalid grant',
      `invalid_grant ${REFRESH_TOKEN}`,
      'Invalid_Grant',
      'invalid_grant2',
      '',
      'a'.repeat(65),
      42,
      undefined,
      null,
      { error: 'invalid_grant' },
    ]) {
      assert.equal(allowedErrorCode(value), undefined, JSON.stringify(value));
    }
    assert.equal(allowedErrorCode('a'.repeat(64)), 'a'.repeat(64));
  });

  test('log text is one line, trimmed, with token-shaped runs removed', () => {
    const text = logSafeText(`Refresh token ${REFRESH_TOKEN} is not valid\nforged: line\r\u2028code=${CODE}&x=1`);
    assertNoSecret(text, { 'refresh token': REFRESH_TOKEN, code: CODE }, 'log text');
    assert.doesNotMatch(text, /[\n\r\u2028]/);
    assert.match(text, /^Refresh token \[removed\] is not valid forged: line \[removed\]$/);
    assert.equal(logSafeText('x'.repeat(10) + ' '.repeat(3) + 'y '.repeat(200), 50).length, 51);
    assert.equal(logSafeText(undefined), '');
  });
});

describe('the log line about a provider failure (main process only, DESIGN checklist 9)', () => {
  test('the log line names classes, codes, the status and scrubbed provider text, never a secret', async () => {
    const error = await refreshFailure(() =>
      json(400, { error: 'invalid_client', error_description: `Client authentication failed for ${REFRESH_TOKEN}` }),
    );
    const line = describeProviderFailure(error);
    assert.match(
      line,
      /^ResponseBodyError OAUTH_RESPONSE_BODY_ERROR HTTP 400 error=invalid_client description="Client authentication failed for \[removed\]"$/,
    );
  });

  test('an echoing token endpoint puts no secret into the log line', async () => {
    const refresh = await refreshFailure((form) =>
      json(400, { error: form.get('refresh_token'), error_description: `refused ${form.toString()}` }),
    );
    assertNoSecret(describeProviderFailure(refresh), { 'refresh token': REFRESH_TOKEN }, 'log line');
    const malformed = await refreshFailure((form) =>
      json(200, { token_type: 'Bearer', refresh_token: form.get('refresh_token') }),
    );
    assertNoSecret(describeProviderFailure(malformed), { 'refresh token': REFRESH_TOKEN }, 'log line');
    const exchange = await codeExchangeFailure({ code: CODE }, (form) =>
      json(400, { error: form.get('code_verifier'), error_description: form.toString() }),
    );
    assertNoSecret(describeProviderFailure(exchange), { code: CODE, verifier: VERIFIER }, 'log line');
  });

  test('classes and codes along the cause chain, never a message (it can quote what was sent)', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const refused: unknown = await fetch(`http://127.0.0.1:${port}/`).catch((error: unknown) => error);
    assert.equal(describeProviderFailure(refused), 'TypeError <- Error ECONNREFUSED');
    let argument: unknown;
    try {
      await client.refreshTokenGrant({} as client.Configuration, REFRESH_TOKEN);
    } catch (error) {
      argument = error;
    }
    assert.equal(describeProviderFailure(argument), 'TypeError ERR_INVALID_ARG_TYPE');
    assert.equal(
      describeProviderFailure(new SyntaxError(`Unexpected token, "${REFRESH_TOKEN}" is not valid JSON`)),
      'SyntaxError',
    );
  });
});
