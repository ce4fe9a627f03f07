import type { AuthConfig } from '../config/config.js';

/**
 * True when `url` may be handed to the system browser: https on the configured issuer's
 * host and port (`URL.host` holds a non-default port, so another port on the same name is
 * another server), or the demo provider's exact loopback origin. Opening a server-supplied
 * URL unchecked let a malicious server run commands (CVE-2025-6514).
 */
export function isAllowedExternalUrl(url: string | URL, config: Pick<AuthConfig, 'issuer' | 'demo'>): boolean {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return false;
  }
  if (parsed.username !== '' || parsed.password !== '') return false;
  if (config.demo) return parsed.protocol === 'http:' && parsed.origin === config.issuer.origin;
  return parsed.protocol === 'https:' && parsed.host === config.issuer.host;
}
