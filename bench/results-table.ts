import type { BundleFigures } from './bundle-sizes.js';
import type { Stats } from './stats.js';

/** Ours next to the peer for one login figure. */
export interface Comparison {
  readonly ours: Stats;
  readonly peer: Stats;
}

/** Everything one bench run measured, as bench/results.json stores it. */
export interface BenchResults {
  readonly machine: { cpus: number; model: string; node: string; platform: string };
  readonly date: string;
  readonly logins: number;
  readonly login: {
    readonly urlOpened: Comparison;
    readonly redirectToSignedIn: Comparison;
    readonly roundTrip: Comparison;
    readonly floor: { authorize: Stats; token: Stats };
    readonly oursExchange: Stats;
    readonly oursKeychainWrite: Stats;
  };
  readonly restore: { sinceProcessStart: Stats; restoreCall: Stats };
  readonly getAccessToken: {
    freshPerCallUs: number;
    concurrent50DuringRefresh: Stats;
    tokenRequestsPerRefresh: number[];
  };
  readonly bundles: BundleFigures;
}

const ms = (value: number): string => `${value.toFixed(1)} ms`;
const kb = (value: number): string => `${(value / 1024).toFixed(1)} KB`;
const medianAndP95 = (figure: Stats): string => `${ms(figure.median)} / ${ms(figure.p95)}`;
const rawAndGzip = (size: { raw: number; gzip: number }): string => `${kb(size.raw)} / ${kb(size.gzip)}`;

/** Prints the figures as an aligned table, ours next to AppAuth-JS where both were measured. */
export function printTable(results: BenchResults): void {
  const rows: string[][] = [
    ['figure', 'ours (median / p95)', 'AppAuth-JS (median / p95)', 'ours/peer'],
    ...loginRows(results.login),
    ...sessionAndBundleRows(results),
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  for (const row of rows)
    process.stdout.write(`${row.map((cell, column) => cell.padEnd(widths[column])).join('  ')}\n`);
  process.stdout.write(
    `\n${results.logins} logins each. The peer does no ID token validation and no keychain write; ours does both inside "callback -> signed in".\n`,
  );
}

function loginRows(login: BenchResults['login']): string[][] {
  const rows: string[][] = [];
  for (const [name, label] of [
    ['urlOpened', 'click -> sign-in URL handed to the browser'],
    ['redirectToSignedIn', 'callback -> signed in'],
    ['roundTrip', 'whole login (scripted person)'],
  ] as const) {
    const figure = login[name];
    rows.push([
      label,
      medianAndP95(figure.ours),
      medianAndP95(figure.peer),
      (figure.ours.median / figure.peer.median).toFixed(2),
    ]);
  }
  rows.push(['  of which: code exchange + ID token check', medianAndP95(login.oursExchange), '', '']);
  rows.push(['  of which: keychain write', medianAndP95(login.oursKeychainWrite), '', '']);
  rows.push(['floor: provider authorize + token', ms(login.floor.authorize.median + login.floor.token.median), '', '']);
  return rows;
}

function sessionAndBundleRows({ restore, getAccessToken, bundles }: BenchResults): string[][] {
  const tokenRequests = [...new Set(getAccessToken.tokenRequestsPerRefresh)].join(',');
  return [
    ['restore: process start -> signed in', medianAndP95(restore.sinceProcessStart), 'n/a (no session store)', ''],
    ['restore() call itself (keychain read)', ms(restore.restoreCall.median), '', ''],
    ['getAccessToken, fresh', `${getAccessToken.freshPerCallUs.toFixed(2)} µs/call`, 'n/a', ''],
    [
      '50 concurrent getAccessToken in a refresh',
      `${ms(getAccessToken.concurrent50DuringRefresh.median)} (token requests: ${tokenRequests})`,
      'n/a',
      '',
    ],
    ['main bundle (raw / gzip)', rawAndGzip(bundles.main), '', ''],
    ['auth core cold import', ms(bundles.coreColdImport.median), '', ''],
    ['renderer JS (raw / gzip)', rawAndGzip(bundles.rendererJs), '', ''],
    ['renderer CSS (raw / gzip)', rawAndGzip(bundles.rendererCss), '', ''],
  ];
}
