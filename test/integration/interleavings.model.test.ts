/**
 * Random interleavings of the auth core's operations (STYLE.md "State and concurrency", DESIGN.md
 * checklist 16). fast-check generates runs: a start (signed out, or Alice signed in), keychain and
 * provider latency, then up to 8 steps (restore, login, cancel, refresh due, API call, logout,
 * keychain and provider faults, pauses, quit) against the real core, the local provider and a real
 * browser. Steps start operations without awaiting them, so they overlap as a person's clicks and
 * the machine's background work do, and fc.scheduler picks the order in which overlapping keychain
 * calls and provider answers land. After every step the invariants in
 * test/support/interleaving-invariants.ts are checked.
 *
 * A failure prints the broken invariant, the shrunk steps, the landing order and a replay line:
 *   INTERLEAVING_PROPERTY=memory INTERLEAVING_SEED=<seed> INTERLEAVING_PATH=<path> \
 *   INTERLEAVING_REPLAY_PATH=<replayPath> npm run test:only -- test/integration/interleavings.model.test.ts
 * Other switches:
 *   INTERLEAVING_PROPERTY=memory|keychain  run one property only
 *   INTERLEAVING_SEED=<seed>               repeat a whole check
 *   INTERLEAVING_RUNS, INTERLEAVING_SECONDS  more runs and a longer time budget, for a soak
 *   INTERLEAVING_KEYCHAIN_RUNS, INTERLEAVING_KEYCHAIN_SECONDS  the same for the real keychain
 *   INTERLEAVING_VERBOSE=1                 print every run's steps, statuses and log lines
 *   INTERLEAVING_EXPLORE=1                 list every broken invariant instead of stopping at one
 * Runs take real time (browser, network, timers), so where timing decides a replay can take
 * another path; the steps printed are the story to read either way.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as fc from 'fast-check';
import { startIdp, type RunningIdp } from '../../tools/idp/start-idp.js';
import { startAppRun, within, type AppRun } from '../support/interleaving-app.js';
import {
  applyConditions,
  describeConditions,
  runCommands,
  runConditions,
  STEP_LIMIT_MS,
  type RunCommand,
  type RunConditions,
  type RunModel,
} from '../support/interleaving-commands.js';
import { InvariantViolation } from '../support/interleaving-invariants.js';
import { keychainUnavailableReason, startKeychain, type TestKeychain } from '../support/keychain.js';
import { listeningSockets, listeningSocketsUnavailableReason } from '../support/listening-sockets.js';
import { createMemorySecretStore, withKeychainFaults, type FaultySecretStore } from '../support/memory-secret-store.js';
import { personProfiles, type PersonProfiles } from '../support/scripted-person.js';
import { browserUnavailableReason, launchSystemBrowser, type SystemBrowser } from '../support/system-browser.js';

type PropertyName = 'memory' | 'keychain';

const env = process.env;
const only = env['INTERLEAVING_PROPERTY'];
if (only !== undefined && only !== 'memory' && only !== 'keychain') {
  throw new Error(`INTERLEAVING_PROPERTY must be memory or keychain, not "${only}"`);
}
const seed = env['INTERLEAVING_SEED'] === undefined ? undefined : Number(env['INTERLEAVING_SEED']);
const path = env['INTERLEAVING_PATH'];
const replayPath = env['INTERLEAVING_REPLAY_PATH'];
/** Survey mode: a broken invariant is listed and the check goes on, to see every kind at once. */
const explore = env['INTERLEAVING_EXPLORE'] === '1';
/** Prints every run's steps and outcome, for watching what the generator does. */
const verbose = env['INTERLEAVING_VERBOSE'] === '1';
/** A login nobody finishes ends after this; small, so "the person leaves the tab" costs little time. */
const LOGIN_TIMEOUT_SECONDS = 2;
/** How many of the last keychain calls and provider answers a failure report lists. */
const LANDINGS_SHOWN = 40;
/** How long the file may take to exit by itself once every test has ended. */
const LINGER_MS = 3_000;

const skipBrowser = browserUnavailableReason();
const skipKeychain = skipBrowser ?? (await keychainUnavailableReason());
const notSelected = (name: PropertyName): string | undefined =>
  only !== undefined && only !== name ? `INTERLEAVING_PROPERTY=${only} selects the other property` : undefined;
for (const [what, reason] of [
  ['interleavings', skipBrowser],
  ['interleavings on the real keychain', skipKeychain],
  ['the one-loopback-server invariant', listeningSocketsUnavailableReason()],
] as const) {
  if (reason) process.stdout.write(`# skipping ${what}: ${reason}\n`);
}

let idp: RunningIdp;
let browser: SystemBrowser;
let profiles: PersonProfiles;
let keychain: TestKeychain | undefined;
/** The run fast-check may have stopped waiting for (time limit); `after` lets it finish first. */
let running: Promise<unknown> = Promise.resolve();
/** Whether a property failed, for the exit code if this file has to exit by force. */
let failed = false;

interface PropertyPlan {
  readonly name: PropertyName;
  readonly label: string;
  readonly numRuns: number;
  readonly maxCommands: number;
  readonly timeLimitMs: number;
  readonly secrets: (run: number) => { secrets: FaultySecretStore; keychainService: string };
}

/**
 * Runs one property and fails with a replayable report. fast-check stops at the first failing
 * run and shrinks it within the time limit; every invariant broken on the way is listed too,
 * since a shrink may end on a different one than the run that first failed.
 */
async function checkInterleavings(plan: PropertyPlan): Promise<void> {
  const broken = new Map<string, { count: number; steps: string }>();
  let current: AppRun | undefined;
  let runs = 0;
  const onUnhandled = (reason: unknown): void => {
    if (current) current.recordUnhandledRejection(reason);
    else process.stdout.write(`# unhandled rejection between runs: ${String(reason)}\n`);
  };
  process.on('unhandledRejection', onUnhandled);

  const steps = fc.commands([runCommands(idp)], {
    maxCommands: plan.maxCommands,
    ...(replayPath !== undefined ? { replayPath } : {}),
  });
  const property = fc.asyncProperty(runConditions(), steps, fc.scheduler(), (conditions, commands, scheduler) => {
    const once = (async () => {
      runs += 1;
      const { secrets, keychainService } = plan.secrets(runs);
      const run = startAppRun(
        { idp, profiles },
        { secrets, keychainService, loginTimeoutSeconds: LOGIN_TIMEOUT_SECONDS, scheduler },
      );
      current = run;
      const runStarted = Date.now();
      try {
        await applyConditions(run, idp, conditions);
        await fc.asyncModelRun(() => ({ model: { quit: false } satisfies RunModel, real: run }), commands);
        await within('the end of the run', STEP_LIMIT_MS, run.finish());
        if (verbose) printRun(`run ${runs} passed in ${Date.now() - runStarted} ms`, conditions, commands, run.story());
      } catch (error) {
        if (verbose) {
          printRun(
            `run ${runs} failed in ${Date.now() - runStarted} ms: ${describeError(error)}`,
            conditions,
            commands,
            run.story(),
          );
        }
        const key = error instanceof InvariantViolation ? error.invariant : String(error);
        const seen = broken.get(key);
        const story = `${stepsOf(conditions, commands)}\n   -> ${describeError(error)}`;
        // The shortest story that broke it is the one worth reading.
        const shorter = seen === undefined || story.length < seen.steps.length;
        broken.set(key, { count: (seen?.count ?? 0) + 1, steps: shorter ? story : seen.steps });
        if (!explore || !(error instanceof InvariantViolation)) throw error;
      } finally {
        await run.close();
        current = undefined;
      }
    })();
    running = once.catch(() => undefined);
    return once;
  });

  const started = Date.now();
  // Named explicitly: inferring Ts from the options would widen it to {}.
  const details = await fc.check<[RunConditions, Iterable<RunCommand>, fc.Scheduler]>(property, {
    numRuns: plan.numRuns,
    ...(seed !== undefined ? { seed } : {}),
    ...(path !== undefined ? { path } : {}),
    plugins: [fc.interruptAfterTimeLimit(plan.timeLimitMs)],
  });
  await within('the last run', STEP_LIMIT_MS * 2, running).catch(() => undefined);
  process.off('unhandledRejection', onUnhandled);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    `# ${plan.label}: seed ${details.seed}, ${runs} runs (${details.numRuns} before the verdict), ${seconds} s` +
      `${details.interrupted ? ', stopped by the time limit' : ''}\n`,
  );
  if (explore) process.stdout.write(`${brokenLines(broken).join('\n').replace(/^/gm, '# ')}\n`);
  if (!details.failed) return;

  const lines = [
    `${plan.label}: an invariant broke after ${details.numRuns} runs, shrunk ${details.numShrinks} times.`,
  ];
  if (details.counterexample) {
    const [conditions, commands, scheduler] = details.counterexample;
    lines.push(`  broken: ${describeError(details.errorInstance)}`);
    lines.push(
      '  steps:',
      ...stepsOf(conditions, commands)
        .split('\n')
        .map((step) => `    ${step}`),
    );
    lines.push('  keychain calls and provider answers, in the order they landed:', `    ${landingOrder(scheduler)}`);
    const replay = /replayPath="([^"]*)"/.exec(fc.stringify(commands))?.[1];
    lines.push(
      '  replay:',
      `    INTERLEAVING_PROPERTY=${plan.name} INTERLEAVING_SEED=${details.seed} INTERLEAVING_PATH=${details.counterexamplePath}` +
        `${replay !== undefined ? ` INTERLEAVING_REPLAY_PATH='${replay}'` : ''}` +
        ' npm run test:only -- test/integration/interleavings.model.test.ts',
    );
  } else {
    lines.push(
      `  no counterexample: ${details.interrupted ? 'the time limit stopped the first run' : 'too many skips'}`,
    );
  }
  lines.push(...brokenLines(broken));
  const report = lines.join('\n');
  process.stdout.write(`${report.replace(/^/gm, '# ')}\n`);
  failed = true;
  assert.fail(report);
}

/** Every invariant broken during a check, with the shortest steps that broke it. */
function brokenLines(broken: ReadonlyMap<string, { count: number; steps: string }>): string[] {
  const lines = ['  every invariant broken during this check (shortest steps that broke it):'];
  for (const [invariant, { count, steps }] of broken) {
    lines.push(`    ${invariant} (${count}x)`, ...steps.split('\n').map((step) => `      ${step}`));
  }
  return lines;
}

function printRun(title: string, conditions: RunConditions, commands: Iterable<RunCommand>, story: string): void {
  process.stdout.write(
    `# ${title}\n${stepsOf(conditions, commands).replace(/^/gm, '#   ')}\n${story.replace(/^/gm, '#     | ')}\n`,
  );
}

/** The run's conditions and the steps that ran, one a line; fast-check's rendering also carries the replay path. */
function stepsOf(conditions: RunConditions, commands: Iterable<RunCommand>): string {
  const text = fc.stringify(commands).replace(/\s*\/\*replayPath=.*\*\/$/, '');
  const steps = text === '' ? ['(no step ran)'] : text.split(',').map((step, index) => `${index + 1}. ${step}`);
  return [`0. ${describeConditions(conditions)}`, ...steps].join('\n');
}

/** The scheduler's picks, with repeats folded ("keychain set session.v1.<gen>.0 x2"). */
function landingOrder(scheduler: fc.Scheduler): string {
  const folded: string[] = [];
  let previous: string | undefined;
  let repeats = 0;
  for (const { label } of [...scheduler.report(), { label: '' }]) {
    if (label === previous) {
      repeats += 1;
      continue;
    }
    if (previous !== undefined) folded.push(repeats > 1 ? `${previous} x${repeats}` : previous);
    previous = label;
    repeats = 1;
  }
  if (folded.length === 0) return '(none)';
  // The end of the order is where the run broke; the start is mostly the sign-in at the start.
  const shown = folded.slice(-LANDINGS_SHOWN);
  const skipped = folded.length - shown.length;
  return `${skipped > 0 ? `(${skipped} earlier) ... > ` : ''}${shown.join(' > ')}`;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

describe('interleavings of the auth core (model-based)', () => {
  before(async () => {
    if (skipBrowser) return;
    if (!skipKeychain && notSelected('keychain') === undefined) keychain = await startKeychain();
    [idp, browser] = await Promise.all([startIdp(), launchSystemBrowser()]);
    profiles = personProfiles(browser);
  });
  after(async () => {
    // A run cut off by the time limit finishes first, unless it hangs (the run reports that).
    await within('the last run', STEP_LIMIT_MS * 2, running).catch(() => undefined);
    await profiles?.close();
    await Promise.all([idp?.close(), browser?.close()]);
    await keychain?.close();
    // A server the core left listening after quit (a broken invariant, reported above) would hold
    // this process open until the core's own timer closes it, minutes later.
    setTimeout(() => {
      const ports = listeningSocketsUnavailableReason() ? [] : listeningSockets().map((socket) => socket.port);
      process.stdout.write(
        `# still held open ${LINGER_MS} ms after the tests (listening: ${ports.join(', ') || 'none'}); exiting\n`,
      );
      process.exit(failed ? 1 : (process.exitCode ?? 0));
    }, LINGER_MS).unref();
  });

  test(
    'random overlapping operations on an in-memory keychain keep every invariant',
    { skip: skipBrowser ?? notSelected('memory') },
    () =>
      checkInterleavings({
        name: 'memory',
        label: 'interleavings (in-memory keychain)',
        numRuns: Number(env['INTERLEAVING_RUNS'] ?? 30),
        maxCommands: 8,
        timeLimitMs: Number(env['INTERLEAVING_SECONDS'] ?? 34) * 1000,
        secrets: () => ({ secrets: createMemorySecretStore(), keychainService: 'desktop-login-interleavings' }),
      }),
  );

  test(
    'a few of them on the real keychain keep every invariant',
    { skip: skipKeychain ?? notSelected('keychain') },
    () =>
      checkInterleavings({
        name: 'keychain',
        label: 'interleavings (real keychain)',
        numRuns: Number(env['INTERLEAVING_KEYCHAIN_RUNS'] ?? 3),
        maxCommands: 6,
        timeLimitMs: Number(env['INTERLEAVING_KEYCHAIN_SECONDS'] ?? 9) * 1000,
        secrets: (run) => {
          const real = keychain?.keytar;
          if (!real) throw new Error('the test keychain did not start');
          return {
            secrets: withKeychainFaults(real, (service) => real.findCredentials(service)),
            keychainService: keychain?.serviceName(`interleavings-${run}`) ?? '',
          };
        },
      }),
  );
});
