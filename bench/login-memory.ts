import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'vite';
import { startIdp } from '../tools/idp/start-idp.js';
import { personSignsInAt, type LoginStage } from './login-timings.js';
import { stats, type Stats } from './stats.js';

const run = promisify(execFile);
const LOGINS = 3;

/**
 * Resident set size after one login, ours and the peer's, each bundled the same way and run in its
 * own new Node process (the bench process carries Playwright and the provider, which would drown
 * the difference). The bench plays the person in the browser for both.
 */
export async function measureLoginMemory(
  root: string,
  work: string,
  stage: Pick<LoginStage, 'browser' | 'opener'>,
  keychainService: string,
): Promise<{ oursAfterLogin: Stats; peerAfterLogin: Stats }> {
  const outDir = join(work, 'login-probes');
  await buildProbes(root, outDir);
  const idp = await startIdp({ keepAlive: true });
  const counted: LoginStage = { ...stage, email: idp.users[0].email, count: () => ({ requests: 0, connections: 0 }) };
  const env = {
    ...process.env,
    NODE_PATH: join(root, 'node_modules'),
    BENCH_ISSUER: idp.issuer,
    BENCH_ORIGIN: idp.origin,
    BENCH_CLIENT_ID: idp.clientId,
    BENCH_AUDIENCE: idp.audience,
    BENCH_KEYCHAIN_SERVICE: keychainService,
  };
  const rssAfterLogin = async (probe: string): Promise<number> => {
    const child = run(process.execPath, [join(outDir, probe)], { env });
    const { url } = await stage.opener.next();
    await personSignsInAt(counted, url);
    const { stdout } = await child;
    const result = JSON.parse(stdout) as { status: string; rss: number };
    if (result.status !== 'signed-in') throw new Error(`${probe}: the login did not finish`);
    return result.rss;
  };
  const ours: number[] = [];
  const peer: number[] = [];
  try {
    for (let index = 0; index < LOGINS; index += 1) {
      ours.push(await rssAfterLogin('login-probe.mjs'));
      peer.push(await rssAfterLogin('peer-login-probe.mjs'));
    }
  } finally {
    await idp.close();
  }
  return { oursAfterLogin: stats(ours), peerAfterLogin: stats(peer) };
}

/** Both probes through the same Vite build, so neither side pays for a loader the other skips. */
async function buildProbes(root: string, outDir: string): Promise<void> {
  await build({
    logLevel: 'silent',
    configFile: false,
    build: {
      ssr: true,
      outDir,
      target: 'node22',
      rollupOptions: {
        input: {
          'login-probe': join(root, 'bench', 'login-probe.ts'),
          'peer-login-probe': join(root, 'bench', 'peer-login-probe.ts'),
        },
        external: ['keytar', /^node:/],
        output: { format: 'es', entryFileNames: '[name].mjs' },
      },
    },
    ssr: { noExternal: true },
  });
}
