import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { DEMO_ISSUER_VARIABLE, withDotEnv } from '../src/main/auth/config/config.js';
import { ensureElectronBinary } from './fetch-electron.js';
import { ROOT_WITHOUT_SANDBOX_MESSAGE, StartError, startDemoIdp } from './start-demo-idp.js';

// `npm start`: builds (package.json), then starts the app from the folder npm runs it in.
// With no Auth0 tenant configured it first starts the local demo identity provider, so the
// app works out of the box. Every failure ends in one or two plain sentences and exit 1.
const projectDir = process.cwd();
const args = process.argv.slice(2);

try {
  process.exitCode = await start();
} catch (error) {
  const message = error instanceof StartError ? error.message : `npm start failed: ${(error as Error).message}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

async function start(): Promise<number> {
  const env = { ...withDotEnv(process.env, resolve(projectDir, '.env')) };
  const electron = await ensureElectronBinary(projectDir, {
    env,
    onFetch: (version) =>
      process.stdout.write(`Fetching the Electron ${version} binary (first start only, about 100 MB)...\n`),
  });
  if (!electron.ok) throw new StartError(electron.message);
  // After the fetch, so a person fixing this is not then stopped by a missing binary.
  if (process.platform === 'linux' && process.getuid?.() === 0 && !args.includes('--no-sandbox')) {
    throw new StartError(ROOT_WITHOUT_SANDBOX_MESSAGE);
  }

  let stopIdp = (): Promise<void> => Promise.resolve();
  // DESKTOP_LOGIN_DEMO_ISSUER already set means a provider from `npm run idp` is running: use it.
  if (!env['AUTH0_DOMAIN'] && !env[DEMO_ISSUER_VARIABLE]) {
    const idp = await startDemoIdp(env['IDP_PORT'], (line) => process.stdout.write(`${line}\n`));
    stopIdp = () => idp.close();
    env[DEMO_ISSUER_VARIABLE] = idp.issuer;
    env['AUTH0_AUDIENCE'] ??= idp.audience;
  }
  try {
    return await runElectron(electron.binary, [projectDir, ...args], env);
  } finally {
    await stopIdp();
  }
}

function runElectron(binary: string, electronArgs: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const child = spawn(binary, electronArgs, { stdio: 'inherit', env });
  const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(new StartError(`Could not start Electron at ${binary} (${error.code ?? error.message}).`)),
    );
    child.once('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      if (signal !== null && signal !== 'SIGINT' && signal !== 'SIGTERM') {
        process.stderr.write(`Electron stopped unexpectedly (${signal}).\n`);
      }
      resolve(code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1));
    });
  });
}
