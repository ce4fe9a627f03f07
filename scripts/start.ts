import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { DEMO_ISSUER_VARIABLE, withDotEnv } from '../src/main/auth/config.js';
import { ELECTRON_MISSING_MESSAGE, findElectronBinary } from './electron-binary.js';

// Starts the built app. With no Auth0 tenant configured it first starts the local demo
// identity provider, so the app works out of the box.
const electron = findElectronBinary();
if (electron === undefined) {
  process.stderr.write(`${ELECTRON_MISSING_MESSAGE}\n`);
  process.exit(1);
}

const env: Record<string, string | undefined> = { ...withDotEnv(process.env, resolve('.env')) };
let stopIdp: (() => Promise<void>) | undefined;
if (!env['AUTH0_DOMAIN']) {
  const { startIdp } = await import('../tools/idp/start-idp.js');
  const idp = await startIdp({ port: Number(env['IDP_PORT'] ?? 4400) });
  stopIdp = () => idp.close();
  env[DEMO_ISSUER_VARIABLE] = idp.issuer;
  env['AUTH0_AUDIENCE'] ??= idp.audience;
  process.stdout.write(
    `Demo sign-in, not your Auth0 tenant: using the local identity provider at ${idp.issuer}\n` +
      `Sign in as ${idp.users[0]?.email ?? 'a demo user'} with the password "demo". Set AUTH0_DOMAIN in .env to use your tenant.\n`,
  );
}

const child = spawn(electron, ['.'], { stdio: 'inherit', env });
const stop = (signal: NodeJS.Signals): void => void child.kill(signal);
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
child.on('exit', (code) => {
  void (stopIdp?.() ?? Promise.resolve()).finally(() => process.exit(code ?? 0));
});
