import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AuthError } from '../../src/main/auth/auth-error.js';
import { loadConfig, type AuthConfig, type AuthEnv } from '../../src/main/auth/config/config.js';
import { isAllowedExternalUrl } from '../../src/main/auth/oidc/external-url.js';

// AUTH0_DOMAIN is a host name with an optional port (a custom domain or staging tenant served on
// another port than 443); the issuer is always https://<host[:port]>/ and never has a path.

const CLIENT: AuthEnv = { AUTH0_CLIENT_ID: 'client1' };

function withDomain(domain: string): AuthConfig {
  return loadConfig({ ...CLIENT, AUTH0_DOMAIN: domain });
}

/** The one AUTH0_DOMAIN line of the config_invalid message for `domain`. */
function domainProblem(domain: string): string {
  let error: unknown;
  try {
    withDomain(domain);
  } catch (caught) {
    error = caught;
  }
  assert.ok(error instanceof AuthError, `${domain}: expected an AuthError, got ${String(error)}`);
  assert.equal(error.code, 'config_invalid');
  const lines = error.message.split('\n').filter((line) => line.includes('AUTH0_DOMAIN'));
  assert.equal(lines.length, 1, `${domain}: one AUTH0_DOMAIN problem, got ${JSON.stringify(lines)}`);
  return lines[0] ?? '';
}

describe('AUTH0_DOMAIN with a port', () => {
  test('host:port gives an https issuer with that port, and a keychain service per host and port', () => {
    const config = withDomain('Login.Example.com:8443');
    assert.equal(config.issuer.href, 'https://login.example.com:8443/');
    assert.equal(config.issuer.host, 'login.example.com:8443');
    assert.equal(config.keychainService, 'Desktop Login (login.example.com:8443)');
    assert.notEqual(config.keychainService, withDomain('login.example.com').keychainService);
  });

  test('host:443 is the host itself: same issuer and same keychain entries as without the port', () => {
    const plain = withDomain('tenant.us.auth0.com');
    const explicit = withDomain('tenant.us.auth0.com:443');
    assert.equal(explicit.issuer.href, 'https://tenant.us.auth0.com/');
    assert.equal(explicit.issuer.href, plain.issuer.href);
    assert.equal(explicit.keychainService, plain.keychainService);
  });

  test('ports 1 and 65535 are accepted, and leading zeros are read as the number', () => {
    assert.equal(withDomain('login.example.com:1').issuer.href, 'https://login.example.com:1/');
    assert.equal(withDomain('login.example.com:65535').issuer.href, 'https://login.example.com:65535/');
    assert.equal(withDomain('login.example.com:08443').issuer.href, 'https://login.example.com:8443/');
  });

  test('a port outside 1–65535, or not a number, is refused with the range', () => {
    for (const port of ['0', '65536', '99999', '-1', 'abc', '84 43', '123456']) {
      assert.match(
        domainProblem(`login.example.com:${port}`),
        new RegExp(`has the port "${port}"; a port is a number from 1 to 65535`),
        port,
      );
    }
    assert.match(domainProblem('login.example.com:'), /has a ":" but no port/);
  });

  test('IPv6 literals are refused with a clear reason, bracketed or not', () => {
    for (const domain of ['[::1]:8443', '[2001:db8::1]', '::1', '2001:db8::1']) {
      assert.match(domainProblem(domain), /looks like an IPv6 address, which the app does not accept/, domain);
    }
    assert.match(domainProblem('login.example.com:8443:1'), /has more than one ":"; write host:port/);
  });

  test('a user name before the host is refused', () => {
    assert.match(
      domainProblem('user@login.example.com:8443'),
      /"user@login\.example\.com:8443" is not a valid host name; .* without a user name and "@"/,
    );
  });

  test('names the URL parser would read as something else are refused, not thrown', () => {
    // "0x7f.1" is 127.0.0.1 to the WHATWG URL parser, and "tenant.123" is no valid URL host at all.
    for (const domain of ['0x7f.1', '0x7f.1:8443', 'tenant.123']) {
      assert.match(domainProblem(domain), /is not a valid host name/, domain);
    }
  });
});

describe('AUTH0_DOMAIN given as a URL or with a path names every part to remove', () => {
  test('a path: the host and port to use, and the path to remove', () => {
    assert.equal(
      domainProblem('login.example.com:8443/authorize'),
      '- AUTH0_DOMAIN must be the bare host name with no path: use "login.example.com:8443" (remove "/authorize").',
    );
    assert.match(domainProblem('tenant.us.auth0.com/'), /no path: use "tenant\.us\.auth0\.com" \(remove "\/"\)/);
    assert.match(
      domainProblem('tenant.us.auth0.com?connection=x'),
      /no query or fragment: use "tenant\.us\.auth0\.com" \(remove "\?connection=x"\)/,
    );
  });

  test('a URL: the scheme and the path to remove, and the value to use with its port', () => {
    assert.equal(
      domainProblem('https://login.example.com:8443/authorize'),
      '- AUTH0_DOMAIN must be the bare host name (with a port only if it is not 443), for example tenant.us.auth0.com, not a URL: remove "https://" and "/authorize", and use "login.example.com:8443".',
    );
    assert.match(
      domainProblem('https://tenant.us.auth0.com'),
      /remove "https:\/\/", and use "tenant\.us\.auth0\.com"\./,
    );
    assert.match(
      domainProblem('https://tenant.us.auth0.com:443/'),
      /remove "https:\/\/" and "\/", and use "tenant\.us\.auth0\.com"\./,
    );
  });

  test('an http URL says the app always uses https', () => {
    assert.match(
      domainProblem('http://login.example.com:8080'),
      /remove "http:\/\/" \(the app always uses https\), and use "login\.example\.com:8080"/,
    );
  });

  test('a URL around a bad host or port explains both', () => {
    const problem = domainProblem('https://login.example.com:0/');
    assert.match(problem, /remove "https:\/\/" and "\/"\. AUTH0_DOMAIN "login\.example\.com:0" has the port "0"/);
    assert.doesNotMatch(problem, /use "/, 'no value to use is suggested when there is none');
  });
});

describe('the browser may open only the issuer host with its port', () => {
  test('with a port in AUTH0_DOMAIN, the same name on another port, or on 443, is another server', () => {
    const config = withDomain('login.example.com:8443');
    assert.equal(isAllowedExternalUrl('https://login.example.com:8443/authorize?client_id=x', config), true);
    assert.equal(isAllowedExternalUrl('https://LOGIN.example.com:8443/v2/logout', config), true);
    for (const url of [
      'https://login.example.com/authorize',
      'https://login.example.com:443/authorize',
      'https://login.example.com:8444/authorize',
      'http://login.example.com:8443/authorize',
      'https://user@login.example.com:8443/authorize',
      'https://login.example.com:8443@evil.example/authorize',
      'https://evil.example:8443/authorize',
    ]) {
      assert.equal(isAllowedExternalUrl(url, config), false, url);
    }
  });

  test('without a port (or with :443), a URL naming another port is refused and :443 is the same server', () => {
    const config = withDomain('tenant.us.auth0.com:443');
    assert.equal(isAllowedExternalUrl('https://tenant.us.auth0.com/authorize', config), true);
    assert.equal(isAllowedExternalUrl('https://tenant.us.auth0.com:443/authorize', config), true);
    assert.equal(isAllowedExternalUrl('https://tenant.us.auth0.com:8443/authorize', config), false);
  });
});
