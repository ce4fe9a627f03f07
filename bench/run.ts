// Measures what the person waits for, next to AppAuth-JS doing the same login in the same run.
// Figures only: nothing here fails for speed.
import { writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIdp } from '../tools/idp/start-idp.js';
import { startApp, testClock } from '../test/support/app-harness.js';
import { startKeychain } from '../test/support/keychain.js';
import { launchSystemBrowser } from '../test/support/system-browser.js';
import { measureBundles } from './bundle-sizes.js';
import { measureAuthorizeRequests, measureOurLogins, measurePeerLogins } from './login-timings.js';
import type { LoginSample, LoginStage } from './login-timings.js';
import { printTable, type BenchResults } from './results-table.js';
import { measureGetAccessToken, measureRestores } from './session-timings.js';
import { stats } from './stats.js';
import { createXdgOpen } from './xdg-open.js';

const root = join(import.meta.dirname, '..');
const LOGINS = Number(process.env['BENCH_LOGINS'] ?? 30);

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'desktop-login-bench-'));
  const keychain = await startKeychain();
  const keychainService = keychain.serviceName('bench');
  const [idp, browser] = await Promise.all([startIdp(), launchSystemBrowser()]);
  const opener = await createXdgOpen(work);
  const stage: LoginStage = { browser, opener, email: idp.users[0].email };

  const tokenRequestMs: number[] = [];
  const clock = testClock();
  const ours = startApp({
    idp,
    browser,
    keytar: keychain.keytar,
    clock,
    env: { KEYCHAIN_SERVICE: keychainService },
    deps: { openBrowser: (url) => opener.open(url), network: { fetch: timedTokenRequests(tokenRequestMs) } },
  });
  const oursSamples = await measureOurLogins(ours.service, stage, LOGINS);
  const peerSamples = await measurePeerLogins(idp, stage, LOGINS);
  const authorizeMs = await measureAuthorizeRequests(idp, LOGINS);
  const restores = await measureRestores(root, idp, keychainService);
  const tokens = await measureGetAccessToken(ours.service, clock, idp);
  const bundles = await measureBundles(root, work);

  const results: BenchResults = {
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      platform: process.platform,
    },
    date: new Date().toISOString(),
    logins: LOGINS,
    login: loginFigures(oursSamples, peerSamples, {
      authorize: stats(authorizeMs),
      token: stats(tokenRequestMs.slice(0, LOGINS)),
    }),
    restore: { sinceProcessStart: stats(restores.restoreMs), restoreCall: stats(restores.restoreInternalMs) },
    getAccessToken: {
      freshPerCallUs: tokens.freshPerCallUs,
      concurrent50DuringRefresh: stats(tokens.concurrentWallMs),
      tokenRequestsPerRefresh: tokens.tokenRequestsPerRefresh,
    },
    bundles,
  };
  await mkdir(join(root, 'bench'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  printTable(results);

  await ours.service.dispose();
  await Promise.all([idp.close(), browser.close(), opener.close()]);
  await keychain.close();
  await rm(work, { recursive: true, force: true });
}

/** fetch that records how long each token endpoint request took. */
function timedTokenRequests(tokenRequestMs: number[]): typeof fetch {
  return async (input, init) => {
    const started = performance.now();
    const response = await fetch(input, init);
    if (String(input instanceof Request ? input.url : input).endsWith('/oauth/token')) {
      tokenRequestMs.push(performance.now() - started);
    }
    return response;
  };
}

function loginFigures(
  oursSamples: readonly LoginSample[],
  peerSamples: readonly LoginSample[],
  floor: BenchResults['login']['floor'],
): BenchResults['login'] {
  const compare = (figure: (sample: LoginSample) => number) => ({
    ours: stats(oursSamples.map(figure)),
    peer: stats(peerSamples.map(figure)),
  });
  return {
    urlOpened: compare((s) => s.urlOpenedMs),
    redirectToSignedIn: compare((s) => s.redirectToSignedInMs),
    roundTrip: compare((s) => s.roundTripMs),
    floor,
    oursExchange: stats(oursSamples.map((s) => s.exchangeMs ?? NaN)),
    oursKeychainWrite: stats(oursSamples.map((s) => s.saveMs ?? NaN)),
  };
}

await main();
