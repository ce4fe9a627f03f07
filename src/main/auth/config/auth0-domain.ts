/** The issuer AUTH0_DOMAIN names, or the one problem that explains how to fix the setting. */
export type DomainResult = { readonly issuer: URL } | { readonly problem: string };

const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * Turns AUTH0_DOMAIN into the issuer. An Auth0 tenant's issuer is `https://<domain>/` (OIDC
 * Discovery §4.3 compares it exactly), so the setting is a host name, with a port only for a
 * custom domain or staging tenant served on another port than 443. It is never a URL: the
 * scheme is always https and there is no path.
 */
export function issuerFromDomain(domain: string): DomainResult {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(domain);
  const rest = scheme ? domain.slice(scheme[0].length) : domain;
  const cut = rest.search(/[/?#]/);
  const authority = cut === -1 ? rest : rest.slice(0, cut);
  const tail = cut === -1 ? '' : rest.slice(cut);
  const bare = issuerFromAuthority(authority);
  if (scheme === null && tail === '') return bare;

  // Name every part to remove (scheme, path, query), then the value to use, when there is one.
  const https = scheme === null || scheme[1]?.toLowerCase() === 'https' ? '' : ' (the app always uses https)';
  const parts = [...(scheme ? [`"${scheme[0]}"${https}`] : []), ...(tail !== '' ? [`"${tail}"`] : [])].join(' and ');
  if (scheme) {
    const base = `AUTH0_DOMAIN must be the bare host name (with a port only if it is not 443), for example tenant.us.auth0.com, not a URL: remove ${parts}`;
    return { problem: 'issuer' in bare ? `${base}, and use "${bare.issuer.host}".` : `${base}. ${bare.problem}` };
  }
  const what = tail.startsWith('/') ? 'no path' : 'no query or fragment';
  const base = `AUTH0_DOMAIN must be the bare host name with ${what}`;
  return {
    problem:
      'issuer' in bare
        ? `${base}: use "${bare.issuer.host}" (remove ${parts}).`
        : `${base}: remove ${parts}. ${bare.problem}`,
  };
}

/** `host` or `host:port` (1–65535; 443, the https default, is dropped as the URL parser does). */
function issuerFromAuthority(authority: string): DomainResult {
  const invalid = (why = ''): DomainResult => ({
    problem: `AUTH0_DOMAIN "${authority}" is not a valid host name; copy the Domain field of your application in the Auth0 dashboard, or your custom domain${why}.`,
  });
  if (authority.includes('@')) return invalid(', without a user name and "@"');
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
  const colon = authority.indexOf(':');
  const host = (colon === -1 ? authority : authority.slice(0, colon)).toLowerCase();
  const port = colon === -1 ? undefined : authority.slice(colon + 1);
  if (port !== undefined && !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
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
