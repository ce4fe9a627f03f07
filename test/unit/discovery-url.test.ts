import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as client from 'openid-client';
import { discoveryUrlOf } from '../../src/main/auth/doctor/discovery-checks.js';

/** The URL openid-client itself requests when it discovers `issuer`. */
async function fetchedByOpenidClient(issuer: string): Promise<string> {
  let requested: string | undefined;
  const recording: typeof fetch = (input) => {
    requested = input instanceof Request ? input.url : String(input);
    return Promise.reject(new Error('recorded; no network in this test'));
  };
  await assert.rejects(
    client.discovery(new URL(issuer), 'client1', undefined, client.None(), {
      [client.customFetch]: recording,
      execute: [client.allowInsecureRequests],
    }),
  );
  assert.ok(requested, `openid-client requested nothing for ${issuer}`);
  return requested;
}

test('the doctor names the discovery URL openid-client actually fetches, for issuers with and without a path', async () => {
  const expected: Record<string, string> = {
    'https://tenant.us.auth0.com/': 'https://tenant.us.auth0.com/.well-known/openid-configuration',
    'https://login.example.com:8443/': 'https://login.example.com:8443/.well-known/openid-configuration',
    // OIDC Discovery §4: the well-known suffix goes after the issuer's path, with or without its slash.
    'http://127.0.0.1:4000/tenant': 'http://127.0.0.1:4000/tenant/.well-known/openid-configuration',
    'http://127.0.0.1:4000/tenant/': 'http://127.0.0.1:4000/tenant/.well-known/openid-configuration',
    'https://idp.example.com/a/b': 'https://idp.example.com/a/b/.well-known/openid-configuration',
  };
  for (const [issuer, url] of Object.entries(expected)) {
    assert.equal(discoveryUrlOf(new URL(issuer)), url, issuer);
    assert.equal(await fetchedByOpenidClient(issuer), url, `openid-client for ${issuer}`);
  }
  // Odd shapes follow the library too, whatever it does with them.
  for (const issuer of [
    'https://idp.example.com/a//b/',
    'https://idp.example.com/.well-known/openid-configuration',
    'https://idp.example.com/tenant?x=1',
  ]) {
    assert.equal(discoveryUrlOf(new URL(issuer)), await fetchedByOpenidClient(issuer), issuer);
  }
});
