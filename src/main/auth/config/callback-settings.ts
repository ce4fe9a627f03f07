/** Where the one-shot loopback server listens. */
export interface CallbackSettings {
  /** The IP literal, never `localhost` (RFC 8252 §8.3). */
  readonly host: '127.0.0.1';
  readonly path: string;
  /** Ports to try in order; a single 0 means "any free port" (only where the provider accepts any loopback port). */
  readonly ports: readonly number[];
}

/**
 * The default callback port lies below every operating system's ephemeral (dynamic) port range,
 * so no program's outgoing connection can be holding it when a sign-in starts (DESIGN checklist
 * 15): Linux hands out 32768–60999 (net.ipv4.ip_local_port_range), macOS and Windows
 * 49152–65535 (the IANA dynamic range). It also stays clear of the well-known ports (below 1024)
 * and of Kubernetes' NodePort range (30000–32767), which local clusters bind on the host.
 * The documented fallbacks are the two ports after it.
 */
export const DEFAULT_CALLBACK_PORT = 28460;
/** The callback URL to register in Auth0 when AUTH0_CALLBACK_URL is not set. */
export const DEFAULT_CALLBACK_URL = `http://127.0.0.1:${DEFAULT_CALLBACK_PORT}/callback`;

/**
 * Reads AUTH0_CALLBACK_URL and AUTH0_CALLBACK_PORTS; every mistake goes to `problems`, and
 * then there are no settings.
 */
export function parseCallback(
  rawUrl: string | undefined,
  rawPorts: string | undefined,
  demo: boolean,
  problems: string[],
): CallbackSettings | undefined {
  // The demo provider accepts any loopback port (RFC 8252 §7.3), so it can bind an ephemeral one.
  if (rawUrl === undefined && rawPorts === undefined && demo) {
    return { host: '127.0.0.1', path: '/callback', ports: [0] };
  }
  let url: URL;
  try {
    url = new URL(rawUrl ?? DEFAULT_CALLBACK_URL);
  } catch {
    problems.push(`AUTH0_CALLBACK_URL "${rawUrl}" is not a URL; use for example ${DEFAULT_CALLBACK_URL}.`);
    return undefined;
  }
  const before = problems.length;
  checkCallbackUrl(url, rawUrl, problems);
  const ports: number[] = [];
  if (url.port !== '') {
    const port = Number(url.port);
    if (port < 1024) problems.push(`AUTH0_CALLBACK_URL port ${port} is privileged; use a port from 1024 to 65535.`);
    ports.push(port);
  }
  addFallbackPorts(rawPorts, ports, problems);
  if (problems.length > before) return undefined;
  return { host: '127.0.0.1', path: url.pathname, ports };
}

/** The callback URL must be plain http on the IPv4 loopback literal with an explicit port (RFC 8252 §7.3, §8.3). */
function checkCallbackUrl(url: URL, rawUrl: string | undefined, problems: string[]): void {
  if (url.protocol !== 'http:') {
    problems.push(
      `AUTH0_CALLBACK_URL must use http:// on the loopback address (the browser hands the sign-in back to the app on this computer), for example ${DEFAULT_CALLBACK_URL}.`,
    );
  }
  if (url.hostname === 'localhost') {
    problems.push(
      'AUTH0_CALLBACK_URL must use 127.0.0.1, not localhost: "localhost" can resolve elsewhere or to IPv6 (RFC 8252 §8.3). Register http://127.0.0.1:<port>/callback in Auth0 too.',
    );
  } else if (url.hostname !== '127.0.0.1') {
    problems.push(`AUTH0_CALLBACK_URL must point at this computer (127.0.0.1), not "${url.hostname}".`);
  }
  if (url.username || url.password || url.search || url.hash) {
    problems.push('AUTH0_CALLBACK_URL must not contain a user name, query or fragment.');
  }
  if (url.port === '' && /^http:\/\/[^/]*:80(?:[/?#]|$)/i.test(rawUrl ?? '')) {
    problems.push('AUTH0_CALLBACK_URL port 80 is privileged; use a port from 1024 to 65535.');
  } else if (url.port === '') {
    problems.push(
      `AUTH0_CALLBACK_URL needs an explicit port, for example :${DEFAULT_CALLBACK_PORT}, and the same URL with that port in Allowed Callback URLs in Auth0 (Auth0 matches the port exactly).`,
    );
  }
}

/** AUTH0_CALLBACK_PORTS: comma-separated fallback ports, each unprivileged and listed once. */
function addFallbackPorts(rawPorts: string | undefined, ports: number[], problems: string[]): void {
  for (const entry of rawPorts
    ?.split(',')
    .map((part) => part.trim())
    .filter(Boolean) ?? []) {
    const port = Number(entry);
    if (!/^\d+$/.test(entry) || !Number.isInteger(port) || port < 1024 || port > 65535) {
      problems.push(`AUTH0_CALLBACK_PORTS has "${entry}", which is not a port from 1024 to 65535.`);
    } else if (ports.includes(port)) {
      problems.push(`AUTH0_CALLBACK_PORTS lists port ${port} twice.`);
    } else {
      ports.push(port);
    }
  }
}

/** The redirect URI for a bound port: the IP literal, never `localhost` (RFC 8252 §7.3). */
export function redirectUriFor(callback: CallbackSettings, port: number): string {
  return `http://${callback.host}:${port}${callback.path}`;
}
