import { isIPv4 } from 'node:net';
import { demoProviderAdvice, isLoopbackHost } from './demo-provider.js';

/** The issuer AUTH0_DOMAIN names, or the one problem that explains how to fix the setting. */
export type DomainResult =
  | { readonly issuer: URL }
  | {
      readonly problem: string;
      /** The value names this computer: the person meant the local demo provider. */
      readonly demo?: true;
    };

/** AUTH0_DOMAIN cut where a URL has its parts; only `authority` (host[:port]) belongs in the setting. */
interface DomainParts {
  readonly scheme?: string;
  readonly userInfo?: string;
  readonly authority: string;
  readonly path: string;
  readonly query: string;
  readonly fragment: string;
}

const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * Turns AUTH0_DOMAIN into the issuer. An Auth0 tenant's issuer is `https://<domain>/` (OIDC
 * Discovery §4.3 compares it exactly), so the setting is a host name, with a port only for a
 * custom domain or staging tenant served on another port than 443. It is never a URL: the
 * scheme is always https and there is no path.
 */
export function issuerFromDomain(domain: string): DomainResult {
  const parts = splitDomain(domain);
  const { host, port } = hostAndPort(parts.authority);
  // An IPv4 loopback address may be an HTTPS server on this computer (a TLS proxy, a test tenant);
  // `localhost`, ::1 and an http:// URL never are: that is someone looking for the demo provider.
  if (isLoopbackHost(host) && (!isIPv4(host) || /^http:/i.test(parts.scheme ?? ''))) {
    const shown = `${parts.scheme ?? ''}${parts.authority}${parts.path}${parts.query}${parts.fragment}`;
    return { problem: demoProviderAdvice(shown, portNumber(port)), demo: true };
  }
  const bare = issuerFromAuthority(parts.authority);
  const extra = namedExtras(parts);
  if (extra.length === 0) return bare;
  const base = `AUTH0_DOMAIN must be the bare host name${parts.scheme === undefined ? '' : ', not a URL'}: remove ${listed(extra)}`;
  return { problem: 'issuer' in bare ? `${base}, and use "${bare.issuer.host}".` : `${base}. ${bare.problem}` };
}

/** Splits as a URL parser would, so each part can be named; with no scheme, the value starts at the user info. */
function splitDomain(domain: string): DomainParts {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(domain)?.[0];
  let rest = scheme === undefined ? domain : domain.slice(scheme.length);
  const cut = (marker: string): string => {
    const at = rest.indexOf(marker);
    if (at === -1) return '';
    const tail = rest.slice(at);
    rest = rest.slice(0, at);
    return tail;
  };
  const fragment = cut('#');
  const query = cut('?');
  const path = cut('/');
  const at = rest.lastIndexOf('@');
  return {
    ...(scheme !== undefined ? { scheme } : {}),
    ...(at !== -1 ? { userInfo: rest.slice(0, at + 1) } : {}),
    authority: rest.slice(at + 1),
    path,
    query,
    fragment,
  };
}

/** Every part besides host[:port], named so the person can find it in what they wrote. */
function namedExtras(parts: DomainParts): string[] {
  const named: string[] = [];
  if (parts.scheme !== undefined) {
    const https = /^https:/i.test(parts.scheme) ? '' : ' (the app always uses https)';
    named.push(`the scheme "${parts.scheme}"${https}`);
  }
  if (parts.userInfo !== undefined) {
    // A password is never repeated back: messages reach the screen and logs.
    named.push(
      parts.userInfo.includes(':') ? 'the user name and password before "@"' : `the user name "${parts.userInfo}"`,
    );
  }
  if (parts.path === '/') named.push('the trailing "/"');
  else if (parts.path !== '') named.push(`the path "${parts.path}"`);
  if (parts.query !== '') named.push(`the query "${parts.query}"`);
  if (parts.fragment !== '') named.push(`the fragment "${parts.fragment}"`);
  return named;
}

/** "a", "a and b", "a, b and c". */
function listed(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** host and port as written; an IPv6 address keeps its brackets, and one without brackets has no port. */
function hostAndPort(authority: string): { host: string; port?: string } {
  const bracketed = /^(\[[^\]]*\])(?::(.*))?$/.exec(authority);
  if (bracketed) return { host: bracketed[1] ?? '', ...(bracketed[2] !== undefined ? { port: bracketed[2] } : {}) };
  const colon = authority.indexOf(':');
  if (colon === -1 || authority.indexOf(':', colon + 1) !== -1) return { host: authority };
  return { host: authority.slice(0, colon), port: authority.slice(colon + 1) };
}

function portNumber(port: string | undefined): number | undefined {
  const value = port !== undefined && /^\d{1,5}$/.test(port) ? Number(port) : 0;
  return value >= 1 && value <= 65535 ? value : undefined;
}

/** `host` or `host:port` (1–65535; 443, the https default, is dropped as the URL parser does). */
function issuerFromAuthority(authority: string): DomainResult {
  const invalid = (): DomainResult => ({
    problem: `AUTH0_DOMAIN "${authority}" is not a valid host name; copy the Domain field of your application in the Auth0 dashboard, or your custom domain.`,
  });
  const colons = authority.split(':').length - 1;
  if (authority.startsWith('[') || (colons > 1 && /^[0-9a-f:.]+$/i.test(authority))) {
    // Auth0 domains and custom domains are DNS names (their certificates are issued to names).
    return {
      problem: `AUTH0_DOMAIN "${authority}" looks like an IPv6 address, which the app does not accept; use the tenant's host name, for example tenant.us.auth0.com.`,
    };
  }
  if (colons > 1) {
    return {
      problem: `AUTH0_DOMAIN "${authority}" has more than one ":"; write host:port, as in login.example.com:8443.`,
    };
  }
  const { host: written, port } = hostAndPort(authority);
  const host = written.toLowerCase();
  if (port !== undefined && portNumber(port) === undefined) {
    return {
      problem: `AUTH0_DOMAIN "${authority}" has ${port === '' ? 'a ":" but no port' : `the port "${port}"`}; a port is a number from 1 to 65535, as in login.example.com:8443 (leave it out for the default HTTPS port, 443).`,
    };
  }
  const labels = host.split('.');
  if (labels.length < 2 || !labels.every((label) => HOST_LABEL.test(label))) return invalid();
  let issuer: URL;
  try {
    issuer = new URL(`https://${host}${port === undefined ? '' : `:${Number(port)}`}/`);
  } catch {
    return invalid();
  }
  // The URL parser reads some names as IPv4 numbers ("0x7f.1" becomes 127.0.0.1): take the host only as written.
  if (issuer.hostname !== host) return invalid();
  return { issuer };
}
