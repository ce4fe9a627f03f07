import { stats, type Stats } from './stats.js';

/** Who goes first in one pair of logins. */
export type PairOrder = readonly ['ours', 'peer'] | readonly ['peer', 'ours'];

/** A small seeded generator (mulberry32): the same seed gives the same order on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * The order of `pairs` pairs of logins: each pair runs ours and the peer back to back, first one
 * chosen by the seeded generator, so drift on the machine (other work, a warming JIT) falls on
 * both sides alike.
 */
export function pairOrders(pairs: number, seed: number): PairOrder[] {
  const random = seededRandom(seed);
  return Array.from({ length: pairs }, () =>
    random() < 0.5 ? (['ours', 'peer'] as const) : (['peer', 'ours'] as const),
  );
}

/** Ours, the peer, ours/peer of the medians, and the spread of the per-pair differences (ours − peer). */
export interface PairedFigure {
  readonly ours: Stats;
  readonly peer: Stats;
  readonly ratio: number;
  readonly difference: Stats;
}

/** Compares two lists of figures taken in pairs (same index = same pair). */
export function pairedFigure(ours: readonly number[], peer: readonly number[]): PairedFigure {
  if (ours.length !== peer.length) throw new RangeError('paired figures need the same number of samples');
  const oursStats = stats(ours);
  const peerStats = stats(peer);
  return {
    ours: oursStats,
    peer: peerStats,
    ratio: oursStats.median / peerStats.median,
    difference: stats(ours.map((value, index) => value - (peer[index] ?? NaN))),
  };
}

/** One goal next to the figure it judges. */
export interface GoalVerdict {
  readonly goal: string;
  readonly measured: string;
  readonly pass: boolean;
}

/** ours/peer of the medians must be at most `maxRatio`. */
export function ratioGoal(name: string, figure: PairedFigure, maxRatio: number): GoalVerdict {
  return {
    goal: `${name} <= ${maxRatio.toFixed(1)}x peer`,
    measured: `${figure.ratio.toFixed(2)}x`,
    pass: figure.ratio <= maxRatio,
  };
}

/** A figure must be at most `limit` (in `unit`). */
export function ceilingGoal(name: string, value: number, limit: number, unit: string): GoalVerdict {
  return { goal: `${name} <= ${limit} ${unit}`, measured: `${value.toFixed(1)} ${unit}`, pass: value <= limit };
}
