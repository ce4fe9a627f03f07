import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerMetadata } from 'openid-client';
import { AuthError } from '../../src/main/auth/auth-error.js';
import { assertEndpointsOnIssuer } from '../../src/main/auth/oidc/oidc-discovery.js';

const ISSUER = new URL('https://tenant.us.auth0.com/');

function metadata(overrides: Record<string, string | undefined> = {}): ServerMetadata {
  const base: Record<string, string | undefined> = {
    issuer: ISSUER.href,
    authorization_endpoint: 'https://tenant.us.auth0.com/authorize',
    token_endpoint: 'https://tenant.us.auth0.com/oauth/token',
    jwks_uri: 'https://tenant.us.auth0.com/.well-known/jwks.json',
    userinfo_endpoint: 'https://tenant.us.auth0.com/userinfo',
    revocation_endpoint: 'https://tenant.us.auth0.com/oauth/revoke',
    end_session_endpoint: 'https://tenant.us.auth0.com/oidc/logout',
    ...overrides,
  };
  for (const key of Object.keys(base)) if (base[key] === undefined) delete base[key];
  return base as unknown as ServerMetadata;
}

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    assert.ok(error instanceof AuthError);
    return error.code;
  }
}

describe('assertEndpointsOnIssuer', () => {
  test('same-origin endpoints are accepted', () => {
    assert.doesNotThrow(() => assertEndpointsOnIssuer(metadata(), ISSUER));
    assert.doesNotThrow(() =>
      assertEndpointsOnIssuer(
        metadata({ userinfo_endpoint: undefined, revocation_endpoint: undefined, end_session_endpoint: undefined }),
        ISSUER,
      ),
    );
  });

  test('a foreign authorization endpoint is untrusted', () => {
    assert.throws(
      () => assertEndpointsOnIssuer(metadata({ authorization_endpoint: 'https://evil.example/authorize' }), ISSUER),
      (error: unknown) =>
        error instanceof AuthError &&
        error.code === 'untrusted_endpoint' &&
        /authorization_endpoint/.test(error.message),
    );
  });

  test('look-alike origins are untrusted', () => {
    for (const endpoint of [
      'http://tenant.us.auth0.com/authorize',
      'https://tenant.us.auth0.com:8443/authorize',
      'https://tenant.us.auth0.com.evil.example/authorize',
      'https://evil.example/?https://tenant.us.auth0.com/',
    ]) {
      assert.equal(
        codeOf(() => assertEndpointsOnIssuer(metadata({ authorization_endpoint: endpoint }), ISSUER)),
        'untrusted_endpoint',
        endpoint,
      );
    }
  });

  test('every listed endpoint is checked, not only the authorization endpoint', () => {
    for (const name of [
      'token_endpoint',
      'jwks_uri',
      'userinfo_endpoint',
      'revocation_endpoint',
      'end_session_endpoint',
    ]) {
      assert.equal(
        codeOf(() => assertEndpointsOnIssuer(metadata({ [name]: 'https://evil.example/x' }), ISSUER)),
        'untrusted_endpoint',
        name,
      );
    }
  });

  test('a missing token or authorization endpoint is discovery_invalid', () => {
    assert.equal(
      codeOf(() => assertEndpointsOnIssuer(metadata({ token_endpoint: undefined }), ISSUER)),
      'discovery_invalid',
    );
    assert.equal(
      codeOf(() => assertEndpointsOnIssuer(metadata({ authorization_endpoint: undefined }), ISSUER)),
      'discovery_invalid',
    );
  });

  test('an endpoint that is not a URL is discovery_invalid', () => {
    assert.equal(
      codeOf(() => assertEndpointsOnIssuer(metadata({ jwks_uri: 'not a url' }), ISSUER)),
      'discovery_invalid',
    );
  });

  test('the demo provider on loopback is checked by origin, port included', () => {
    const demo = new URL('http://127.0.0.1:4000/');
    const local = (port: number): ServerMetadata =>
      metadata({
        issuer: demo.href,
        authorization_endpoint: `http://127.0.0.1:${port}/auth`,
        token_endpoint: 'http://127.0.0.1:4000/token',
        jwks_uri: 'http://127.0.0.1:4000/jwks',
        userinfo_endpoint: undefined,
        revocation_endpoint: undefined,
        end_session_endpoint: undefined,
      });
    assert.doesNotThrow(() => assertEndpointsOnIssuer(local(4000), demo));
    assert.equal(
      codeOf(() => assertEndpointsOnIssuer(local(4001), demo)),
      'untrusted_endpoint',
    );
  });
});
