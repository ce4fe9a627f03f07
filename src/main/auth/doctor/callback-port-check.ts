import { createServer } from 'node:http';
import { isAuthError } from '../auth-error.js';
import { redirectUriFor, type CallbackSettings } from '../config/config.js';
import { silentLogger } from '../logger.js';
import { bindLoopback } from '../loopback/loopback-server.js';
import { result, type CheckResult } from './check-result.js';

/** The port check, and the redirect URIs the provider checks should try (one per configured port). */
export interface PortOutcome {
  readonly check: CheckResult;
  readonly redirectUris: readonly string[];
}

/** What binding each configured port found. */
interface PortTally {
  readonly busy: readonly number[];
  /** Ports that could be bound only on [::1]. */
  readonly ipv6Only: readonly number[];
  readonly redirectUris: readonly string[];
}

/**
 * Binds each configured callback port with the app's own `bindLoopback`, then lets it go.
 * A busy first port with a free fallback still signs in, so only "all busy" fails.
 */
export async function checkCallbackPorts(callback: CallbackSettings): Promise<PortOutcome> {
  const tally = await bindEachPort(callback);
  if ('check' in tally) return tally;
  return judgePorts(callback, tally);
}

/** The tally of every port, or the failed check when the loopback interface itself refuses. */
async function bindEachPort(callback: CallbackSettings): Promise<PortTally | PortOutcome> {
  const busy: number[] = [];
  const ipv6Only: number[] = [];
  const redirectUris: string[] = [];
  for (const port of callback.ports) {
    const server = createServer();
    try {
      const bound = await bindLoopback(server, [port], silentLogger);
      if (bound.host !== '127.0.0.1') ipv6Only.push(bound.port);
      // Port 0 (demo provider, any loopback port) becomes the ephemeral port the OS chose.
      redirectUris.push(redirectUriFor(callback, bound.port));
    } catch (error) {
      if (!isAuthError(error, 'port_in_use')) {
        return {
          check: result(
            'callback-ports',
            'fail',
            isAuthError(error) ? error.message : String(error),
            'Make sure the loopback interface (127.0.0.1) is up and no firewall or security tool blocks listening on it.',
          ),
          redirectUris: callback.ports.filter((p) => p !== 0).map((p) => redirectUriFor(callback, p)),
        };
      }
      busy.push(port);
      redirectUris.push(redirectUriFor(callback, port));
    } finally {
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
  return { busy, ipv6Only, redirectUris };
}

function judgePorts(callback: CallbackSettings, { busy, ipv6Only, redirectUris }: PortTally): PortOutcome {
  const named = callback.ports.map((port) => (port === 0 ? 'any free port' : String(port))).join(', ');
  if (busy.length > 0) {
    const findIt = busy
      .map(
        (port) =>
          `find what holds port ${port} with \`lsof -nP -iTCP:${port} -sTCP:LISTEN\` (macOS, Linux) or \`netstat -ano | findstr :${port}\` (Windows)`,
      )
      .join('; ');
    const fix = `Close the program using it (${findIt}), or add a free port to AUTH0_CALLBACK_PORTS and register http://127.0.0.1:<that port>${callback.path} in Allowed Callback URLs.`;
    if (busy.length === callback.ports.length) {
      return {
        check: result(
          'callback-ports',
          'fail',
          `Another program is listening on ${busy.join(', ')}: the sign-in has no port to return to.`,
          fix,
        ),
        redirectUris,
      };
    }
    return {
      check: result(
        'callback-ports',
        'warn',
        `Port ${busy.join(', ')} is busy right now; the app will use the next free port of ${named}.`,
        fix,
      ),
      redirectUris,
    };
  }
  if (ipv6Only.length > 0) {
    return {
      check: result(
        'callback-ports',
        'warn',
        `127.0.0.1 is not available, so port ${ipv6Only.join(', ')} was bound on [::1]; Auth0 callback URLs name 127.0.0.1.`,
        'Enable the IPv4 loopback interface (127.0.0.1), or register http://[::1]:<port>/callback as well.',
      ),
      redirectUris,
    };
  }
  return { check: result('callback-ports', 'pass', `Can listen on 127.0.0.1 port ${named}.`), redirectUris };
}
