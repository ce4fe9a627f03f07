import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import * as tls from 'node:tls';
import { promisify } from 'node:util';
import { DEMO_ISSUER_VARIABLE, type AuthEnv } from '../../src/main/auth/config/config.js';
import type { CheckId, CheckResult, DoctorReport } from '../../src/main/auth/doctor/check-result.js';
import { formatDoctorReport } from '../../src/main/auth/doctor/format-report.js';
import { runDoctor } from '../../src/main/auth/doctor/run-doctor.js';
import { startIdp, type RunningIdp } from '../../tools/idp/start-idp.js';
import { createMemorySecretStore } from '../support/memory-secret-store.js';

// What the doctor says on tenants unlike the default one: behind a TLS-inspecting proxy, on a
// port other than 443, with an issuer that has a path, with endpoints on another host, and when
// Auth0's "Callback URL mismatch" page names no error code. TLS is real: certificates are made
// with the openssl command line and served by node:https on 127.0.0.1.

const run = promisify(execFile);

async function opensslMissing(): Promise<string | undefined> {
  try {
    await run('openssl', ['version']);
    return undefined;
  } catch (error) {
    return `the openssl command is not available (${(error as Error).message.split('\n')[0]})`;
  }
}
const noOpenssl = await opensslMissing();
if (noOpenssl) process.stdout.write(`# certificate tests skipped: ${noOpenssl}\n`);
const noTrustApi =
  noOpenssl ??
  (typeof tls.setDefaultCACertificates === 'function'
    ? undefined
    : `tls.setDefaultCACertificates needs Node.js 22.19 or newer (this is ${process.version})`);
if (noTrustApi && !noOpenssl) process.stdout.write(`# tests over trusted HTTPS skipped: ${noTrustApi}\n`);

/** PEM text of one certificate and its key. */
interface KeyPair {
  readonly cert: string;
  readonly key: string;
}

/** A private CA (what a TLS-inspecting proxy signs with) and the server certificates the tests serve. */
interface Certificates {
  readonly ca: KeyPair;
  /** For localhost and 127.0.0.1, signed by the CA. */
  readonly loopback: KeyPair;
  /** For 127.0.0.1, signed by itself. */
  readonly selfSigned: KeyPair;
  /** For other.example only, signed by the CA. */
  readonly otherName: KeyPair;
}

async function makeCertificates(dir: string): Promise<Certificates> {
  // Relative names in `dir`, so a temporary folder with spaces in its path needs no quoting.
  const openssl = (args: string): Promise<unknown> => run('openssl', args.split(' '), { cwd: dir });
  const key = '-newkey rsa:2048 -nodes -days 2';
  await openssl(
    `req -x509 ${key} -keyout ca.key -out ca.pem -subj /CN=Doctor-Test-Inspecting-Proxy-CA -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign`,
  );
  await openssl(
    `req -x509 ${key} -keyout self.key -out self.pem -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1`,
  );
  const signed = async (name: string, subject: string, altNames: string): Promise<void> => {
    await openssl(`req -newkey rsa:2048 -nodes -keyout ${name}.key -out ${name}.csr -subj ${subject}`);
    await writeFile(
      join(dir, `${name}.ext`),
      `subjectAltName=${altNames}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`,
    );
    await openssl(
      `x509 -req -in ${name}.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out ${name}.pem -days 2 -extfile ${name}.ext`,
    );
  };
  await signed('loopback', '/CN=localhost', 'DNS:localhost,IP:127.0.0.1');
  await signed('other', '/CN=other.example', 'DNS:other.example');
  const pair = async (name: string): Promise<KeyPair> => ({
    cert: await readFile(join(dir, `${name}.pem`), 'utf8'),
    key: await readFile(join(dir, `${name}.key`), 'utf8'),
  });
  return {
    ca: await pair('ca'),
    loopback: await pair('loopback'),
    selfSigned: await pair('self'),
    otherName: await pair('other'),
  };
}

/** Discovery members a test replaces, e.g. an endpoint on another host. */
type DiscoveryOverrides = Readonly<Record<string, unknown>>;

/**
 * A tenant stand-in over HTTPS on 127.0.0.1: discovery, a sign-in page at /authorize, and a token
 * endpoint that refuses made-up codes and refresh tokens with invalid_grant, as a Native
 * application on Auth0 does. It serves whatever certificate the test hands it.
 */
async function startHttpsTenant(
  pair: KeyPair,
  overrides: DiscoveryOverrides = {},
): Promise<{ port: number; close(): Promise<void> }> {
  const server = createHttpsServer(
    { cert: pair.cert, key: pair.key },
    (request: IncomingMessage, response: ServerResponse) => {
      response.setHeader('Connection', 'close');
      const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const path = new URL(request.url ?? '/', origin).pathname;
      if (request.method === 'GET' && path === '/.well-known/openid-configuration') {
        response.setHeader('Content-Type', 'application/json');
        response.end(
          JSON.stringify({
            issuer: `${origin}/`,
            authorization_endpoint: `${origin}/authorize`,
            token_endpoint: `${origin}/oauth/token`,
            jwks_uri: `${origin}/.well-known/jwks.json`,
            userinfo_endpoint: `${origin}/userinfo`,
            revocation_endpoint: `${origin}/oauth/revoke`,
            end_session_endpoint: `${origin}/oidc/logout`,
            response_types_supported: ['code'],
            grant_types_supported: ['authorization_code', 'refresh_token'],
            code_challenge_methods_supported: ['S256'],
            ...overrides,
          }),
        );
      } else if (request.method === 'GET' && path === '/authorize') {
        response.setHeader('Content-Type', 'text/html');
        response.end('<!doctype html><title>Sign in</title><form><input name="username"></form>');
      } else if (request.method === 'POST' && path === '/oauth/token') {
        request.resume();
        response.statusCode = 400;
        response.setHeader('Content-Type', 'application/json');
        response.end(JSON.stringify({ error: 'invalid_grant', error_description: 'Invalid authorization code' }));
      } else {
        response.statusCode = 404;
        response.end();
      }
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function freePort(): Promise<number> {
  const server: Server = createHttpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The doctor with a memory keychain and no Electron lookup; a free callback port unless the test names one. */
async function doctor(env: AuthEnv): Promise<DoctorReport> {
  const callback = env['AUTH0_CALLBACK_URL'] ?? `http://127.0.0.1:${await freePort()}/callback`;
  const secretStore = createMemorySecretStore();
  return runDoctor(
    { AUTH0_CALLBACK_URL: callback, ...env },
    { secretStore: () => secretStore, findElectronBinary: () => undefined, networkTimeoutMs: 3000 },
  );
}

function check(report: DoctorReport, id: CheckId): CheckResult {
  const found = report.checks.find((entry) => entry.id === id);
  assert.ok(found, `no ${id} check in the report`);
  return found;
}

/** A tenant on 127.0.0.1:<port> with a client id; AUTH0_DOMAIN carries the port. */
function tenantEnv(port: number, extra: AuthEnv = {}): AuthEnv {
  return { AUTH0_DOMAIN: `127.0.0.1:${port}`, AUTH0_CLIENT_ID: 'tenant-client', ...extra };
}

let idp: RunningIdp;
let certificates: Certificates | undefined;
let certificateDir: string | undefined;

before(async () => {
  idp = await startIdp();
  if (!noOpenssl) {
    certificateDir = await mkdtemp(join(tmpdir(), 'doctor-certs-'));
    certificates = await makeCertificates(certificateDir);
  }
});
after(async () => {
  await idp?.close();
  if (certificateDir) await rm(certificateDir, { recursive: true, force: true });
});
afterEach(() => idp.faults.clear());

describe('the doctor, against the local provider: texts that fit every tenant', () => {
  test('an unregistered callback on a page without an error code is said once: what was refused, and each URL to register', async () => {
    const [first, fallback] = [await freePort(), await freePort()];
    const uris = [`http://127.0.0.1:${first}/callback`, `http://127.0.0.1:${fallback}/callback`];
    // An error page for an unregistered redirect_uri that is HTML with HTTP 400 and names no OAuth
    // error code, only "Callback URL mismatch": the local provider's /authorize answers so here.
    idp.faults.set('/authorize', {
      status: 400,
      body: '<!doctype html><title>Error</title><h1>Oops!, something went wrong</h1><p>Callback URL mismatch. The provided redirect_uri is not in the list of allowed callback URLs.</p>',
      headers: { 'Content-Type': 'text/html' },
    });
    const report = await doctor({
      [DEMO_ISSUER_VARIABLE]: idp.issuer,
      AUTH0_CALLBACK_URL: uris[0],
      AUTH0_CALLBACK_PORTS: String(fallback),
    });
    const callback = check(report, 'callback-url');
    assert.equal(callback.verdict, 'fail');
    assert.equal(callback.detail.match(/HTTP 400/g)?.length, 1, callback.detail);
    assert.doesNotMatch(callback.detail, /HTTP 400, HTTP 400/);
    assert.match(callback.detail, /^The provider refused the sign-in requests \(HTTP 400\): the redirect_uri http:/);
    for (const uri of uris) {
      assert.equal(callback.detail.split(uri).length - 1, 1, `${uri} is named once in: ${callback.detail}`);
    }
    assert.match(callback.detail, /are not allowed callback URLs of client desktop-login-demo/);
    assert.ok(
      callback.fix?.startsWith(`Add ${uris.join(', ')} to Allowed Callback URLs (`),
      `the fix lists every URL to register: ${callback.fix}`,
    );
    assert.match(callback.fix ?? '', /comma-separated\), exactly as written, port included/);
    assert.equal(check(report, 'sign-in-request').verdict, 'skip');
  });

  test('an issuer with a path: the doctor shows the discovery URL the app fetches, under that path', async () => {
    // OIDC Discovery §4 appends the well-known suffix to the issuer's path; resolving it as a
    // relative URL would drop "tenant" and show the provider's root document, which works.
    for (const issuer of [`${idp.origin}/tenant`, `${idp.origin}/tenant/`]) {
      const report = await doctor({ [DEMO_ISSUER_VARIABLE]: issuer });
      const discovery = check(report, 'discovery');
      assert.equal(discovery.verdict, 'fail', issuer);
      assert.ok(
        discovery.detail.startsWith(`${idp.origin}/tenant/.well-known/openid-configuration answered, but`),
        discovery.detail,
      );
      assert.ok(!discovery.detail.includes(`${idp.origin}/.well-known/`), discovery.detail);
      // It answered, so "start the provider" would send the person the wrong way.
      assert.doesNotMatch(discovery.fix ?? '', /Start the demo identity provider/);
      assert.match(
        discovery.fix ?? '',
        new RegExp(`point ${DEMO_ISSUER_VARIABLE} at the issuer the demo identity provider prints`),
      );
    }
    assert.ok(idp.requestLog.some((entry) => entry.path === '/tenant/.well-known/openid-configuration'));
  });

  test('an endpoint on another host is refused on purpose, and the fix does not say to start the provider', async () => {
    idp.faults.discovery({ authorization_endpoint: 'https://login.other.example/authorize' });
    const report = await doctor({ [DEMO_ISSUER_VARIABLE]: idp.issuer });
    const discovery = check(report, 'discovery');
    assert.equal(discovery.verdict, 'fail');
    assert.match(discovery.detail, /authorization_endpoint points to https:\/\/login\.other\.example/);
    assert.doesNotMatch(discovery.fix ?? '', /Start the demo identity provider/);
    assert.match(discovery.fix ?? '', new RegExp(`refuses endpoints outside ${idp.origin} on purpose`));
    assert.match(discovery.fix ?? '', /CVE-2025-6514/);
  });

  test('AUTH0_DOMAIN naming a port that speaks plain http: a TLS handshake failure, with the port to check', async () => {
    const report = await doctor(tenantEnv(idp.port));
    const discovery = check(report, 'discovery');
    assert.equal(discovery.verdict, 'fail');
    assert.match(
      discovery.detail,
      new RegExp(
        `^https://127\\.0\\.0\\.1:${idp.port}/\\.well-known/openid-configuration could not be reached \\(TLS handshake failed, ERR_SSL_`,
      ),
    );
    assert.match(
      discovery.fix ?? '',
      new RegExp(`127\\.0\\.0\\.1:${idp.port} did not complete a TLS handshake .*may not speak HTTPS on that port`),
    );
    assert.match(discovery.fix ?? '', /If AUTH0_DOMAIN names a port, it must be the tenant's HTTPS port/);
  });
});

describe('the doctor over HTTPS: certificate problems are named as such', () => {
  test(
    'a self-signed certificate: the code, the proxy CA and NODE_EXTRA_CA_CERTS, and what the packaged app does',
    { skip: noOpenssl },
    async () => {
      const tenant = await startHttpsTenant(certificates!.selfSigned);
      try {
        const report = await doctor(tenantEnv(tenant.port));
        const discovery = check(report, 'discovery');
        assert.equal(discovery.verdict, 'fail');
        assert.match(
          discovery.detail,
          /could not be reached \(certificate problem DEPTH_ZERO_SELF_SIGNED_CERT: the server presented a self-signed certificate\)/,
        );
        assertProxyFix(discovery.fix, 'DEPTH_ZERO_SELF_SIGNED_CERT', `127.0.0.1:${tenant.port}`);
      } finally {
        await tenant.close();
      }
    },
  );

  test(
    'a certificate from a CA Node.js does not know (a TLS-inspecting proxy): the same fix, naming its code',
    { skip: noOpenssl },
    async () => {
      const tenant = await startHttpsTenant(certificates!.loopback);
      try {
        const report = await doctor(tenantEnv(tenant.port));
        const discovery = check(report, 'discovery');
        assert.equal(discovery.verdict, 'fail');
        assert.match(
          discovery.detail,
          /certificate problem UNABLE_TO_(?:VERIFY_LEAF_SIGNATURE|GET_ISSUER_CERT_LOCALLY): no certificate authority that Node\.js trusts signed the certificate/,
        );
        assert.doesNotMatch(discovery.detail, /did not answer|no answer/, 'a certificate problem is not a timeout');
        const code = /certificate problem ([A-Z_]+)/.exec(discovery.detail)?.[1] ?? '';
        assertProxyFix(discovery.fix, code, `127.0.0.1:${tenant.port}`);
        // The plain-text report carries every line of the fix, indented under it.
        assert.match(
          formatDoctorReport(report),
          /^ {6}Fix: This is a certificate problem .*\n {11}The packaged app ignores NODE_EXTRA_CA_CERTS/m,
        );
      } finally {
        await tenant.close();
      }
    },
  );
});

describe('the doctor over HTTPS with the CA trusted, as NODE_EXTRA_CA_CERTS would', () => {
  before(() => {
    if (noTrustApi || certificates === undefined) return;
    // In-process stand-in for NODE_EXTRA_CA_CERTS, which Node reads only at start-up.
    tls.setDefaultCACertificates([...tls.getCACertificates('default'), certificates.ca.cert]);
  });

  test(
    'AUTH0_DOMAIN=127.0.0.1:<port> reaches discovery, the sign-in page and the token endpoint on that port',
    { skip: noTrustApi },
    async () => {
      const tenant = await startHttpsTenant(certificates!.loopback);
      try {
        const origin = `https://127.0.0.1:${tenant.port}`;
        const report = await doctor(tenantEnv(tenant.port));
        assert.deepEqual(report.target, { issuer: `${origin}/`, clientId: 'tenant-client', demo: false });
        assert.equal(
          check(report, 'discovery').detail.split(' answered')[0],
          `${origin}/.well-known/openid-configuration`,
        );
        for (const id of [
          'config',
          'discovery',
          'issuer',
          'pkce',
          'logout-endpoints',
          'client-id',
          'callback-url',
          'sign-in-request',
          'public-client',
          'refresh-tokens',
        ] as const) {
          assert.equal(check(report, id).verdict, 'pass', `${id}: ${check(report, id).detail}`);
        }
        assert.match(
          formatDoctorReport(report),
          new RegExp(`^Checking client tenant-client at 127\\.0\\.0\\.1:${tenant.port}\\.$`, 'm'),
        );
      } finally {
        await tenant.close();
      }
    },
  );

  test('a certificate for another name: says so, with the names it is for', { skip: noTrustApi }, async () => {
    const tenant = await startHttpsTenant(certificates!.otherName);
    try {
      const report = await doctor(tenantEnv(tenant.port));
      const discovery = check(report, 'discovery');
      assert.equal(discovery.verdict, 'fail');
      assert.match(
        discovery.detail,
        /certificate problem ERR_TLS_CERT_ALTNAME_INVALID: the certificate is for another name \(other\.example\)/,
      );
      assert.match(
        discovery.fix ?? '',
        new RegExp(
          `^127\\.0\\.0\\.1:${tenant.port} presented a certificate for other\\.example, not for 127\\.0\\.0\\.1: check AUTH0_DOMAIN`,
        ),
      );
      assert.match(discovery.fix ?? '', /Branding > Custom Domains/);
    } finally {
      await tenant.close();
    }
  });

  test(
    'a tenant whose discovery lists an endpoint on another host: the AUTH0_DOMAIN and custom-domain fix',
    { skip: noTrustApi },
    async () => {
      const tenant = await startHttpsTenant(certificates!.loopback, {
        token_endpoint: 'https://tokens.other.example/oauth/token',
      });
      try {
        const report = await doctor(tenantEnv(tenant.port));
        const discovery = check(report, 'discovery');
        assert.equal(discovery.verdict, 'fail');
        assert.match(discovery.detail, /token_endpoint points to https:\/\/tokens\.other\.example/);
        const fix = discovery.fix ?? '';
        assert.match(fix, new RegExp(`refuses endpoints outside https://127\\.0\\.0\\.1:${tenant.port} on purpose`));
        assert.match(fix, /Set AUTH0_DOMAIN to the domain that serves the whole sign-in/);
        assert.match(fix, /Branding > Custom Domains/);
        assert.match(fix, new RegExp(`keep every endpoint on https://127\\.0\\.0\\.1:${tenant.port}`));
        assert.doesNotMatch(fix, /npm run idp|demo/);
      } finally {
        await tenant.close();
      }
    },
  );
});

/** The fix for an untrusted certificate: the code, the proxy's CA as PEM, NODE_EXTRA_CA_CERTS, and the packaged app's limits. */
function assertProxyFix(fix: string | undefined, code: string, host: string): void {
  assert.ok(fix, 'a fix');
  assert.match(fix, new RegExp(`^This is a certificate problem \\(${code}\\), not an outage\\.`));
  assert.match(
    fix,
    new RegExp(
      `corporate proxy \\(or antivirus\\) that inspects TLS presents its own certificate for ${host.replace(/\./g, '\\.')}`,
    ),
  );
  assert.match(fix, /CA certificate as a PEM file/);
  assert.match(fix, /NODE_EXTRA_CA_CERTS=\/path\/to\/proxy-ca\.pem npm start/);
  assert.match(fix, /The packaged app ignores NODE_EXTRA_CA_CERTS \(its nodeOptions fuse is off\)/);
  assert.match(fix, /not the OS certificate store/);
  assert.match(fix, new RegExp(`have ${host.replace(/\./g, '\\.')} exempted from TLS inspection`));
  assert.doesNotMatch(fix, /npm run idp/);
}
