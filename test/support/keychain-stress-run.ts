import { randomBytes } from 'node:crypto';
import { checkKeychain } from '../../src/main/auth/doctor/keychain-check.js';
import { createKeychainPendingRevocations } from '../../src/main/auth/session/pending-revocations.js';
import { loadKeytar } from '../../src/main/auth/session/secret-store.js';
import { CHUNK_SIZE, createKeychainTokenStore, type StoredSession } from '../../src/main/auth/session/token-store.js';

/**
 * One app process hammering its keychain the way a busy day does, all at once: refresh commits,
 * start-up reads, sign-outs, pending revocations coming and going, and "Check my setup" probing
 * the same service. Run as its own process by keychain-stress.test.ts, because a keychain call
 * that crashes takes the whole process down.
 *
 *   node --import tsx test/support/keychain-stress-run.ts app <service> <rounds>
 *     exits 0 and prints a JSON summary when every answer was consistent, 1 with the reason if not.
 *   node --import tsx test/support/keychain-stress-run.ts probe <service>
 *     a second process running the setup check's probe on the same service until stdin closes.
 */

const [role, service, roundsText] = process.argv.slice(2);
if ((role !== 'app' && role !== 'probe') || service === undefined) {
  process.stderr.write('usage: keychain-stress-run.ts app <service> <rounds> | probe <service>\n');
  process.exit(2);
}

/** The probe as "Check my setup" runs it, on the process's one keychain. */
async function probeOnce(): Promise<string | undefined> {
  const check = await checkKeychain({
    secretStore: loadKeytar,
    service: service,
    platform: process.platform,
    timeoutMs: 20_000,
  });
  return check.verdict === 'pass' ? undefined : `the keychain probe said ${check.verdict}: ${check.detail}`;
}

/** A session spanning one to four chunks, marked with `label` so a mix-up shows. */
function session(label: string, chunks: number): StoredSession {
  return {
    tokens: {
      accessToken: `at-${label}-${randomBytes(Math.floor(((chunks - 0.5) * CHUNK_SIZE * 3) / 4)).toString('base64url')}`,
      refreshToken: `rt-${label}`,
      expiresAt: Date.now() + 600_000,
    },
    profile: { sub: `auth0|${label}` },
  };
}

async function runApp(rounds: number): Promise<void> {
  const secrets = loadKeytar();
  const store = createKeychainTokenStore(secrets, service);
  const pending = createKeychainPendingRevocations(secrets, service);
  const problems: string[] = [];
  const counts = { saves: 0, loads: 0, clears: 0, probes: 0, revocations: 0 };

  // What the store must hold at the end: its queue runs saves and clears in the order asked.
  let lastWrite: string | undefined;
  // The pending list the same adds and removes give when applied in the order asked (10 at most).
  let model: string[] = [];

  let probing = true;
  const probeLoop = (async () => {
    while (probing) {
      const problem = await probeOnce();
      counts.probes += 1;
      if (problem) problems.push(problem);
    }
  })();

  const work: Array<Promise<unknown>> = [];
  for (let round = 0; round < rounds; round += 1) {
    for (let index = 0; index < 3; index += 1) {
      const label = `r${round}-${index}`;
      lastWrite = label;
      counts.saves += 1;
      work.push(store.save(session(label, 1 + ((round + index) % 4))));
    }
    counts.loads += 1;
    work.push(
      store.load().then((loaded) => {
        if (loaded.kind !== 'found' && loaded.kind !== 'empty')
          problems.push(`a load during the stress found ${loaded.kind}: ${JSON.stringify(loaded)}`);
      }),
    );
    if (round % 5 === 4) {
      lastWrite = undefined;
      counts.clears += 1;
      work.push(store.clear());
    }
    const added = `rt-pending-${round}`;
    const removedToken = `rt-pending-${round - 3}`;
    model = [...model.filter((token) => token !== added), added].slice(-10);
    model = model.filter((token) => token !== removedToken);
    counts.revocations += 2;
    work.push(pending.add(added), pending.remove(removedToken));
    work.push(probeOnce().then((problem) => problem && problems.push(problem)));
    // Let the round's calls start before the next round piles on.
    await new Promise((resolve) => setImmediate(resolve));
  }
  const settled = await Promise.allSettled(work);
  for (const outcome of settled) {
    if (outcome.status === 'rejected') problems.push(`an operation failed: ${String(outcome.reason)}`);
  }
  probing = false;
  await probeLoop;

  // What the next start reads: a new store over the same entries.
  const next = await createKeychainTokenStore(loadKeytar(), service).load();
  const found = next.kind === 'found' ? next.session.profile.sub : next.kind;
  const expected = lastWrite === undefined ? 'empty' : `auth0|${lastWrite}`;
  if (found !== expected) problems.push(`the next start found ${found}, expected ${expected}`);
  const pendingNow = await createKeychainPendingRevocations(loadKeytar(), service).list();
  if (JSON.stringify(pendingNow) !== JSON.stringify(model))
    problems.push(`pending revocations ${JSON.stringify(pendingNow)}, expected ${JSON.stringify(model)}`);

  await store.clear();
  for (const token of pendingNow) await pending.remove(token);
  const afterClear = await createKeychainTokenStore(loadKeytar(), service).load();
  if (afterClear.kind !== 'empty') problems.push(`after the final clear the next start found ${afterClear.kind}`);

  if (problems.length > 0) {
    process.stderr.write(`${problems.join('\n')}\n`);
    process.exitCode = 1;
    return;
  }
  process.stdout.write(`${JSON.stringify(counts)}\n`);
}

/** How long the second process waits between probes. */
const PROBE_GAP_MS = 30;

async function runProbe(): Promise<void> {
  let open = true;
  process.stdin.on('end', () => (open = false));
  process.stdin.resume();
  let probes = 0;
  while (open) {
    const problem = await probeOnce();
    probes += 1;
    if (problem) {
      process.stderr.write(`${problem}\n`);
      process.exitCode = 1;
      return;
    }
    // A person pressing "Check my setup" over and over, not a flood that starves the keyring.
    await new Promise((resolve) => setTimeout(resolve, PROBE_GAP_MS));
  }
  process.stdout.write(`${JSON.stringify({ probes })}\n`);
}

await (role === 'app' ? runApp(Number(roundsText ?? 60)) : runProbe());
