import { setTimeout as sleep } from 'node:timers/promises';
import type { Scheduler } from 'fast-check';
import { decodeJwt } from 'jose';
import { createAuthService, type AuthService } from '../../src/main/auth/flows/auth-service.js';
import type { AuthConfig } from '../../src/main/auth/config/config.js';
import { createKeychainTokenStore, type LoadResult } from '../../src/main/auth/session/token-store.js';
import type { AuthState } from '../../src/shared/auth-state.js';
import type { RunningIdp } from '../../tools/idp/start-idp.js';
import { demoConfig, testClock, type TestClock } from './app-harness.js';
import { canFollow, INVARIANTS, InvariantViolation, type Invariant, type Status } from './interleaving-invariants.js';
import { listeningSockets, listeningSocketsUnavailableReason } from './listening-sockets.js';
import { captureLogs } from './log-capture.js';
import { runHistory } from './interleaving-history.js';
import { readSavedSession, type FaultySecretStore } from './memory-secret-store.js';
import {
  scriptedPerson,
  type LogoutIntent,
  type PersonProfiles,
  type ScriptedPerson,
  type SignInIntent,
} from './scripted-person.js';

/** Far past the provider's 600 s access token lifetime, so the next use must refresh. */
const PAST_EXPIRY_MS = 3_600_000;
/** dispose()'s default deadline. */
const DEFAULT_QUIT_DEADLINE_MS = 3_000;
/** How much longer than its deadline quit may take: a second for the last write to land. */
const QUIT_SLACK_MS = 1_000;
/** How long a run waits for operations still running after quit before it judges and moves on. */
const DRAIN_AFTER_QUIT_MS = 3_000;
/** How long the scheduler lets waiting calls gather before it picks one to land. */
const GATHER_MS = 3;
/** Sampling period of the listening-socket count between steps. */
const SOCKET_SAMPLE_MS = 25;
/** Every provider path a "provider down" or "provider slow" fault hits; the demo API stays up. */
export const PROVIDER_PATHS = [
  '/.well-known/openid-configuration',
  '/.well-known/jwks.json',
  '/oauth/token',
  '/oauth/revoke',
  '/userinfo',
] as const;

/** `dispose({ deadlineMs })`; a core whose dispose() takes no deadline simply ignores the argument. */
type BoundedDispose = (options?: { readonly deadlineMs?: number }) => Promise<void>;

/** What one run shares with every other run in the test file. */
export interface RunWorld {
  readonly idp: RunningIdp;
  /** The person's browser, kept across runs as a real one is across app starts. */
  readonly profiles: PersonProfiles;
}

/** One app start under test: the real core on the shared provider and browser, with a fresh keychain. */
export interface AppRun {
  readonly service: AuthService;
  readonly config: AuthConfig;
  readonly secrets: FaultySecretStore;
  readonly person: ScriptedPerson;
  readonly clock: TestClock;
  /** True once quit has run; later steps are meaningless (the app is gone). */
  readonly quitDone: boolean;
  restore(): void;
  login(intent: SignInIntent): void;
  cancelLogin(): void;
  /** Moves the clock past the access token's expiry and asks for a token. */
  refreshDue(): void;
  callApi(unauthorizedOnce: boolean): void;
  logout(intent: LogoutIntent): void;
  /** Quits and checks the quit invariants; undefined uses the core's default deadline. */
  quit(deadlineMs: number | undefined): Promise<void>;
  /** Waits (bounded) for a moment another step can overlap: the code exchange, a token request, a keychain call. */
  pauseUntil(moment: Moment, boundMs: number): Promise<void>;
  /** Throws the first broken invariant, checking what must hold at every moment. */
  check(): Promise<void>;
  /** Waits (bounded) until nothing is in flight, then checks the idle invariants too. */
  settle(): Promise<void>;
  /** End of a run: settles, checks, quits unless a step did. */
  finish(): Promise<void>;
  /** Always runs: closes tabs, stops sampling, drains stragglers, clears provider faults. */
  close(): Promise<void>;
  recordUnhandledRejection(reason: unknown): void;
  /** Names the step about to run, so reports say where a violation was noticed. */
  beginStep(name: string): void;
  /** The statuses shown and the core's log lines, for a verbose report. */
  story(): string;
}

/** A moment in the middle of an operation, where a step started then overlaps its commit. */
export type Moment = 'code-exchange' | 'token-request' | 'keychain-call';

/** Starts one run: a service with a counting fetch, a scripted person and the recorders the invariants read. */
export function startAppRun(
  world: RunWorld,
  options: {
    readonly secrets: FaultySecretStore;
    readonly keychainService: string;
    readonly loginTimeoutSeconds: number;
    /** When given, overlapping keychain calls and provider answers land in the order it picks. */
    readonly scheduler?: Scheduler;
  },
): AppRun {
  const { idp } = world;
  const { secrets, scheduler } = options;
  const config = demoConfig(idp, {
    KEYCHAIN_SERVICE: options.keychainService,
    LOGIN_TIMEOUT_SECONDS: String(options.loginTimeoutSeconds),
  });
  const clock = testClock();
  const logs = captureLogs();
  const violations: InvariantViolation[] = [];
  const violate = (invariant: Invariant, detail: string): void => {
    violations.push(new InvariantViolation(invariant, detail));
  };

  let stepNumber = 0;
  let stepName = 'start';
  const history = runHistory();

  // fast-check picks which of the keychain calls and provider answers waiting at this moment
  // lands next: orders that real latency produces only now and then, and that a seed replays.
  let ordering = scheduler !== undefined;
  const gate =
    scheduler &&
    ((label: string): Promise<void> => (ordering ? scheduler.schedule(Promise.resolve(), label) : Promise.resolve()));
  secrets.order(gate);
  const pump = (async () => {
    while (scheduler && ordering) {
      if (scheduler.count() === 0) {
        await sleep(1);
        continue;
      }
      // A short gather, so calls of overlapping operations queue up together and can be reordered.
      await sleep(GATHER_MS);
      // waitOne releases one waiting task of the scheduler's choosing; nothing here needs waitNext's wait for more.
      if (scheduler.count() > 0) await scheduler.waitOne();
    }
  })();

  let providerInFlight = 0;
  let tokenRequestsInFlight = 0;
  const tokenPath = new URL('oauth/token', idp.issuer).pathname;
  // Counted per service, not from idp.requestLog: a straggler from an earlier run shares the provider.
  const countingFetch: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const toProvider = url.origin === idp.origin;
    if (toProvider && url.pathname === tokenPath) {
      const logout = history.openLogout();
      if (logout)
        violate(INVARIANTS.logoutFinal, `a token request was sent after the logout of step ${logout.step} resolved`);
    }
    const tokenRequest = toProvider && url.pathname === tokenPath;
    if (toProvider) providerInFlight += 1;
    if (tokenRequest) tokenRequestsInFlight += 1;
    try {
      const response = await fetch(input, init);
      if (gate) await gate(`provider answers ${url.pathname}`);
      return response;
    } finally {
      if (toProvider) providerInFlight -= 1;
      if (tokenRequest) tokenRequestsInFlight -= 1;
    }
  };

  const signedInSub = (state: AuthState): string | undefined =>
    state.status === 'signed-in' ? state.profile.sub : undefined;
  // The person opens the logout page in the profile of whoever the app shows.
  let shownState = (): AuthState => ({ status: 'signed-out' });
  const person = scriptedPerson(world.profiles, idp, () => signedInSub(shownState()));
  const service = createAuthService({
    config,
    openBrowser: (url) => person.openBrowser(url),
    logger: logs,
    tokenStore: createKeychainTokenStore(secrets, config.keychainService),
    now: clock.now,
    network: { fetch: countingFetch, timeoutSeconds: 5 },
    retryDelaysMs: [50, 100, 200],
  });
  shownState = () => service.getState();

  // Loopback servers: only sockets opened during this run count, and never the provider's own.
  const socketsCountable = listeningSocketsUnavailableReason() === undefined;
  const baseline = new Set(socketsCountable ? listeningSockets().map((socket) => socket.inode) : []);
  const newListeners = (): number[] =>
    socketsCountable
      ? listeningSockets()
          .filter((socket) => !baseline.has(socket.inode) && socket.port !== idp.port)
          .map((socket) => socket.port)
      : [];
  let quitDone = false;
  const sampleServers = (): void => {
    const ports = newListeners();
    if (ports.length > 1 && !quitDone)
      violate(INVARIANTS.oneServer, `${ports.length} listening (ports ${ports.join(', ')})`);
  };
  const sampler = setInterval(sampleServers, SOCKET_SAMPLE_MS);

  let previous: Status = service.getState().status;
  const statuses: Status[] = [previous];
  service.subscribe((state) => {
    const next: Status = state.status;
    if (!canFollow(previous, next))
      violate(INVARIANTS.transition, `${previous} -> ${next} (statuses so far: ${statuses.join(' > ')})`);
    statuses.push(next);
    previous = next;
    sampleServers();
    const stale = history.staleSession(state);
    if (stale) violate(INVARIANTS.newestSession, stale);
    const logout = history.openLogout();
    if (next === 'signed-in' && logout)
      violate(INVARIANTS.logoutFinal, `signed in again after the logout of step ${logout.step} resolved`);
  });

  const pending = new Map<number, string>();
  const track = <T>(
    label: string,
    promise: Promise<T>,
    handlers: { onValue?: (value: T) => void; onError?: (error: unknown) => void } = {},
  ): void => {
    const id = history.next();
    pending.set(id, label);
    void promise
      .then(
        (value) => handlers.onValue?.(value),
        (error: unknown) => handlers.onError?.(error),
      )
      .finally(() => pending.delete(id));
  };
  const mustNotReject = (operation: string) => (error: unknown) =>
    violate(INVARIANTS.neverRejects, `${operation} rejected: ${describe(error)}`);

  /**
   * Checks that the subject a token was issued to (`work` resolves with it) is whoever the app
   * showed before and after, with no login between: a stale session must not act for the person,
   * and a signed-out app must have no session to act with.
   */
  const ownedBy = (operation: string, work: Promise<string | undefined>): void => {
    const before = service.getState();
    const loginsBefore = history.loginCount;
    track(operation, work, {
      onValue(sub) {
        const now = service.getState();
        if (now.status !== before.status || history.loginCount !== loginsBefore) return;
        if (now.status === 'signed-out') {
          violate(INVARIANTS.tokenOwner, `${operation} acted for ${sub ?? 'someone'} while the app shows signed out`);
        } else if (now.status === 'signed-in' && signedInSub(before) === now.profile.sub && sub !== now.profile.sub) {
          violate(INVARIANTS.tokenOwner, `${operation} acted for ${sub ?? 'nobody'} while ${now.profile.sub} is shown`);
        }
      },
    });
  };

  const readKeychain = async (): Promise<LoadResult> =>
    readSavedSession(await secrets.contents(config.keychainService), config.keychainService);

  const isIdle = (): boolean => pending.size === 0 && providerInFlight === 0 && secrets.inFlight === 0;

  const check = async (): Promise<void> => {
    // One turn of the event loop, so work the step started has begun before anything is judged.
    await new Promise((resolve) => setImmediate(resolve));
    sampleServers();
    const stale = history.staleSession(service.getState());
    if (stale) violate(INVARIANTS.newestSession, stale);
    const saved = await readKeychain();
    if (saved.kind === 'discarded')
      violate(INVARIANTS.keychainWhole, `the next start would discard it: ${saved.reason}`);
    const logout = history.openLogout();
    if (logout?.cleanKeychain && saved.kind === 'found') {
      violate(
        INVARIANTS.logoutFinal,
        `the keychain holds ${saved.session.profile.sub}'s session after the logout of step ${logout.step}`,
      );
    }
    const first = violations[0];
    if (first) {
      first.message += ` (noticed at step ${stepNumber}: ${stepName})`;
      throw first;
    }
  };

  const checkIdle = async (): Promise<void> => {
    const state = service.getState();
    if (state.status !== 'signed-in' || state.persistence !== 'keychain') return;
    const saved = await readKeychain();
    // A torn entry is the keychain invariant's to report (check() runs next).
    if (!isIdle() || service.getState() !== state || saved.kind === 'discarded') return;
    if (saved.kind !== 'found') {
      violate(INVARIANTS.keychainIsShown, `${state.profile.sub} is shown as saved, but the keychain is ${saved.kind}`);
    } else if (saved.session.profile.sub !== state.profile.sub) {
      violate(
        INVARIANTS.keychainIsShown,
        `${state.profile.sub} is shown, the keychain holds ${saved.session.profile.sub}`,
      );
    }
  };

  const settle = async (): Promise<void> => {
    const deadline = Date.now() + options.loginTimeoutSeconds * 1000 + 3_000;
    let quietPolls = 0;
    // Two quiet polls in a row: an operation between two awaits is not idle.
    while (quietPolls < 2 && Date.now() < deadline) {
      await sleep(10);
      quietPolls = isIdle() ? quietPolls + 1 : 0;
    }
    if (quietPolls >= 2) await checkIdle();
    await check();
  };

  const reached: Record<Moment, () => boolean> = {
    'code-exchange': () => {
      const state = service.getState();
      return state.status === 'signing-in' && (state.step === 'exchanging-code' || state.step === 'saving-session');
    },
    'token-request': () => tokenRequestsInFlight > 0,
    'keychain-call': () => secrets.inFlight > 0,
  };
  const pauseUntil = async (moment: Moment, boundMs: number): Promise<void> => {
    // Polled finely: a token request or keychain call may last only a few milliseconds.
    // With nothing in flight the moment cannot come; a background refresh alone is not waited for.
    const deadline = Date.now() + boundMs;
    while (!reached[moment]() && pending.size > 0 && Date.now() < deadline) await sleep(2);
  };

  const quit = async (deadlineMs: number | undefined): Promise<void> => {
    quitDone = true;
    const allowedMs = (deadlineMs ?? DEFAULT_QUIT_DEADLINE_MS) + QUIT_SLACK_MS;
    const dispose: BoundedDispose = service.dispose.bind(service);
    const started = performance.now();
    // Waits a little past the allowance so the report can say how late quit was, then moves on;
    // the timer is cancelled after, or it would hold the test process open for seconds.
    const giveUp = new AbortController();
    const outcome = await Promise.race([
      dispose(deadlineMs === undefined ? undefined : { deadlineMs }).then(
        () => 'done',
        (error: unknown) => `rejected (${describe(error)})`,
      ),
      sleep(allowedMs + 2_000, 'still running', { signal: giveUp.signal }).catch(() => 'done'),
    ]);
    giveUp.abort();
    const tookMs = Math.round(performance.now() - started);
    const deadline = deadlineMs === undefined ? 'the default deadline' : `a ${deadlineMs} ms deadline`;
    if (outcome !== 'done' || tookMs > allowedMs) {
      violate(INVARIANTS.quitDeadline, `quit with ${deadline} ${outcome} after ${tookMs} ms (allowed ${allowedMs} ms)`);
    }
    // What was still running when quit returned finishes (or not) now; its effects are judged too.
    for (let waited = 0; pending.size > 0 && waited < DRAIN_AFTER_QUIT_MS; waited += 25) await sleep(25);
    let ports = newListeners();
    for (let waited = 0; ports.length > 0 && waited < 500; waited += 25) {
      await sleep(25);
      ports = newListeners();
    }
    if (ports.length > 0)
      violate(INVARIANTS.quitClosesServers, `still listening on port ${ports.join(', ')} after quit`);
  };

  return {
    service,
    config,
    secrets,
    person,
    clock,
    get quitDone() {
      return quitDone;
    },
    restore() {
      history.restoreCalled();
      track('restore', service.restore());
    },
    login(intent) {
      person.nextSignIn = intent;
      history.loginCalled();
      const step = stepNumber;
      track('login', service.login(), {
        onValue(state) {
          if (state.status === 'signed-in') history.loginSignedIn(state.profile.sub, step);
        },
        onError: mustNotReject('login()'),
      });
    },
    cancelLogin() {
      service.cancelLogin();
    },
    refreshDue() {
      clock.advance(PAST_EXPIRY_MS);
      ownedBy(
        'getAccessToken()',
        service.getAccessToken().then((token) => decodeJwt(token).sub),
      );
    },
    callApi(unauthorizedOnce) {
      if (unauthorizedOnce) idp.faults.set('/api/private', { status: 401, times: 1 });
      ownedBy(
        'callApi()',
        service.callApi('private').then((result) => {
          // The demo API answers with the subject of the token it was called with.
          const body = result.body as { sub?: unknown } | null;
          return typeof body?.sub === 'string' ? body.sub : undefined;
        }),
      );
    },
    logout(intent) {
      person.nextLogout = intent;
      const record = history.logoutCalled(stepNumber);
      const rejectedBefore = secrets.rejected;
      track('logout', service.logout(), {
        onValue(state) {
          record.resolved = history.next();
          record.cleanKeychain =
            secrets.rejected === rejectedBefore &&
            state.status === 'signed-out' &&
            state.reason?.code !== 'keychain_unavailable';
        },
        onError: mustNotReject('logout()'),
      });
    },
    quit,
    pauseUntil,
    check,
    settle,
    async finish() {
      stepNumber += 1;
      stepName = quitDone ? 'end of run' : 'end of run: wait until idle, then quit';
      if (quitDone) {
        await check();
        return;
      }
      await settle();
      await quit(undefined);
      await check();
    },
    async close() {
      clearInterval(sampler);
      // A run that failed before its end still has to let go of its servers and timers; bounded,
      // as an unbounded dispose can wait on work that never ends.
      if (!quitDone) await settleWithin(service.dispose(), DRAIN_AFTER_QUIT_MS);
      quitDone = true;
      // The pump stops first, so only this loop releases what still waits (stragglers pass ungated).
      ordering = false;
      await pump;
      while (scheduler && scheduler.count() > 0) await scheduler.waitOne();
      await settleWithin(person.close(), DRAIN_AFTER_QUIT_MS);
      for (let waited = 0; pending.size > 0 && waited < DRAIN_AFTER_QUIT_MS; waited += 25) await sleep(25);
      idp.faults.clear();
    },
    beginStep(name) {
      stepNumber += 1;
      stepName = name;
    },
    story: () => [`statuses: ${statuses.join(' > ')}`, ...logs.lines].join('\n'),
    recordUnhandledRejection(reason) {
      violate(INVARIANTS.noUnhandled, describe(reason));
    },
  };
}

/** Rejects with "`what` did not finish within …" when `promise` takes longer than `ms`. */
export async function within<T>(what: string, ms: number, promise: Promise<T>): Promise<T> {
  const giveUp = new AbortController();
  try {
    return await Promise.race([
      promise,
      sleep(ms, undefined, { signal: giveUp.signal }).then(() => {
        throw new Error(`${what} did not finish within ${ms / 1000} s: the test or the core hangs`);
      }),
    ]);
  } finally {
    giveUp.abort();
  }
}

/** Waits for `promise` to settle, or `ms`, whichever comes first; never rejects. */
async function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  const giveUp = new AbortController();
  await Promise.race([
    promise.catch(() => undefined),
    sleep(ms, undefined, { signal: giveUp.signal }).catch(() => undefined),
  ]);
  giveUp.abort();
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${error.name}${typeof code === 'string' ? ` ${code}` : ''}: ${error.message.slice(0, 200)}`;
  }
  return String(error);
}
