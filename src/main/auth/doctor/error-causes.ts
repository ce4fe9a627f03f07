/** Walks `error` and its `cause` chain for the first value `match` accepts. */
export function findCause<T>(error: unknown, match: (value: unknown) => value is T): T | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current !== undefined && current !== null && !seen.has(current)) {
    if (match(current)) return current;
    seen.add(current);
    current = typeof current === 'object' ? (current as { cause?: unknown }).cause : undefined;
  }
  return undefined;
}

/** A failed TLS connection, by what the person has to do about it. */
type TlsFailure =
  | { readonly kind: 'untrusted' | 'dates' | 'rejected'; readonly code: string }
  | { readonly kind: 'other-name'; readonly code: string; readonly names: readonly string[] }
  | { readonly kind: 'handshake'; readonly code: string };

/**
 * OpenSSL's certificate verification results as Node.js reports them (Node.js docs, tls,
 * "X509 certificate error codes"), grouped by fix. Node adds ERR_TLS_CERT_ALTNAME_INVALID for
 * its own host name check (RFC 6125 §6).
 */
const UNTRUSTED_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
]);
const DATE_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
]);
const NAME_CODES = new Set(['ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH']);
/** The rest of the X509 list (signature, revocation, chain length, purpose). */
const OTHER_CERTIFICATE_CODE = /^(?:CERT_|UNABLE_TO_|CRL_|ERROR_IN_C|INVALID_|PATH_LENGTH_)[A-Z_]+$/;
/** A handshake that failed before any certificate was seen: often plain http on the port. */
const HANDSHAKE_CODE = /^(?:ERR_SSL_[A-Z0-9_]+|EPROTO)$/;
/** Names a certificate's subjectAltName lists, as Node formats them; anything else is not shown. */
const SHOWN_NAME = /^(?:DNS:([a-z0-9*][a-z0-9*.-]{0,252})|IP Address:([0-9a-f.:]{2,45}))$/i;
const MAX_SHOWN_NAMES = 5;

function tlsFailure(error: unknown): TlsFailure | undefined {
  const coded = findCause(
    error,
    (value): value is { code: string; cert?: { subjectaltname?: unknown } } =>
      typeof value === 'object' &&
      value !== null &&
      typeof (value as { code?: unknown }).code === 'string' &&
      (UNTRUSTED_CODES.has((value as { code: string }).code) ||
        DATE_CODES.has((value as { code: string }).code) ||
        NAME_CODES.has((value as { code: string }).code) ||
        OTHER_CERTIFICATE_CODE.test((value as { code: string }).code) ||
        HANDSHAKE_CODE.test((value as { code: string }).code)),
  );
  if (coded === undefined) return undefined;
  const { code } = coded;
  if (UNTRUSTED_CODES.has(code)) return { kind: 'untrusted', code };
  if (DATE_CODES.has(code)) return { kind: 'dates', code };
  if (NAME_CODES.has(code)) return { kind: 'other-name', code, names: certificateNames(coded.cert?.subjectaltname) };
  if (HANDSHAKE_CODE.test(code)) return { kind: 'handshake', code };
  return { kind: 'rejected', code };
}

/** True when a TLS handshake failed before any certificate was seen: usually plain http on that port. */
export function isTlsHandshakeFailure(error: unknown): boolean {
  return tlsFailure(error)?.kind === 'handshake';
}

/**
 * The names a certificate is for. The report reaches the window, so only values with a host
 * name's or an IP address's characters are shown (DESIGN checklist 13).
 */
function certificateNames(subjectAltName: unknown): string[] {
  if (typeof subjectAltName !== 'string') return [];
  return subjectAltName
    .split(/,\s*/)
    .map((entry) => SHOWN_NAME.exec(entry))
    .map((match) => match?.[1] ?? match?.[2])
    .filter((name): name is string => name !== undefined)
    .slice(0, MAX_SHOWN_NAMES);
}

/** Says in a few words why a request got no answer: timeout, refused, unknown host, certificate or TLS. */
export function networkReason(error: unknown): string {
  const timedOut = findCause(
    error,
    (value): value is Error =>
      value instanceof Error &&
      (value.name === 'TimeoutError' || (value as { code?: unknown }).code === 'OAUTH_TIMEOUT'),
  );
  if (timedOut) return 'timed out';
  const tls = tlsFailure(error);
  if (tls !== undefined) {
    switch (tls.kind) {
      case 'untrusted':
        return `certificate problem ${tls.code}: ${
          tls.code === 'DEPTH_ZERO_SELF_SIGNED_CERT'
            ? 'the server presented a self-signed certificate'
            : 'no certificate authority that Node.js trusts signed the certificate'
        }`;
      case 'dates':
        return `certificate problem ${tls.code}: the certificate has expired or is not valid yet`;
      case 'other-name':
        return `certificate problem ${tls.code}: the certificate is for another name${
          tls.names.length > 0 ? ` (${tls.names.join(', ')})` : ''
        }`;
      case 'rejected':
        return `certificate problem ${tls.code}: the certificate was rejected`;
      case 'handshake':
        return `TLS handshake failed, ${tls.code}`;
    }
  }
  const coded = findCause(
    error,
    (value): value is { code: string } =>
      typeof value === 'object' &&
      value !== null &&
      typeof (value as { code?: unknown }).code === 'string' &&
      /^E[A-Z_]+$|^UND_/.test((value as { code: string }).code),
  );
  const code = coded?.code;
  if (code === undefined) return 'no answer';
  if (code === 'ECONNREFUSED') return 'connection refused: nothing is listening there';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host name not found';
  if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return 'timed out';
  return code;
}

/**
 * The fix for a certificate or TLS failure talking to `host` (host[:port]), or undefined when the
 * failure is an ordinary network one. Node.js checks certificates against its own bundled list
 * of authorities plus NODE_EXTRA_CA_CERTS, not the operating system's store, which is why a
 * proxy the browser trusts can still fail here.
 */
export function networkFix(error: unknown, host: string): string | undefined {
  const tls = tlsFailure(error);
  if (tls === undefined) return undefined;
  switch (tls.kind) {
    case 'untrusted':
    case 'rejected':
      return [
        `This is a certificate problem (${tls.code}), not an outage. A corporate proxy (or antivirus) that inspects TLS presents its own certificate for ${host}, signed by its own CA: get that CA certificate as a PEM file (from IT, or exported from the OS certificate store) and point NODE_EXTRA_CA_CERTS at it when you start the app or the doctor, e.g. NODE_EXTRA_CA_CERTS=/path/to/proxy-ca.pem npm start (Node.js reads it only at start-up).`,
        // electron-builder.yml turns the nodeOptions fuse off, and Electron then ignores
        // NODE_EXTRA_CA_CERTS too (Electron docs, Environment Variables).
        `The packaged app ignores NODE_EXTRA_CA_CERTS (its nodeOptions fuse is off), and its own requests use the authorities built into Node.js, not the OS certificate store, even where the browser trusts the proxy: for it, have ${host} exempted from TLS inspection.`,
        `Without such a proxy, ${host} must present a certificate that chains to a public authority, as Auth0 domains and custom domains with Auth0-managed certificates do.`,
      ].join('\n');
    case 'other-name':
      return [
        `${host} presented a certificate for ${tls.names.length > 0 ? tls.names.join(', ') : 'another name'}, not for ${hostnameOf(host)}: check AUTH0_DOMAIN for a typo. A custom domain must be used exactly as listed in Auth0 dashboard > Branding > Custom Domains, once its status is Ready (Auth0 issues the certificate then).`,
        `A proxy that inspects TLS can also present a certificate for the wrong name: have ${host} exempted from TLS inspection.`,
      ].join('\n');
    case 'dates':
      return `Check this computer's date, time and time zone (${tls.code}). If they are right, the certificate ${host} presented is out of date: a self-managed custom domain needs a renewed certificate; behind a proxy that inspects TLS, the proxy's certificate does (tell IT).`;
    case 'handshake':
      return `${host} did not complete a TLS handshake (${tls.code}): the server there may not speak HTTPS on that port. If AUTH0_DOMAIN names a port, it must be the tenant's HTTPS port; a proxy that blocks TLS gives the same error.`;
  }
}

function hostnameOf(host: string): string {
  try {
    return new URL(`https://${host}/`).hostname;
  } catch {
    return host;
  }
}
