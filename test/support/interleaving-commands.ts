import { setTimeout as sleep } from 'node:timers/promises';
import * as fc from 'fast-check';
import type { RunningIdp } from '../../tools/idp/start-idp.js';
import { PROVIDER_PATHS, within, type AppRun, type Moment } from './interleaving-app.js';
import type { LogoutIntent, SignInIntent } from './scripted-person.js';

/** What the test knows about a run between steps: only whether the app has quit. */
export interface RunModel {
  quit: boolean;
}

/** One step of a run. Operations are started, not awaited: the next step overlaps them. */
export type RunCommand = fc.AsyncCommand<RunModel, AppRun, false>;

/** Longer than any step's own bounds (settle, quit and its drain): past it, something hangs. */
export const STEP_LIMIT_MS = 20_000;

/** A step that starts or changes something, then checks the invariants that hold at every moment. */
function step(name: string, act: (run: AppRun) => void | Promise<void>): RunCommand {
  return {
    check: (model) => !model.quit,
    async run(_model, run) {
      run.beginStep(name);
      await within(
        `step "${name}"`,
        STEP_LIMIT_MS,
        (async () => {
          await act(run);
          await run.check();
        })(),
      );
    },
    toString: () => name,
  };
}

function describeSignIn(intent: SignInIntent, idp: RunningIdp): string {
  if (intent.kind === 'leaves') return 'the person leaves the tab';
  const who = idp.users[intent.user]?.nickname ?? `user ${intent.user}`;
  return intent.kind === 'signs-in' ? `${who} signs in` : `${who} declines`;
}

type KeychainFault =
  | { readonly kind: 'slow'; readonly ms: number }
  | { readonly kind: 'locked' }
  | { readonly kind: 'fails'; readonly calls: number }
  | { readonly kind: 'healthy' };
type ProviderFault = 'down' | 'slow' | 'back';

/** How a run begins, and how its machine behaves from the start: slow answers widen every overlap. */
export interface RunConditions {
  /** Whether a person signed in before the run's first step (a real login, then idle). */
  readonly start: 'signed out' | 'alice signed in';
  readonly keychainMs: number;
  readonly providerMs: number;
}

/** Mostly prompt, sometimes slow; shrinking goes towards a signed-out, prompt start (the first values). */
export function runConditions(): fc.Arbitrary<RunConditions> {
  return fc.record({
    start: fc.constantFrom('signed out' as const, 'alice signed in' as const),
    keychainMs: fc.constantFrom(0, 30, 150),
    providerMs: fc.constantFrom(0, 100),
  });
}

/** Brings a fresh run to its starting point; the slowness applies after the sign-in. */
export async function applyConditions(run: AppRun, idp: RunningIdp, conditions: RunConditions): Promise<void> {
  if (conditions.start === 'alice signed in') {
    run.beginStep('start: alice signs in');
    run.login({ kind: 'signs-in', user: 0 });
    await within('the start', STEP_LIMIT_MS, run.settle());
  }
  run.secrets.slow(conditions.keychainMs);
  if (conditions.providerMs > 0) {
    for (const path of PROVIDER_PATHS) idp.faults.set(path, { delayMs: conditions.providerMs });
  }
}

/** The conditions as the report prints them. */
export function describeConditions(conditions: RunConditions): string {
  return `${conditions.start}; keychain ${conditions.keychainMs} ms a call, provider ${conditions.providerMs} ms a request`;
}

/** How long the provider takes per request while "slow": well under the core's 5 s network timeout, so slow is not down. */
const PROVIDER_SLOW_MS = 400;

/**
 * Every step a run can take, weighted roughly by how often people (and the machine) do them.
 * The weights favour logins and logouts, whose overlaps are what the queue is for.
 */
export function runCommands(idp: RunningIdp): fc.Arbitrary<RunCommand> {
  const userIndex = fc.integer({ min: 0, max: Math.min(idp.users.length, 2) - 1 });
  const signIn: fc.Arbitrary<SignInIntent> = fc.oneof(
    { arbitrary: userIndex.map((user) => ({ kind: 'signs-in' as const, user })), weight: 5 },
    { arbitrary: userIndex.map((user) => ({ kind: 'declines' as const, user })), weight: 1 },
    { arbitrary: fc.constant({ kind: 'leaves' as const }), weight: 1 },
  );
  const logoutIntent: fc.Arbitrary<LogoutIntent> = fc.constantFrom('confirms', 'leaves');
  const keychainFault: fc.Arbitrary<KeychainFault> = fc.oneof(
    fc.constantFrom(150, 600).map((ms) => ({ kind: 'slow' as const, ms })),
    fc.constant({ kind: 'locked' as const }),
    fc.integer({ min: 1, max: 3 }).map((calls) => ({ kind: 'fails' as const, calls })),
    fc.constant({ kind: 'healthy' as const }),
  );
  const providerFault: fc.Arbitrary<ProviderFault> = fc.constantFrom('down', 'slow', 'back');

  const restore = fc.constant(step('restore()', (run) => run.restore()));
  const login = signIn.map((intent) => step(`login(): ${describeSignIn(intent, idp)}`, (run) => run.login(intent)));
  const cancel = fc.constant(step('cancelLogin()', (run) => run.cancelLogin()));
  const refreshDue = fc.constant(step('clock past expiry; getAccessToken()', (run) => run.refreshDue()));
  const callApi = fc
    .boolean()
    .map((unauthorized) =>
      step(unauthorized ? 'callApi(): the API answers 401 once' : 'callApi()', (run) => run.callApi(unauthorized)),
    );
  const logout = logoutIntent.map((intent) =>
    step(`logout(): the person ${intent === 'confirms' ? 'confirms' : 'leaves the tab'}`, (run) => run.logout(intent)),
  );
  const keychain = keychainFault.map((fault) => {
    switch (fault.kind) {
      case 'slow':
        return step(`keychain slow (${fault.ms} ms a call)`, (run) => run.secrets.slow(fault.ms));
      case 'locked':
        return step('keychain locked', (run) => void (run.secrets.locked = true));
      case 'fails':
        return step(`keychain fails the next ${fault.calls} call(s)`, (run) => run.secrets.failNext(fault.calls));
      case 'healthy':
        return step('keychain unlocked and fast', (run) => {
          run.secrets.locked = false;
          run.secrets.failNext(0);
          run.secrets.slow(0);
        });
    }
  });
  const provider = providerFault.map((fault) =>
    step(
      fault === 'down'
        ? 'provider down (503)'
        : fault === 'slow'
          ? `provider slow (${PROVIDER_SLOW_MS} ms)`
          : 'provider back',
      () => {
        for (const path of PROVIDER_PATHS) {
          idp.faults.set(
            path,
            fault === 'down' ? { status: 503 } : fault === 'slow' ? { delayMs: PROVIDER_SLOW_MS } : null,
          );
        }
      },
    ),
  );
  const pause = fc.constantFrom(20, 150, 600).map((ms) => step(`pause ${ms} ms`, () => sleep(ms)));
  // Steps aimed at the middle of an operation, where a stale commit would land.
  const pauseUntil = fc
    .constantFrom<[Moment, string]>(
      ['code-exchange', 'the login exchanges its code'],
      ['token-request', 'a token request is in flight'],
      ['keychain-call', 'the keychain is being read or written'],
    )
    .map(([moment, what]) => step(`pause until ${what} (at most 1.5 s)`, (run) => run.pauseUntil(moment, 1_500)));
  const settle: fc.Arbitrary<RunCommand> = fc.constant({
    check: (model) => !model.quit,
    run(_model, run) {
      run.beginStep('wait until idle');
      return within('step "wait until idle"', STEP_LIMIT_MS, run.settle());
    },
    toString: () => 'wait until idle',
  });
  const quit: fc.Arbitrary<RunCommand> = fc.constantFrom(undefined, 1_000).map((deadlineMs) => {
    const name = deadlineMs === undefined ? 'quit' : `quit (deadline ${deadlineMs} ms)`;
    return {
      check: (model) => !model.quit,
      async run(model, run) {
        run.beginStep(name);
        model.quit = true;
        await within(
          `step "${name}"`,
          STEP_LIMIT_MS,
          (async () => {
            await run.quit(deadlineMs);
            await run.check();
          })(),
        );
      },
      toString: () => name,
    };
  });

  return fc.oneof(
    { arbitrary: restore, weight: 2 },
    { arbitrary: login, weight: 5 },
    { arbitrary: cancel, weight: 1 },
    { arbitrary: refreshDue, weight: 2 },
    { arbitrary: callApi, weight: 2 },
    { arbitrary: logout, weight: 4 },
    { arbitrary: keychain, weight: 2 },
    { arbitrary: provider, weight: 1 },
    { arbitrary: pause, weight: 2 },
    { arbitrary: pauseUntil, weight: 3 },
    { arbitrary: settle, weight: 2 },
    { arbitrary: quit, weight: 1 },
  );
}
