/** Median, p95, min and max of a list of figures. */
export interface Stats {
  readonly median: number;
  readonly p95: number;
  readonly min: number;
  readonly max: number;
  readonly n: number;
}

/** Nearest-rank percentiles over the samples. */
export function stats(samples: readonly number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number): number =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? NaN;
  return { median: rank(0.5), p95: rank(0.95), min: sorted[0] ?? NaN, max: sorted.at(-1) ?? NaN, n: sorted.length };
}
