import { DEFAULT_IDP_PORT, parseIdpPort } from '../tools/idp/idp-port.js';
import { startIdp, type RunningIdp } from '../tools/idp/start-idp.js';

/** What `npm start` says when it will not run Electron as root (Electron itself refuses to). */
export const ROOT_WITHOUT_SANDBOX_MESSAGE =
  'Electron does not start as root on Linux. Start it as a normal user, or accept a weaker sandbox with `npm start -- --no-sandbox`.';

/** What `npm start` says when the port the person chose for the demo provider is taken. */
export function busyIdpPortMessage(port: number): string {
  return `Port ${port} (IDP_PORT) is already in use. Stop what uses it, or set IDP_PORT to a free port (0 picks one).`;
}

/** A start-up failure whose message is already the plain sentence to print. */
export class StartError extends Error {
  override readonly name = 'StartError';
}

/**
 * Starts the local demo provider for `npm start`. An IDP_PORT the person chose is honoured
 * or the start fails with what to do; the default port, when busy (often `npm run idp`
 * itself, or a second copy of the app), gives way to a free one, because nothing registered
 * anywhere depends on the demo provider's port.
 */
export async function startDemoIdp(rawPort: string | undefined, say: (line: string) => void): Promise<RunningIdp> {
  let chosen: number | undefined;
  try {
    chosen = parseIdpPort(rawPort);
  } catch (error) {
    throw new StartError((error as Error).message);
  }
  let idp: RunningIdp;
  try {
    idp = await startIdp({ port: chosen ?? DEFAULT_IDP_PORT });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    if (chosen !== undefined) {
      throw new StartError(busyIdpPortMessage(chosen));
    }
    idp = await startIdp({ port: 0 });
    say(`Port ${DEFAULT_IDP_PORT} is busy, so the demo identity provider uses port ${idp.port} instead.`);
  }
  say(
    `Demo sign-in, not your Auth0 tenant: using the local identity provider at ${idp.issuer}\n` +
      `Sign in as ${idp.users[0]?.email ?? 'a demo user'} with the password "demo". Set AUTH0_DOMAIN in .env to use your tenant.`,
  );
  return idp;
}
