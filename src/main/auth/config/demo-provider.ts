import { isIPv4, isIPv6 } from 'node:net';

/** Set by `npm start` and the tests to point the app at the local demo identity provider. */
export const DEMO_ISSUER_VARIABLE = 'DESKTOP_LOGIN_DEMO_ISSUER';
/** The client the local demo identity provider registers. */
export const DEMO_CLIENT_ID = 'desktop-login-demo';
/**
 * The port `npm run idp` listens on without IDP_PORT. The auth core may not import the local
 * provider's code, so this repeats its DEFAULT_IDP_PORT (idp-port.ts); a unit test keeps the two equal.
 */
export const DEMO_DEFAULT_PORT = 4400;

/** The issuer `npm run idp` prints for `port`, the value DESKTOP_LOGIN_DEMO_ISSUER takes. */
export function demoIssuerOn(port: number = DEMO_DEFAULT_PORT): string {
  return `http://127.0.0.1:${port}/`;
}

/**
 * True for a name or address of this computer: localhost and *.localhost (RFC 6761 §6.3),
 * 127.0.0.0/8, and ::1 in any spelling, brackets or not (also as IPv4-mapped ::ffff:127.x.x.x).
 */
export function isLoopbackHost(host: string): boolean {
  const name = host
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIPv4(name)) return name.startsWith('127.');
  if (!isIPv6(name)) return false;
  // The URL parser writes an IPv6 address in its one canonical form (RFC 5952).
  const canonical = new URL(`http://[${name}]/`).hostname;
  return canonical === '[::1]' || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(canonical);
}

/**
 * What to do when AUTH0_DOMAIN (`written`) names this computer: people who write `localhost` there
 * mean the local demo provider, which the app picks when AUTH0_DOMAIN is empty. `port` is the one
 * they wrote, where `npm run idp` may be listening.
 */
export function demoProviderAdvice(written: string, port?: number): string {
  return (
    `AUTH0_DOMAIN "${written}" names this computer, not an Auth0 tenant. ` +
    'For the local demo identity provider, leave AUTH0_DOMAIN empty: `npm start` then starts the provider itself. ' +
    `To use one already running from \`npm run idp\`, set ${DEMO_ISSUER_VARIABLE}=${demoIssuerOn(port)} instead (\`npm run doctor\` then checks it too). ` +
    'For your tenant, use its Domain from the Auth0 dashboard, for example tenant.us.auth0.com.'
  );
}

/** demoProviderAdvice for an accepted AUTH0_DOMAIN such as 127.0.0.1:4400, whose issuer is on this computer. */
export function demoProviderAdviceFor(issuer: URL): string {
  return demoProviderAdvice(issuer.host, issuer.port === '' ? undefined : Number(issuer.port));
}
