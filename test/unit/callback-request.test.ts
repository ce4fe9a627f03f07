import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DONE_PATH,
  MAX_REQUEST_TARGET,
  judgeCallbackRequest,
  sameSecret,
  type CallbackDecision,
  type CallbackRequestContext,
  type IncomingCallbackRequest,
} from '../../src/main/auth/loopback/callback-request.js';

const STATE = 'Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0';
const HOST = '127.0.0.1:28460';
const CONTEXT: CallbackRequestContext = {
  callbackPath: '/callback',
  expectedHost: HOST,
  expectedState: STATE,
  consumed: false,
};

function judge(
  request: Partial<IncomingCallbackRequest>,
  context: Partial<CallbackRequestContext> = {},
): CallbackDecision {
  return judgeCallbackRequest({ method: 'GET', host: HOST, target: undefined, ...request }, { ...CONTEXT, ...context });
}

function assertReject(decision: CallbackDecision, status: number, reason?: RegExp): void {
  assert.equal(decision.kind, 'reject', `expected a rejection, got ${decision.kind}`);
  if (decision.kind !== 'reject') return;
  assert.equal(decision.status, status, decision.reason);
  if (reason) assert.match(decision.reason, reason);
}

const query = (params: Record<string, string> | [string, string][]): string => new URLSearchParams(params).toString();

describe('judgeCallbackRequest: state and parameters', () => {
  test('a valid callback is authorized and carries the parameters', () => {
    const decision = judge({
      target: `/callback?${query({ code: 'abc', state: STATE, iss: 'https://t.auth0.com/' })}`,
    });
    assert.equal(decision.kind, 'authorized');
    if (decision.kind !== 'authorized') return;
    assert.equal(decision.params.get('code'), 'abc');
    assert.equal(decision.params.get('iss'), 'https://t.auth0.com/');
  });

  test('wrong state is rejected with 400', () => {
    assertReject(judge({ target: `/callback?${query({ code: 'abc', state: `${STATE}x` })}` }), 400, /state/);
    assertReject(judge({ target: `/callback?${query({ code: 'abc', state: '' })}` }), 400, /state/);
  });

  test('missing state is rejected with 400', () => {
    assertReject(judge({ target: '/callback?code=abc' }), 400, /state/);
    assertReject(judge({ target: '/callback' }), 400, /state/);
  });

  test('missing code is rejected', () => {
    assertReject(judge({ target: `/callback?${query({ state: STATE })}` }), 400, /code missing/);
  });

  test('empty code is rejected', () => {
    assertReject(judge({ target: `/callback?${query({ state: STATE, code: '' })}` }), 400, /code missing/);
  });

  test('both code and error are rejected', () => {
    assertReject(
      judge({ target: `/callback?${query({ state: STATE, code: 'abc', error: 'access_denied' })}` }),
      400,
      /both/,
    );
  });

  test('repeated state, code, error or iss is rejected', () => {
    const cases: [string, string][][] = [
      [
        ['state', STATE],
        ['state', STATE],
        ['code', 'abc'],
      ],
      [
        ['state', STATE],
        ['code', 'abc'],
        ['code', 'def'],
      ],
      [
        ['state', STATE],
        ['error', 'access_denied'],
        ['error', 'login_required'],
      ],
      [
        ['state', STATE],
        ['code', 'abc'],
        ['iss', 'https://a/'],
        ['iss', 'https://b/'],
      ],
      [
        ['state', STATE],
        ['error', 'x'],
        ['error_description', 'a'],
        ['error_description', 'b'],
      ],
    ];
    for (const params of cases) {
      assertReject(judge({ target: `/callback?${query(params)}` }), 400, /repeated/);
    }
  });

  test('a valid provider error is denied with its description', () => {
    const decision = judge({
      target: `/callback?${query({ state: STATE, error: 'access_denied', error_description: 'User did not authorize the request' })}`,
    });
    assert.equal(decision.kind, 'denied');
    if (decision.kind !== 'denied') return;
    assert.equal(decision.error, 'access_denied');
    assert.equal(decision.description, 'User did not authorize the request');
    assert.equal(decision.params.get('state'), STATE);
  });

  test('a description with forbidden characters is dropped', () => {
    for (const bad of ['say "hi"', 'back\\slash', 'line\nbreak', 'caf\u00e9', '<script>\u0000']) {
      const decision = judge({
        target: `/callback?${query({ state: STATE, error: 'access_denied', error_description: bad })}`,
      });
      assert.equal(decision.kind, 'denied', bad);
      if (decision.kind !== 'denied') return;
      assert.equal(decision.description, undefined, bad);
      assert.equal('description' in decision, false);
    }
  });

  test('a long description is truncated to 300 characters', () => {
    const long = 'a'.repeat(1000);
    const decision = judge({
      target: `/callback?${query({ state: STATE, error: 'server_error', error_description: long })}`,
    });
    assert.equal(decision.kind, 'denied');
    if (decision.kind !== 'denied') return;
    assert.equal(decision.description, 'a'.repeat(300));
  });

  test('a malformed error code is rejected', () => {
    for (const error of ['', 'bad"quote', 'back\\slash', 'x'.repeat(101), 'new\nline', 'caf\u00e9']) {
      assertReject(judge({ target: `/callback?${query({ state: STATE, error })}` }), 400, /malformed error/);
    }
  });

  test('a consumed callback is gone (410), even with the right state', () => {
    assertReject(judge({ target: `/callback?${query({ code: 'abc', state: STATE })}` }, { consumed: true }), 410);
  });
});

describe('judgeCallbackRequest: path, method, Host and target', () => {
  const valid = `/callback?${query({ code: 'abc', state: STATE })}`;

  test('a wrong path is 404', () => {
    assertReject(judge({ target: `/other?${query({ code: 'abc', state: STATE })}` }), 404);
    assertReject(judge({ target: `/callback/?${query({ code: 'abc', state: STATE })}` }), 404);
    assertReject(judge({ target: `/CALLBACK?${query({ code: 'abc', state: STATE })}` }), 404);
    assertReject(judge({ target: '/' }), 404);
  });

  test('/favicon.ico is 404', () => {
    assertReject(judge({ target: '/favicon.ico' }), 404);
  });

  test('non-GET methods are 405', () => {
    for (const method of ['POST', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', undefined]) {
      assertReject(judge({ method, target: valid }), 405);
      assertReject(judge({ method, target: DONE_PATH }), 405);
    }
  });

  test('a missing Host header is 421', () => {
    assertReject(judge({ host: undefined, target: valid }), 421);
  });

  test('a foreign Host header is 421 (DNS rebinding)', () => {
    for (const host of [
      'evil.example',
      'evil.example:28460',
      'localhost:28460',
      '127.0.0.1:28461',
      '127.0.0.1',
      '',
      ' 127.0.0.1:28460',
    ]) {
      assertReject(judge({ host, target: valid }), 421);
    }
  });

  test('a request target longer than the limit is 414', () => {
    const long = `${valid}&pad=${'x'.repeat(MAX_REQUEST_TARGET)}`;
    assertReject(judge({ target: long }), 414);
    // Exactly at the limit is still judged normally.
    const atLimit = `${valid}&pad=`;
    const exact = atLimit + 'x'.repeat(MAX_REQUEST_TARGET - atLimit.length);
    assert.equal(exact.length, MAX_REQUEST_TARGET);
    assert.equal(judge({ target: exact }).kind, 'authorized');
  });

  test('an absolute-form or asterisk target is 400', () => {
    assertReject(judge({ target: `http://${HOST}${valid}` }), 400, /origin-form/);
    assertReject(judge({ target: `http://evil.example${valid}` }), 400, /origin-form/);
    assertReject(judge({ method: 'OPTIONS', target: '*' }), 400);
    assertReject(judge({ target: undefined }), 400);
  });

  test('a target whose path only looks like the callback after URL resolution is not the callback', () => {
    // In origin-form the path of "//evil.example/callback" is "//evil.example/callback", not "/callback".
    assertReject(judge({ target: `//evil.example${valid}` }), 400);
    assertReject(judge({ target: `/\\evil.example${valid}` }), 400);
    assertReject(judge({ target: `/x/..${valid}` }), 400);
  });

  test('GET /done is the done page', () => {
    assert.deepEqual(judge({ target: DONE_PATH }), { kind: 'done-page' });
    assert.deepEqual(judge({ target: DONE_PATH }, { consumed: true }), { kind: 'done-page' });
  });

  test('/done still needs the right Host', () => {
    assertReject(judge({ target: DONE_PATH, host: 'evil.example' }), 421);
  });
});

describe('sameSecret', () => {
  test('equal strings are the same secret', () => {
    assert.equal(sameSecret(STATE, STATE), true);
    assert.equal(sameSecret('', ''), true);
  });

  test('different strings of the same length are not', () => {
    assert.equal(sameSecret('abcdef', 'abcdeg'), false);
  });

  test('different lengths are not, and do not throw', () => {
    assert.equal(sameSecret('abc', 'abcd'), false);
    assert.equal(sameSecret('', STATE), false);
    assert.equal(sameSecret(STATE + STATE, STATE), false);
  });

  test('unicode is compared by content', () => {
    assert.equal(sameSecret('caf\u00e9', 'caf\u00e9'), true);
    assert.equal(sameSecret('caf\u00e9', 'cafe\u0301'), false);
  });
});
