import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isAllowedExternalUrl } from '../../src/main/auth/oidc/external-url.js';

const AUTH0 = { issuer: new URL('https://tenant.us.auth0.com/'), demo: false };
const DEMO = { issuer: new URL('http://127.0.0.1:4000/'), demo: true };

describe('isAllowedExternalUrl: Auth0 tenant', () => {
  test('https on the issuer host is allowed (string or URL)', () => {
    assert.equal(isAllowedExternalUrl('https://tenant.us.auth0.com/authorize?client_id=x', AUTH0), true);
    assert.equal(isAllowedExternalUrl(new URL('https://tenant.us.auth0.com/v2/logout'), AUTH0), true);
    assert.equal(isAllowedExternalUrl('https://TENANT.us.auth0.com:443/authorize', AUTH0), true);
  });

  test('http on the issuer host is refused', () => {
    assert.equal(isAllowedExternalUrl('http://tenant.us.auth0.com/authorize', AUTH0), false);
  });

  test('other hosts and ports are refused', () => {
    for (const url of [
      'https://evil.example/authorize',
      'https://us.auth0.com/authorize',
      'https://sub.tenant.us.auth0.com/authorize',
      'https://tenant.us.auth0.com:8443/authorize',
      'https://tenant.us.auth0.com.evil.example/authorize',
      'https://tenant.us.auth0.com./authorize',
    ]) {
      assert.equal(isAllowedExternalUrl(url, AUTH0), false, url);
    }
  });

  test('userinfo tricks are refused', () => {
    assert.equal(isAllowedExternalUrl('https://evil@tenant.us.auth0.com/authorize', AUTH0), false);
    assert.equal(isAllowedExternalUrl('https://tenant.us.auth0.com@evil.example/authorize', AUTH0), false);
    assert.equal(isAllowedExternalUrl('https://user:pass@tenant.us.auth0.com/', AUTH0), false);
  });

  test('non-web schemes and garbage are refused', () => {
    for (const url of [
      'javascript:alert(1)',
      'file:///etc/passwd',
      'data:text/html,hi',
      'tenant.us.auth0.com/authorize',
      '',
      'https://',
    ]) {
      assert.equal(isAllowedExternalUrl(url, AUTH0), false, url);
    }
  });
});

describe('isAllowedExternalUrl: demo mode', () => {
  test('allows only the exact loopback origin of the demo provider', () => {
    assert.equal(isAllowedExternalUrl('http://127.0.0.1:4000/authorize?x=1', DEMO), true);
    for (const url of [
      'http://127.0.0.1:4001/authorize',
      'http://localhost:4000/authorize',
      'https://127.0.0.1:4000/authorize',
      'http://127.0.0.2:4000/authorize',
      'http://evil@127.0.0.1:4000/authorize',
      'https://tenant.us.auth0.com/authorize',
      'file:///etc/passwd',
    ]) {
      assert.equal(isAllowedExternalUrl(url, DEMO), false, url);
    }
  });

  test('an Auth0 config never allows a loopback http URL', () => {
    assert.equal(isAllowedExternalUrl('http://127.0.0.1:4000/authorize', AUTH0), false);
  });
});
