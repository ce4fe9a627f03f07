import type { BundleFigures } from './bundle-sizes.js';
import type { DpopCost } from './dpop-cost.js';
import type { NetworkSetting } from './network-logins.js';
import type { GoalVerdict, PairedFigure } from './paired-stats.js';
import type { Stats } from './stats.js';

/** Medians of the round trips on each critical path: requests, and new connections among them. */
export interface RoundTripFigures {
  readonly urlOpened: { requests: number; connections: number };
  readonly callbackToSignedIn: { requests: number; connections: number };
}

/** Ours and the peer over one network setting. */
export interface NetworkResults {
  readonly setting: NetworkSetting;
  readonly urlOpened: PairedFigure;
  readonly redirectToSignedIn: PairedFigure;
  readonly roundTrip: PairedFigure;
  readonly oursExchange: Stats;
  readonly oursKeychainWrite: Stats;
  readonly roundTrips: { ours: RoundTripFigures; peer: RoundTripFigures };
  /** The process's first login (the warm-up pair): discovery and JWKS not yet cached. */
  readonly firstLoginRoundTrips: { ours: RoundTripFigures; peer: RoundTripFigures };
}

/** Everything one bench run measured, as bench/results.json stores it. */
export interface BenchResults {
  readonly machine: { cpus: number; model: string; node: string; platform: string };
  readonly date: string;
  /** Seed of the order ours and the peer ran in; BENCH_SEED repeats it. */
  readonly seed: number;
  /** Recorded pairs per network setting (one more unrecorded pair warms both up). */
  readonly pairs: number;
  readonly networks: readonly NetworkResults[];
  /** The provider's own time for an authorize and a token request, over the 0 ms setting. */
  readonly floor: { authorize: Stats; token: Stats };
  readonly restore: { keychain: string; sinceProcessStart: Stats; restoreCall: Stats; firstKeychainRead: Stats };
  /** Resident set sizes in bytes, each measured in its own new process. */
  readonly memory: {
    oursAfterLogin?: Stats;
    peerAfterLogin?: Stats;
    oursAfterRestore: Stats;
    bareNode: Stats;
  };
  readonly getAccessToken: {
    freshPerCallUs: number;
    concurrent50DuringRefresh: Stats;
    tokenRequestsPerRefresh: number[];
  };
  readonly bundles: BundleFigures;
  /** Ours with DPoP and with AUTH0_DPOP=false, 0 ms setting. */
  readonly dpop: DpopCost;
  readonly goals: readonly GoalVerdict[];
}

const ms = (value: number): string => `${value.toFixed(1)} ms`;
const kb = (value: number): string => `${(value / 1024).toFixed(1)} KB`;
const mib = (value: number): string => `${(value / 1024 / 1024).toFixed(1)} MiB`;
const medianAndP95 = (figure: Stats): string => `${ms(figure.median)} / ${ms(figure.p95)}`;
const rawAndGzip = (size: { raw: number; gzip: number }): string => `${kb(size.raw)} / ${kb(size.gzip)}`;

function printRows(rows: string[][]): void {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  for (const row of rows)
    process.stdout.write(
      `${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ')}\n`.trimEnd() + '\n',
    );
}

/** Prints the figures as aligned tables: each network setting, then start-up and size, then the goals. */
export function printTable(results: BenchResults): void {
  for (const network of results.networks) {
    const thinking = network.setting.thinkMs
      ? `, the person spends ${network.setting.thinkMs / 1000} s on the sign-in page`
      : '';
    process.stdout.write(`\n${network.setting.name}${thinking}\n`);
    printRows([
      ['figure', 'ours (median / p95)', 'AppAuth-JS (median / p95)', 'ours/peer', 'paired diff (median / p95)'],
      ...loginRows(network),
    ]);
  }
  process.stdout.write('\n');
  printRows([['figure', 'ours', 'AppAuth-JS'], ...sessionAndBundleRows(results)]);
  process.stdout.write('\nWhat DPoP costs (HTTP, 0 ms round trip; ours with DPoP and with AUTH0_DPOP=false)\n');
  printRows([['figure', 'DPoP (median / p95)', 'Bearer (median / p95)'], ...dpopRows(results.dpop)]);
  process.stdout.write('\n');
  printRows([
    ['goal', 'measured', 'verdict'],
    ...results.goals.map((g) => [g.goal, g.measured, g.pass ? 'pass' : 'FAIL']),
  ]);
  process.stdout.write(
    `\n${results.pairs} pair${results.pairs === 1 ? '' : 's'} per setting (order seed ${results.seed}). The peer does no ID token validation and no keychain write; ours validates inside "callback -> signed in" and writes the keychain after it (signed in shows "Saving to your keychain…" until then).\n`,
  );
}

function loginRows(network: NetworkResults): string[][] {
  const rows: string[][] = [];
  for (const [name, label] of [
    ['urlOpened', 'click -> sign-in URL handed to the browser'],
    ['redirectToSignedIn', 'callback -> signed in'],
    ['roundTrip', 'whole login (scripted person)'],
  ] as const) {
    const figure = network[name];
    rows.push([
      label,
      medianAndP95(figure.ours),
      medianAndP95(figure.peer),
      figure.ratio.toFixed(2),
      medianAndP95(figure.difference),
    ]);
  }
  rows.push(...roundTripRows('round trips', network.roundTrips));
  rows.push(...roundTripRows('first login', network.firstLoginRoundTrips));
  rows.push(['  of which: code exchange + ID token check', medianAndP95(network.oursExchange)]);
  rows.push(['  then: keychain write, after signed in shows', medianAndP95(network.oursKeychainWrite)]);
  return rows;
}

function roundTripRows(label: string, figures: NetworkResults['roundTrips']): string[][] {
  const trips = (of: RoundTripFigures, path: keyof RoundTripFigures): string =>
    `${of[path].requests} requests, ${of[path].connections} new conn.`;
  return (['urlOpened', 'callbackToSignedIn'] as const).map((path) => [
    `  ${label}: ${path === 'urlOpened' ? 'click -> URL' : 'callback -> signed in'}`,
    trips(figures.ours, path),
    trips(figures.peer, path),
  ]);
}

function sessionAndBundleRows({ floor, restore, memory, getAccessToken, bundles }: BenchResults): string[][] {
  const tokenRequests = [...new Set(getAccessToken.tokenRequestsPerRefresh)].join(',');
  return [
    ['floor, 0 ms: provider authorize + token', ms(floor.authorize.median + floor.token.median)],
    [
      `restore, bundle: process start -> signed in (${restore.keychain})`,
      medianAndP95(restore.sinceProcessStart),
      'n/a (no session store)',
    ],
    ['restore() call itself (keychain read)', medianAndP95(restore.restoreCall)],
    ['  floor: first keychain read of a new process (keytar alone)', medianAndP95(restore.firstKeychainRead)],
    [
      'RSS after login (own process)',
      memory.oursAfterLogin ? mib(memory.oursAfterLogin.median) : 'not measured',
      memory.peerAfterLogin ? mib(memory.peerAfterLogin.median) : 'not measured',
    ],
    ['RSS after restore (own process)', mib(memory.oursAfterRestore.median)],
    ['RSS of bare node, for reference', mib(memory.bareNode.median)],
    ['getAccessToken, fresh', `${getAccessToken.freshPerCallUs.toFixed(2)} µs/call`, 'n/a'],
    [
      '50 concurrent getAccessToken in a refresh',
      `${ms(getAccessToken.concurrent50DuringRefresh.median)} (token requests: ${tokenRequests})`,
      'n/a',
    ],
    ['main bundle (raw / gzip)', rawAndGzip(bundles.main)],
    ['auth core cold import', ms(bundles.coreColdImport.median)],
    ['renderer JS (raw / gzip)', rawAndGzip(bundles.rendererJs)],
    ['renderer CSS (raw / gzip)', rawAndGzip(bundles.rendererCss)],
  ];
}

function dpopRows(dpop: DpopCost): string[][] {
  const row = (name: string, figure: { dpop: Stats; bearer: Stats }): string[] => [
    name,
    medianAndP95(figure.dpop),
    medianAndP95(figure.bearer),
  ];
  return [
    row('code exchange + ID token check', dpop.loginExchange),
    row('callback -> signed in', dpop.loginCallbackToSignedIn),
    row('Call API (DPoP: a new proof per call)', dpop.apiCall),
  ];
}
