// Measures what the person waits for, next to AppAuth-JS doing the same login in the same run, over
// a loopback network with a realistic latency. Figures and goal verdicts only: nothing here fails
// the process for speed.
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKeepAliveFetch } from '../src/main/auth/oidc/keep-alive-fetch.js';
import { startKeychain } from '../test/support/keychain.js';
import { launchSystemBrowser } from '../test/support/system-browser.js';
import { createTestCa, testCaUnavailableReason, trustInThisProcess, type TestCa } from '../test/support/test-ca.js';
import { BenchSettingError, readBenchSettings, type BenchSettings } from './bench-settings.js';
import { measureBundles } from './bundle-sizes.js';
import { judgeGoals } from './goals.js';
import { measureDpopCost } from './dpop-cost.js';
import { measureAuthorizeRequests, type LoginSample, type LoginStage } from './login-timings.js';
import { measureLoginMemory } from './login-memory.js';
import {
  measurePairs,
  startNetwork,
  type Network,
  type NetworkDeps,
  type NetworkSetting,
  type PairedSamples,
} from './network-logins.js';
import { pairedFigure } from './paired-stats.js';
import { printTable, type BenchResults, type NetworkResults, type RoundTripFigures } from './results-table.js';
import { measureGetAccessToken, measureRestores } from './session-timings.js';
import { stats } from './stats.js';
import { createXdgOpen } from './xdg-open.js';

const root = join(import.meta.dirname, '..');
// BENCH_PAIRS, BENCH_SEED and BENCH_RESULTS: see bench/bench-settings.ts.
const { pairs: PAIRS, seed: SEED, resultsPath: RESULTS_PATH } = settingsOrExit();
/** One-way delays: 0 and 25 ms are 0 and 50 ms round trip. */
const SETTINGS: readonly NetworkSetting[] = [
  { name: 'HTTP, 0 ms round trip', oneWayMs: 0, tls: false },
  { name: 'HTTP, 50 ms round trip', oneWayMs: 25, tls: false },
  // A real tenant is HTTPS, and a real person takes a few seconds to sign in.
  { name: 'HTTPS, 50 ms round trip', oneWayMs: 25, tls: true, thinkMs: 5_000 },
];

async function main(): Promise<void> {
  process.stdout.write(
    `order seed ${SEED} (BENCH_SEED=${SEED} repeats it), ${PAIRS} pair${PAIRS === 1 ? '' : 's'} per setting\n`,
  );
  const work = await mkdtemp(join(tmpdir(), 'desktop-login-bench-'));
  const keychain = await startKeychain();
  const keychainService = keychain.serviceName('bench');
  const ca = trustedCa();
  const browser = await launchSystemBrowser(ca ? { trustedSpkiHashes: [ca.serverSpkiHash] } : {});
  const opener = await createXdgOpen(work);
  const base: BenchBase = { browser, opener, keytar: keychain.keytar, keychainService, ca };
  const measured = await measureNetworks(base, work);
  const memory = await measureLoginMemory(root, work, { browser, opener }, keychainService);
  const bundles = await measureBundles(root, work);
  const partial = {
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      platform: process.platform,
    },
    date: new Date().toISOString(),
    seed: SEED,
    pairs: PAIRS,
    ...measured,
    memory: {
      ...memory,
      oursAfterRestore: stats(measured.restores.rssBytes),
      bareNode: stats(measured.restores.bareNodeRssBytes),
    },
    bundles,
  };
  // The raw restore samples served the memory figures; results.json keeps the summaries.
  const { restores: _restores, ...figures } = partial;
  const results: BenchResults = { ...figures, goals: judgeGoals(figures) };
  writeFileSync(RESULTS_PATH, `${JSON.stringify(results, null, 2)}\n`);
  printTable(results);

  await Promise.all([browser.close(), opener.close()]);
  await keychain.close();
  await rm(work, { recursive: true, force: true });
}

/** The settings, or exit 2 with one line: a bad value is the person's typo, not a crash to debug. */
function settingsOrExit(): BenchSettings {
  try {
    return readBenchSettings(process.env, root);
  } catch (error) {
    if (!(error instanceof BenchSettingError)) throw error;
    process.stderr.write(`bench: ${error.message}\n`);
    process.exit(2);
  }
}

/** The test CA, trusted by this process, or undefined (and the HTTPS setting skipped) without openssl. */
function trustedCa(): TestCa | undefined {
  const reason = testCaUnavailableReason();
  if (reason) {
    process.stdout.write(`HTTPS setting skipped: ${reason}\n`);
    return undefined;
  }
  const ca = createTestCa();
  trustInThisProcess(ca);
  return ca;
}

/** What the bench starts once and every network setting shares. */
interface BenchBase extends Omit<NetworkDeps, 'stage' | 'fetch'> {
  readonly browser: NetworkDeps['stage']['browser'];
  readonly opener: NetworkDeps['stage']['opener'];
}

/** Figures taken once, over the 0 ms setting, after its logins. */
type OnceFigures = Pick<BenchResults, 'floor' | 'restore' | 'getAccessToken' | 'dpop'> & {
  restores: Awaited<ReturnType<typeof measureRestores>>;
};

/** Every network setting in turn; the 0 ms one also gives the floor, the restores and getAccessToken. */
async function measureNetworks(base: BenchBase, work: string): Promise<{ networks: NetworkResults[] } & OnceFigures> {
  const networks: NetworkResults[] = [];
  const tokenRequestMs: number[] = [];
  let once: OnceFigures | undefined;
  for (const setting of SETTINGS) {
    if (setting.tls && !base.ca) continue;
    const stage = { browser: base.browser, opener: base.opener, email: '' };
    const deps: NetworkDeps = { ...base, stage, ...(once ? {} : { fetch: timedTokenRequests(tokenRequestMs) }) };
    const network = await startNetwork(setting, deps);
    try {
      const email = network.idp.users[0].email;
      const samples = await measurePairs(network, { ...stage, email }, { pairs: PAIRS, seed: SEED });
      networks.push(networkFigures(setting, samples));
      once ??= await measureOnce(network, { ...stage, email }, base.keychainService, work, tokenRequestMs);
    } finally {
      await network.close();
    }
  }
  if (!once) throw new Error('no network setting ran');
  return { networks, ...once };
}

async function measureOnce(
  network: Network,
  stage: Omit<LoginStage, 'count'>,
  keychainService: string,
  work: string,
  tokenRequestMs: readonly number[],
): Promise<OnceFigures> {
  const restores = await measureRestores(root, work, network.idp, keychainService);
  const tokens = await measureGetAccessToken(network.ours.service, network.clock, network.idp);
  const dpop = await measureDpopCost(network, { ...stage, count: () => ({ requests: 0, connections: 0 }) });
  return {
    dpop,
    floor: { authorize: stats(await measureAuthorizeRequests(network.idp, 10)), token: stats(tokenRequestMs) },
    restore: {
      keychain: process.platform === 'linux' ? 'gnome-keyring, Secret Service' : 'OS keychain',
      sinceProcessStart: stats(restores.restoreMs),
      restoreCall: stats(restores.restoreInternalMs),
      firstKeychainRead: stats(restores.firstKeychainReadMs),
    },
    restores,
    getAccessToken: {
      freshPerCallUs: tokens.freshPerCallUs,
      concurrent50DuringRefresh: stats(tokens.concurrentWallMs),
      tokenRequestsPerRefresh: tokens.tokenRequestsPerRefresh,
    },
  };
}

/** fetch that records how long each token endpoint request took. */
function timedTokenRequests(tokenRequestMs: number[]): typeof fetch {
  // The app's own HTTP client underneath, so this setting's logins run as the app's do.
  const base = createKeepAliveFetch().fetch;
  return async (input, init) => {
    const started = performance.now();
    const response = await base(input, init);
    if (String(input instanceof Request ? input.url : input).endsWith('/oauth/token')) {
      tokenRequestMs.push(performance.now() - started);
    }
    return response;
  };
}

function networkFigures(setting: NetworkSetting, samples: PairedSamples): NetworkResults {
  const compare = (figure: (sample: LoginSample) => number) =>
    pairedFigure(samples.ours.map(figure), samples.peer.map(figure));
  return {
    setting,
    urlOpened: compare((s) => s.urlOpenedMs),
    redirectToSignedIn: compare((s) => s.redirectToSignedInMs),
    roundTrip: compare((s) => s.roundTripMs),
    oursExchange: stats(samples.ours.map((s) => s.exchangeMs ?? NaN)),
    oursKeychainWrite: stats(samples.ours.map((s) => s.saveMs ?? NaN)),
    roundTrips: { ours: roundTripMedians(samples.ours), peer: roundTripMedians(samples.peer) },
    firstLoginRoundTrips: { ours: samples.first.ours.roundTrips, peer: samples.first.peer.roundTrips },
  };
}

function roundTripMedians(samples: readonly LoginSample[]): RoundTripFigures {
  const median = (pick: (sample: LoginSample) => number): number => stats(samples.map(pick)).median;
  return {
    urlOpened: {
      requests: median((s) => s.roundTrips.urlOpened.requests),
      connections: median((s) => s.roundTrips.urlOpened.connections),
    },
    callbackToSignedIn: {
      requests: median((s) => s.roundTrips.callbackToSignedIn.requests),
      connections: median((s) => s.roundTrips.callbackToSignedIn.connections),
    },
  };
}

await main();
