import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AuthError } from '../../src/main/auth/auth-error.js';
import { loadConfig, type AuthConfig, type AuthEnv } from '../../src/main/auth/config/config.js';
import { DEMO_DEFAULT_PORT, demoProviderAdvice, isLoopbackHost } from '../../src/main/auth/config/demo-provider.js';
import { isAllowedExternalUrl } from '../../src/main/auth/oidc/external-url.js';
import { DEFAULT_IDP_PORT } from '../../tools/idp/idp-port.js';

// AUTH0_DOMAIN is a host name with an optional port (a custom domain or staging tenant served on
// another port than 443); the issuer is always https://<host[:port]>/ and never has a path. A
// value naming this computer is someone looking for the local demo provider.

const CLIENT: AuthEnv = { AUTH0_CLIENT_ID: 'client1' };

function withDomain(domain: string): AuthConfig {
  return loadConfig({ ...CLIENT, AUTH0_DOMAIN: domain });
}

/** Every "- problem" line of the config_invalid message for `env`. */
function loadConfigProblems(env: AuthEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof AuthError && error.code === 'config_invalid', String(error));
    return error.message.split('\n').filter((line) => line.startsWith('- '));
  }
  assert.fail(`${JSON.stringify(env)} was accepted`);
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

  test('IPv6 literals are refused with a clear reason, bracketed or not (::1 is the demo provider: below)', () => {
    for (const domain of ['[2001:db8::1]:8443', '[2001:db8::1]', 'fe80::1', '2001:db8::1']) {
      assert.match(domainProblem(domain), /looks like an IPv6 address, which the app does not accept/, domain);
    }
    assert.match(domainProblem('login.example.com:8443:1'), /has more than one ":"; write host:port/);
  });

  test('a user name before the host is named for removal, and a password is never repeated', () => {
    assert.equal(
      domainProblem('user@login.example.com:8443'),
      '- AUTH0_DOMAIN must be the bare host name: remove the user name "user@", and use "login.example.com:8443".',
    );
    const withPassword = domainProblem('https://user:hunter2@login.example.com/');
    assert.match(
      withPassword,
      /remove the scheme "https:\/\/", the user name and password before "@" and the trailing "\/"/,
    );
    assert.doesNotMatch(withPassword, /hunter2/);
  });

  test('names the URL parser would read as something else are refused, not thrown', () => {
    // "0x7f.1" is 127.0.0.1 to the WHATWG URL parser, and "tenant.123" is no valid URL host at all.
    for (const domain of ['0x7f.1', '0x7f.1:8443', 'tenant.123']) {
      assert.match(domainProblem(domain), /is not a valid host name/, domain);
    }
  });
});

describe('AUTH0_DOMAIN given as a URL or with a path names every part to remove', () => {
  test('each part of a URL is named (scheme, user name, path, query, fragment), then the host to use', () => {
    assert.equal(
      domainProblem('https://tenant.us.auth0.com/a/b?x=1#f'),
      '- AUTH0_DOMAIN must be the bare host name, not a URL: remove the scheme "https://", the path "/a/b", the query "?x=1" and the fragment "#f", and use "tenant.us.auth0.com".',
    );
    assert.equal(
      domainProblem('https://user@tenant.us.auth0.com'),
      '- AUTH0_DOMAIN must be the bare host name, not a URL: remove the scheme "https://" and the user name "user@", and use "tenant.us.auth0.com".',
    );
    assert.equal(
      domainProblem('https://login.example.com:8443/authorize'),
      '- AUTH0_DOMAIN must be the bare host name, not a URL: remove the scheme "https://" and the path "/authorize", and use "login.example.com:8443".',
    );
    assert.match(
      domainProblem('https://tenant.us.auth0.com'),
      /remove the scheme "https:\/\/", and use "tenant\.us\.auth0\.com"\./,
    );
    assert.match(
      domainProblem('https://TENANT.US.AUTH0.COM:443/'),
      /remove the scheme "https:\/\/" and the trailing "\/", and use "tenant\.us\.auth0\.com"\./,
    );
  });

  test('without a scheme: a trailing slash, a path, a query or a fragment, and the host to use', () => {
    assert.equal(
      domainProblem('tenant.us.auth0.com/'),
      '- AUTH0_DOMAIN must be the bare host name: remove the trailing "/", and use "tenant.us.auth0.com".',
    );
    assert.equal(
      domainProblem('login.example.com:8443/authorize'),
      '- AUTH0_DOMAIN must be the bare host name: remove the path "/authorize", and use "login.example.com:8443".',
    );
    assert.match(
      domainProblem('tenant.us.auth0.com?connection=x#y'),
      /remove the query "\?connection=x" and the fragment "#y", and use "tenant\.us\.auth0\.com"\./,
    );
  });

  test('an http URL says the app always uses https', () => {
    assert.match(
      domainProblem('http://login.example.com:8080'),
      /remove the scheme "http:\/\/" \(the app always uses https\), and use "login\.example\.com:8080"/,
    );
  });

  test('a URL around a bad host or port explains both', () => {
    const problem = domainProblem('https://login.example.com:0/');
    assert.match(
      problem,
      /remove the scheme "https:\/\/" and the trailing "\/"\. AUTH0_DOMAIN "login\.example\.com:0" has the port "0"/,
    );
    assert.doesNotMatch(problem, /use "/, 'no value to use is suggested when there is none');
  });

  test('capitals are the same host: the issuer and keychain service are the lower-case ones', () => {
    const upper = withDomain('TENANT.US.AUTH0.COM');
    assert.equal(upper.issuer.href, 'https://tenant.us.auth0.com/');
    assert.equal(upper.keychainService, withDomain('tenant.us.auth0.com').keychainService);
  });
});

describe('AUTH0_DOMAIN naming this computer points to the demo provider', () => {
  test('localhost, ::1 and http:// loopback URLs: leave AUTH0_DOMAIN empty, or set the demo variable with the port written', () => {
    const cases: Record<string, number | undefined> = {
      localhost: undefined,
      'LOCALHOST.': undefined,
      'app.localhost': undefined,
      'localhost:4400': 4400,
      'http://localhost:4400/': 4400,
      'https://localhost': undefined,
      '[::1]': undefined,
      '::1': undefined,
      '[0:0:0:0:0:0:0:1]:4401': 4401,
      '[::ffff:127.0.0.1]': undefined,
      'http://127.0.0.1:4400/': 4400,
      'http://127.0.0.2': undefined,
    };
    for (const [domain, port] of Object.entries(cases)) {
      const problems = loadConfigProblems({ AUTH0_DOMAIN: domain });
      // The demo provider has its own client: no AUTH0_CLIENT_ID is asked for.
      assert.deepEqual(problems, [`- ${demoProviderAdvice(domain, port)}`], domain);
    }
    assert.equal(
      demoProviderAdvice('localhost'),
      'AUTH0_DOMAIN "localhost" names this computer, not an Auth0 tenant. For the local demo identity provider, leave AUTH0_DOMAIN empty: `npm start` then starts the provider itself. To use one already running from `npm run idp`, set DESKTOP_LOGIN_DEMO_ISSUER=http://127.0.0.1:4400/ instead (`npm run doctor` then checks it too). For your tenant, use its Domain from the Auth0 dashboard, for example tenant.us.auth0.com.',
    );
  });

  test('127.0.0.1 with a client id may be an HTTPS server here; without one, the demo advice comes first', () => {
    assert.equal(withDomain('127.0.0.1:8443').issuer.href, 'https://127.0.0.1:8443/');
    assert.deepEqual(loadConfigProblems({ AUTH0_DOMAIN: '127.0.0.1:4400' }), [
      `- ${demoProviderAdvice('127.0.0.1:4400', 4400)}`,
      '- AUTH0_CLIENT_ID is not set. Copy the Client ID from your Native application in the Auth0 dashboard.',
    ]);
  });

  test('the port in the advice is the one `npm run idp` uses by default', () => {
    assert.equal(DEMO_DEFAULT_PORT, DEFAULT_IDP_PORT);
  });

  test('loopback in every spelling, and nothing else', () => {
    for (const host of [
      'localhost',
      'a.localhost',
      '127.0.0.1',
      '127.255.0.9',
      '[::1]',
      '::1',
      '0:0::1',
      '::ffff:127.0.0.1',
    ]) {
      assert.equal(isLoopbackHost(host), true, host);
    }
    for (const host of [
      'tenant.us.auth0.com',
      'localhost.example.com',
      '10.0.0.1',
      '128.0.0.1',
      '::2',
      '[fe80::1]',
      '::ffff:10.0.0.1',
    ]) {
      assert.equal(isLoopbackHost(host), false, host);
    }
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
