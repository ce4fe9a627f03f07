// Measures what the person waits for, next to AppAuth-JS doing the same login in the same run.
// Figures only: nothing here fails for speed.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import * as client from 'openid-client';
import { build } from 'vite';
import { startIdp } from '../tools/idp/start-idp.js';
import { startApp, testClock } from '../test/support/app-harness.js';
import { startKeychain } from '../test/support/keychain.js';
import { acceptConsent, signIn } from '../test/support/sign-in.js';
import { launchSystemBrowser, type SystemBrowser } from '../test/support/system-browser.js';
import { runPeerLogin, loadPeerConfiguration } from './peer-appauth.js';
import { createXdgOpen } from './xdg-open.js';
import { stats, type Stats } from './stats.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');
const LOGINS = Number(process.env['BENCH_LOGINS'] ?? 30);

interface LoginSample {
  /** Ours only: code exchange + ID token validation, and the keychain write, from the state events. */
  readonly exchangeMs?: number;
  readonly saveMs?: number;
  readonly urlOpenedMs: number;
  readonly redirectToSignedInMs: number;
  readonly roundTripMs: number;
}

/** Plays the person in a fresh browser profile; returns when the callback request left the browser. */
async function personSignsInAt(
  browser: SystemBrowser,
  url: string,
  email: string,
): Promise<{ callbackAt: Promise<number> }> {
  const context = await browser.newProfile();
  const page = await context.newPage();
  const callbackAt = new Promise<number>((resolve) => {
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/callback') resolve(performance.now());
    });
  });
  await page.goto(url);
  await signIn(page, email, 'demo');
  await acceptConsent(page);
  void callbackAt.finally(() => setTimeout(() => void context.close(), 200));
  return { callbackAt };
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'desktop-login-bench-'));
  const keychain = await startKeychain();
  const keytar = keychain.keytar;
  const keychainService = keychain.serviceName('bench');
  const [idp, browser] = await Promise.all([startIdp(), launchSystemBrowser()]);
  const opener = await createXdgOpen(work);
  const email = idp.users[0].email;

  // ---- ours: the real auth core, xdg-open as the system browser hand-off, the real keychain
  const tokenRequestMs: number[] = [];
  const timedFetch: typeof fetch = async (input, init) => {
    const started = performance.now();
    const response = await fetch(input, init);
    if (String(input instanceof Request ? input.url : input).endsWith('/oauth/token')) {
      tokenRequestMs.push(performance.now() - started);
    }
    return response;
  };
  const clock = testClock();
  const ours = startApp({
    idp,
    browser,
    keytar,
    clock,
    env: { KEYCHAIN_SERVICE: keychainService },
    deps: { openBrowser: (url) => opener.open(url), network: { fetch: timedFetch } },
  });
  const oursSamples: LoginSample[] = [];
  for (let index = 0; index < LOGINS; index += 1) {
    const started = performance.now();
    let signedInAt = 0;
    let exchangingAt = 0;
    let savingAt = 0;
    const unsubscribe = ours.service.subscribe((state) => {
      if (state.status === 'signed-in') signedInAt = performance.now();
      if (state.status === 'signing-in' && state.step === 'exchanging-code') exchangingAt = performance.now();
      if (state.status === 'signing-in' && state.step === 'saving-session') savingAt = performance.now();
    });
    const done = ours.service.login();
    const { url, at: openedAt } = await opener.next();
    const { callbackAt } = await personSignsInAt(browser, url, email);
    const final = await done;
    unsubscribe();
    if (final.status !== 'signed-in') throw new Error(`login failed: ${JSON.stringify(final)}`);
    oursSamples.push({
      exchangeMs: savingAt - exchangingAt,
      saveMs: signedInAt - savingAt,
      urlOpenedMs: openedAt - started,
      redirectToSignedInMs: signedInAt - (await callbackAt),
      roundTripMs: signedInAt - started,
    });
  }

  // ---- peer: AppAuth-JS with its Node loopback handler, same provider, browser and hand-off
  const peerConfig = await loadPeerConfiguration(idp.origin);
  const peerSamples: LoginSample[] = [];
  for (let index = 0; index < LOGINS; index += 1) {
    const started = performance.now();
    const peer = quietly(() =>
      runPeerLogin(peerConfig, { clientId: idp.clientId, audience: idp.audience, port: 53790 }),
    );
    const { url, at: openedAt } = await opener.next();
    const { callbackAt } = await personSignsInAt(browser, url, email);
    const doneAt = await peer;
    peerSamples.push({
      urlOpenedMs: openedAt - started,
      redirectToSignedInMs: doneAt - (await callbackAt),
      roundTripMs: doneAt - started,
    });
  }

  // ---- floor: the provider's own time for an authorize request made directly, plus its token endpoint time
  const oidc = await client.discovery(new URL(idp.issuer), idp.clientId, undefined, client.None(), {
    execute: [client.allowInsecureRequests],
  });
  const authorizeMs: number[] = [];
  for (let index = 0; index < LOGINS; index += 1) {
    const url = client.buildAuthorizationUrl(oidc, {
      redirect_uri: 'http://127.0.0.1:53791/callback',
      scope: 'openid profile email offline_access',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state: client.randomState(),
      audience: idp.audience,
    });
    const started = performance.now();
    const response = await fetch(url, { redirect: 'manual' });
    await response.arrayBuffer();
    authorizeMs.push(performance.now() - started);
  }

  // ---- start-up restore in a new process: process start -> signed-in from the keychain
  const restoreMs: number[] = [];
  const restoreInternalMs: number[] = [];
  for (let index = 0; index < 10; index += 1) {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', join(root, 'bench', 'restore-probe.ts')], {
      env: {
        ...process.env,
        BENCH_ISSUER: idp.issuer,
        BENCH_AUDIENCE: idp.audience,
        BENCH_KEYCHAIN_SERVICE: keychainService,
      },
    });
    const figures = JSON.parse(stdout) as { sinceProcessStartMs: number; restoreMs: number; status: string };
    if (figures.status !== 'signed-in') throw new Error('restore probe did not find the session');
    restoreMs.push(figures.sinceProcessStartMs);
    restoreInternalMs.push(figures.restoreMs);
  }

  // ---- getAccessToken: fresh (per call), and 50 concurrent callers during a refresh
  const calls = 20_000;
  await ours.service.getAccessToken();
  const freshStarted = performance.now();
  for (let index = 0; index < calls; index += 1) await ours.service.getAccessToken();
  const freshPerCallUs = ((performance.now() - freshStarted) * 1000) / calls;
  const concurrentWallMs: number[] = [];
  const tokenRequestsPerRefresh: number[] = [];
  for (let index = 0; index < 10; index += 1) {
    clock.advance(3_600_000);
    const before = idp.countRequests('/oauth/token');
    const started = performance.now();
    await Promise.all(Array.from({ length: 50 }, () => ours.service.getAccessToken()));
    concurrentWallMs.push(performance.now() - started);
    tokenRequestsPerRefresh.push(idp.countRequests('/oauth/token') - before);
  }

  // ---- sizes and cold import of the main-process auth core
  const mainBundle = readFileSync(join(root, 'dist', 'main', 'main.js'));
  const rendererFiles = await run('find', [join(root, 'dist', 'renderer', 'assets'), '-type', 'f']);
  const assets = rendererFiles.stdout.trim().split('\n').filter(Boolean);
  const size = (ext: string) => {
    const bytes = assets.filter((file) => file.endsWith(ext)).map((file) => readFileSync(file));
    return {
      raw: bytes.reduce((sum, b) => sum + b.length, 0),
      gzip: bytes.reduce((sum, b) => sum + gzipSync(b).length, 0),
    };
  };
  const coreDir = join(work, 'core');
  await build({
    logLevel: 'silent',
    configFile: false,
    build: {
      ssr: join(root, 'src', 'main', 'auth', 'flows', 'auth-service.ts'),
      outDir: coreDir,
      target: 'node20',
      rollupOptions: { external: ['keytar', /^node:/], output: { format: 'es', entryFileNames: 'core.js' } },
    },
    ssr: { noExternal: true },
  });
  const importMs: number[] = [];
  for (let index = 0; index < 10; index += 1) {
    const { stdout } = await run(process.execPath, [
      '--input-type=module',
      '-e',
      `const t = performance.now(); await import(${JSON.stringify(join(coreDir, 'core.js'))}); console.log(performance.now() - t);`,
    ]);
    importMs.push(Number(stdout.trim()));
  }

  const results = {
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      platform: process.platform,
    },
    date: new Date().toISOString(),
    logins: LOGINS,
    login: {
      urlOpened: {
        ours: stats(oursSamples.map((s) => s.urlOpenedMs)),
        peer: stats(peerSamples.map((s) => s.urlOpenedMs)),
      },
      redirectToSignedIn: {
        ours: stats(oursSamples.map((s) => s.redirectToSignedInMs)),
        peer: stats(peerSamples.map((s) => s.redirectToSignedInMs)),
      },
      roundTrip: {
        ours: stats(oursSamples.map((s) => s.roundTripMs)),
        peer: stats(peerSamples.map((s) => s.roundTripMs)),
      },
      floor: { authorize: stats(authorizeMs), token: stats(tokenRequestMs.slice(0, LOGINS)) },
      oursExchange: stats(oursSamples.map((s) => s.exchangeMs ?? NaN)),
      oursKeychainWrite: stats(oursSamples.map((s) => s.saveMs ?? NaN)),
    },
    restore: { sinceProcessStart: stats(restoreMs), restoreCall: stats(restoreInternalMs) },
    getAccessToken: {
      freshPerCallUs,
      concurrent50DuringRefresh: stats(concurrentWallMs),
      tokenRequestsPerRefresh,
    },
    bundles: {
      main: { raw: mainBundle.length, gzip: gzipSync(mainBundle).length },
      rendererJs: size('.js'),
      rendererCss: size('.css'),
      coreColdImport: stats(importMs),
    },
  };
  await mkdir(join(root, 'bench'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  printTable(results);

  await ours.service.dispose();
  await Promise.all([idp.close(), browser.close(), opener.close()]);
  await keychain.close();
  await rm(work, { recursive: true, force: true });
}

/** AppAuth-JS logs codes and verifiers with console.log; the bench output must carry no secret. */
async function quietly<T>(work: () => Promise<T>): Promise<T> {
  const original = console.log;
  console.log = () => undefined;
  try {
    return await work();
  } finally {
    console.log = original;
  }
}

function printTable(results: {
  logins: number;
  login: Record<string, { ours: Stats; peer: Stats } | { authorize: Stats; token: Stats } | Stats>;
  restore: { sinceProcessStart: Stats; restoreCall: Stats };
  getAccessToken: { freshPerCallUs: number; concurrent50DuringRefresh: Stats; tokenRequestsPerRefresh: number[] };
  bundles: {
    main: { raw: number; gzip: number };
    rendererJs: { raw: number; gzip: number };
    rendererCss: { raw: number; gzip: number };
    coreColdImport: Stats;
  };
}): void {
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  const kb = (value: number) => `${(value / 1024).toFixed(1)} KB`;
  const rows: string[][] = [['figure', 'ours (median / p95)', 'AppAuth-JS (median / p95)', 'ours/peer']];
  for (const [name, label] of [
    ['urlOpened', 'click -> sign-in URL handed to the browser'],
    ['redirectToSignedIn', 'callback -> signed in'],
    ['roundTrip', 'whole login (scripted person)'],
  ] as const) {
    const figure = results.login[name] as { ours: Stats; peer: Stats };
    rows.push([
      label,
      `${ms(figure.ours.median)} / ${ms(figure.ours.p95)}`,
      `${ms(figure.peer.median)} / ${ms(figure.peer.p95)}`,
      (figure.ours.median / figure.peer.median).toFixed(2),
    ]);
  }
  const exchange = results.login['oursExchange'] as unknown as Stats;
  const save = results.login['oursKeychainWrite'] as unknown as Stats;
  rows.push(['  of which: code exchange + ID token check', `${ms(exchange.median)} / ${ms(exchange.p95)}`, '', '']);
  rows.push(['  of which: keychain write', `${ms(save.median)} / ${ms(save.p95)}`, '', '']);
  const floor = results.login['floor'] as { authorize: Stats; token: Stats };
  rows.push(['floor: provider authorize + token', ms(floor.authorize.median + floor.token.median), '', '']);
  rows.push([
    'restore: process start -> signed in',
    `${ms(results.restore.sinceProcessStart.median)} / ${ms(results.restore.sinceProcessStart.p95)}`,
    'n/a (no session store)',
    '',
  ]);
  rows.push(['restore() call itself (keychain read)', ms(results.restore.restoreCall.median), '', '']);
  rows.push(['getAccessToken, fresh', `${results.getAccessToken.freshPerCallUs.toFixed(2)} µs/call`, 'n/a', '']);
  rows.push([
    '50 concurrent getAccessToken in a refresh',
    `${ms(results.getAccessToken.concurrent50DuringRefresh.median)} (token requests: ${[...new Set(results.getAccessToken.tokenRequestsPerRefresh)].join(',')})`,
    'n/a',
    '',
  ]);
  rows.push(['main bundle (raw / gzip)', `${kb(results.bundles.main.raw)} / ${kb(results.bundles.main.gzip)}`, '', '']);
  rows.push(['auth core cold import', ms(results.bundles.coreColdImport.median), '', '']);
  rows.push([
    'renderer JS (raw / gzip)',
    `${kb(results.bundles.rendererJs.raw)} / ${kb(results.bundles.rendererJs.gzip)}`,
    '',
    '',
  ]);
  rows.push([
    'renderer CSS (raw / gzip)',
    `${kb(results.bundles.rendererCss.raw)} / ${kb(results.bundles.rendererCss.gzip)}`,
    '',
    '',
  ]);
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  for (const row of rows)
    process.stdout.write(`${row.map((cell, column) => cell.padEnd(widths[column])).join('  ')}\n`);
  process.stdout.write(
    `\n${results.logins} logins each. The peer does no ID token validation and no keychain write; ours does both inside "callback -> signed in".\n`,
  );
}

await main();
