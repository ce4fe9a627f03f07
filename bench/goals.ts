import type { BenchResults, NetworkResults } from './results-table.js';
import { ceilingGoal, ratioGoal, type GoalVerdict } from './paired-stats.js';

const MIB = 1024 * 1024;

/** The bench's goals, each judged against this run's figures; a missed goal is reported, never fatal. */
export function judgeGoals(results: Omit<BenchResults, 'goals'>): GoalVerdict[] {
  const verdicts: GoalVerdict[] = [];
  for (const network of results.networks) verdicts.push(...networkGoals(network));
  verdicts.push(
    ceilingGoal('restore, bundle: process start -> signed in', results.restore.sinceProcessStart.median, 100, 'ms'),
    ceilingGoal('restore() itself', results.restore.restoreCall.median, 10, 'ms'),
  );
  const { oursAfterLogin, peerAfterLogin } = results.memory;
  if (oursAfterLogin && peerAfterLogin) {
    verdicts.push({
      goal: 'RSS after login <= peer + 8 MiB',
      measured: `${((oursAfterLogin.median - peerAfterLogin.median) / MIB).toFixed(1)} MiB over the peer`,
      pass: oursAfterLogin.median <= peerAfterLogin.median + 8 * MIB,
    });
  }
  return verdicts;
}

/** click -> URL at most the peer's at every latency; callback -> signed in as the goals set it; whole login never slower. */
function networkGoals(network: NetworkResults): GoalVerdict[] {
  const at = (name: string): string => `${name} (${network.setting.name})`;
  const verdicts = [
    ratioGoal(at('click -> URL'), network.urlOpened, 1.0),
    ratioGoal(at('whole login'), network.roundTrip, 1.0),
  ];
  if (network.setting.oneWayMs === 0)
    verdicts.push(ratioGoal(at('callback -> signed in'), network.redirectToSignedIn, 1.0));
  else if (network.setting.tls) verdicts.push(ratioGoal(at('callback -> signed in'), network.redirectToSignedIn, 0.6));
  return verdicts;
}
