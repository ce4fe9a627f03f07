import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as client from 'openid-client';
import { AuthError } from '../../src/main/auth/auth-error.js';
import { mapProviderError } from '../../src/main/auth/oidc/provider-errors.js';
import {
  CODE,
  REFRESH_TOKEN,
  VERIFIER,
  assertNoSecret,
  codeExchangeFailure,
  json,
  refreshFailure,
} from '../support/token-endpoint-answers.js';

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
  test('a network failure (TypeError: fetch failed, with a system error code as its cause) is provider_unreachable', () => {
    // What undici throws: the TypeError's cause carries ECONNREFUSED, ENOTFOUND, UND_ERR_* …
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' }),
    });
    const mapped = mapProviderError(refused, 'token');
    assert.equal(mapped.code, 'provider_unreachable');
    assert.equal(mapped.cause, refused);
    const notFound = new TypeError('fetch failed', {
      cause: Object.assign(new Error('getaddrinfo ENOTFOUND tenant.example'), { code: 'ENOTFOUND' }),
    });
    assert.equal(mapProviderError(notFound, 'discovery').code, 'provider_unreachable');
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

describe('provider text never reaches a message (DESIGN checklist 13)', () => {
  test('a token endpoint that echoes the refresh token into error and error_description', async () => {
    const echoes: Array<(form: URLSearchParams) => Response> = [
      (form) => json(400, { error: form.get('refresh_token'), error_description: form.toString() }),
      (form) => json(400, { error: `invalid_grant ${form.get('refresh_token') ?? ''}` }),
      (form) =>
        json(400, {
          error: 'invalid_request',
          error_description: `bad refresh_token=${form.get('refresh_token') ?? ''}`,
        }),
      (form) => json(403, { error: 'unauthorized_client', error_description: form.toString() }),
      (form) =>
        new Response(null, {
          status: 401,
          headers: {
            'www-authenticate': `Bearer error="${form.get('refresh_token') ?? ''}", error_description="${form.toString()}"`,
          },
        }),
      (form) => new Response(`<p>${form.toString()}</p>`, { status: 400, headers: { 'content-type': 'text/html' } }),
      (form) => json(200, { token_type: 'Bearer', refresh_token: form.get('refresh_token') }),
    ];
    for (const [index, echo] of echoes.entries()) {
      const error = await refreshFailure(echo);
      const mapped = mapProviderError(error, 'refresh');
      assertNoSecret(JSON.stringify(mapped.toInfo()), { 'refresh token': REFRESH_TOKEN }, `echo ${index}: message`);
      assert.notEqual(mapped.code, 'session_expired', `echo ${index}: an echo is not invalid_grant`);
      assert.notEqual(mapped.code, 'unexpected', `echo ${index}: the endpoint answered`);
    }
    const echoedCode = mapProviderError(await refreshFailure(echoes[0] ?? assert.fail()), 'refresh');
    assert.match(echoedCode.message, /\(unrecognised error\)/);
  });

  test('a token endpoint that echoes the code and PKCE verifier of a sign-in', async () => {
    const secrets = { code: CODE, verifier: VERIFIER };
    for (const echo of [
      (form: URLSearchParams) => json(400, { error: form.get('code_verifier'), error_description: form.toString() }),
      (form: URLSearchParams) => json(400, { error: form.get('code'), error_description: 'invalid code' }),
      (form: URLSearchParams) => json(400, { error: 'invalid_grant', error_description: form.toString() }),
    ]) {
      const error = await codeExchangeFailure({ code: CODE }, echo);
      const mapped = mapProviderError(error, 'token');
      assert.equal(mapped.code, 'token_exchange_failed');
      assertNoSecret(mapped.message, secrets, 'message');
    }
  });

  test('a callback error (AuthorizationResponseError) shows only an allowed code', async () => {
    const echoed = mapProviderError(await codeExchangeFailure({ error: VERIFIER, error_description: CODE }), 'token');
    assert.equal(echoed.code, 'provider_error');
    assertNoSecret(echoed.message, { code: CODE, verifier: VERIFIER }, 'message');
    assert.match(echoed.message, /unrecognised error/);
    const plain = mapProviderError(
      await codeExchangeFailure({ error: 'access_denied', error_description: 'The user said no' }),
      'token',
    );
    assert.match(plain.message, /\(access_denied\)/);
    assert.doesNotMatch(plain.message, /user said no/);
  });
});

describe('what a failure is (classes and codes, not "every TypeError is an outage")', () => {
  test("fetch's own network failure, as Node really throws it, is provider_unreachable", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const error = await fetch(`http://127.0.0.1:${port}/oauth/token`).then(
      () => assert.fail('the closed port answered'),
      (failure: unknown) => failure,
    );
    assert.ok(error instanceof TypeError);
    assert.equal(mapProviderError(error, 'refresh').code, 'provider_unreachable');
    const socketClosed = new TypeError('fetch failed', {
      cause: Object.assign(new Error('other side closed'), { name: 'SocketError', code: 'UND_ERR_SOCKET' }),
    });
    assert.equal(mapProviderError(socketClosed, 'token').code, 'provider_unreachable');
  });

  test("the app's own TypeError and openid-client's argument errors are unexpected, not an outage", async () => {
    const own = new TypeError("Cannot read properties of undefined (reading 'tokens')");
    let argument: unknown;
    try {
      await client.refreshTokenGrant({} as client.Configuration, REFRESH_TOKEN);
    } catch (error) {
      argument = error;
    }
    assert.ok(argument instanceof TypeError);
    assert.equal((argument as { code?: unknown }).code, 'ERR_INVALID_ARG_TYPE');
    for (const error of [own, argument, new RangeError('Invalid time value'), new TypeError('fetch failed')]) {
      for (const stage of ['discovery', 'token', 'refresh', 'revocation'] as const) {
        const mapped = mapProviderError(error, stage);
        assert.equal(mapped.code, 'unexpected', `${String(error)} at ${stage}`);
        assert.doesNotMatch(mapped.message, /internet|could not be reached/);
      }
    }
  });
});

describe('refresh answers that do not end the session (only invalid_grant and OIDC Core §12.2 do)', () => {
  const clientSetup =
    /Application Type to Native, Token Endpoint Authentication Method to None, and turn on Advanced Settings > Grant Types > Authorization Code and Refresh Token\. You are still signed in/;

  test('invalid_grant ends it: session_expired', async () => {
    const mapped = mapProviderError(await refreshFailure(() => json(400, { error: 'invalid_grant' })), 'refresh');
    assert.equal(mapped.code, 'session_expired');
  });

  test('401 with WWW-Authenticate, invalid_client, unauthorized_client or a bare 401: provider_error naming the Auth0 settings', async () => {
    for (const answer of [
      () =>
        new Response(null, {
          status: 401,
          headers: { 'www-authenticate': 'Bearer error="invalid_client", error_description="no"' },
        }),
      () => new Response(null, { status: 401, headers: { 'www-authenticate': 'Basic realm="tenant"' } }),
      () => json(400, { error: 'invalid_client', error_description: 'Client authentication failed' }),
      () => json(401, { error: 'invalid_client' }),
      () =>
        json(403, {
          error: 'unauthorized_client',
          error_description: "Grant type 'refresh_token' not allowed for the client.",
        }),
      () => new Response('Unauthorized', { status: 401, headers: { 'content-type': 'text/plain' } }),
    ]) {
      const error = await refreshFailure(answer);
      const mapped = mapProviderError(error, 'refresh');
      assert.equal(mapped.code, 'provider_error', String(error));
      assert.match(mapped.message, clientSetup);
    }
  });

  test('a malformed 200 (no access_token, not JSON, broken JSON) is retried like an outage and says it was malformed', async () => {
    for (const answer of [
      () => json(200, { token_type: 'Bearer', expires_in: 600 }),
      () => json(200, { access_token: 42, token_type: 'Bearer' }),
      () => new Response('<html>proxy</html>', { status: 200, headers: { 'content-type': 'text/html' } }),
      () => new Response('{"access_token":', { status: 200, headers: { 'content-type': 'application/json' } }),
      () => new Response('<html>Bad request</html>', { status: 400, headers: { 'content-type': 'text/html' } }),
    ]) {
      const error = await refreshFailure(answer);
      const mapped = mapProviderError(error, 'refresh');
      assert.equal(mapped.code, 'provider_unreachable', String(error));
      assert.match(mapped.message, /answer to the session renewal was malformed.*You are still signed in/);
      assert.doesNotMatch(mapped.message, /internet/);
    }
  });

  test('429 is the provider being busy, not a broken session', async () => {
    const mapped = mapProviderError(await refreshFailure(() => new Response('slow down', { status: 429 })), 'refresh');
    assert.equal(mapped.code, 'provider_unreachable');
    assert.match(mapped.message, /busy \(HTTP 429\)/);
  });

  test('a refreshed ID token whose iss, aud or azp differ (JWT claim comparison) ends it as another account (OIDC Core §12.2)', () => {
    const error = clientError(
      'unexpected JWT claim value encountered',
      'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      new Error('aud'),
    );
    const mapped = mapProviderError(error, 'refresh');
    assert.equal(mapped.code, 'session_expired');
    assert.match(mapped.message, /for a different account/);
  });
});

describe('the callback failed its RFC 9207 issuer check', () => {
  test('iss naming another issuer, or missing where discovery promises it: untrusted_endpoint, said so', async () => {
    const promised = { authorization_response_iss_parameter_supported: true };
    for (const query of [{ code: CODE, iss: 'https://impostor.example.com/' }, { code: CODE }] as Record<
      string,
      string
    >[]) {
      const mapped = mapProviderError(await codeExchangeFailure(query, undefined, promised), 'token');
      assert.equal(mapped.code, 'untrusted_endpoint', JSON.stringify(query));
      assert.match(mapped.message, /RFC 9207/);
      assertNoSecret(mapped.message, { code: CODE }, 'message');
    }
  });
});
