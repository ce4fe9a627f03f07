import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';

/** A throwaway certificate authority and one server certificate it signed for 127.0.0.1 and localhost. */
export interface TestCa {
  /** The CA certificate (PEM): what NODE_EXTRA_CA_CERTS would point at. */
  readonly caPem: string;
  /** The server's private key and certificate (PEM), for the HTTPS provider. */
  readonly serverKeyPem: string;
  readonly serverCertPem: string;
  /** base64 SHA-256 of the server key's SPKI, for Chromium's --ignore-certificate-errors-spki-list. */
  readonly serverSpkiHash: string;
}

/** Why TLS tests cannot run here, or undefined when they can. */
export function testCaUnavailableReason(): string | undefined {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
  } catch {
    return 'the openssl command is not installed (apt-get install openssl)';
  }
  if (typeof (tls as { setDefaultCACertificates?: unknown }).setDefaultCACertificates !== 'function') {
    return `Node ${process.version} has no tls.setDefaultCACertificates (Node 22.19 or later does)`;
  }
  return undefined;
}

/** Makes a CA and a server certificate with the openssl command, in a folder deleted afterwards. */
export function createTestCa(): TestCa {
  const folder = mkdtempSync(join(tmpdir(), 'desktop-login-ca-'));
  const file = (name: string): string => join(folder, name);
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { stdio: 'ignore' });
  try {
    openssl(
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=Desktop Login Test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign',
      '-keyout',
      file('ca.key'),
      '-out',
      file('ca.pem'),
    );
    openssl(
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-subj',
      '/CN=127.0.0.1',
      '-keyout',
      file('server.key'),
      '-out',
      file('server.csr'),
    );
    writeFileSync(
      file('server.ext'),
      'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n',
    );
    openssl(
      'x509',
      '-req',
      '-in',
      file('server.csr'),
      '-CA',
      file('ca.pem'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      file('server.ext'),
      '-out',
      file('server.pem'),
    );
    const serverCertPem = readFileSync(file('server.pem'), 'utf8');
    const spki = new X509Certificate(serverCertPem).publicKey.export({ type: 'spki', format: 'der' });
    return {
      caPem: readFileSync(file('ca.pem'), 'utf8'),
      serverKeyPem: readFileSync(file('server.key'), 'utf8'),
      serverCertPem,
      serverSpkiHash: createHash('sha256').update(spki).digest('base64'),
    };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/**
 * Makes this process trust `ca` as NODE_EXTRA_CA_CERTS would at start-up (which is too late
 * for a test that makes its CA while running).
 */
export function trustInThisProcess(ca: TestCa): void {
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), ca.caPem]);
}
