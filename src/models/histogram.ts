/**
 * Upper bounds (ms) of the latency histogram's buckets; one more bucket holds everything slower.
 * Fixed, so counters from every process add up with HINCRBY; spaced for model calls, which take
 * from a few milliseconds (a local embedding) to a minute (a long answer on a small machine),
 * closest where chat answers usually land (half a second to ten seconds), since a quantile is
 * interpolated inside its bucket and a wide bucket blurs it.
 */
export const LATENCY_BUCKETS_MS = [10, 25, 50, 100, 250, 500, 750, 1_000, 1_500, 2_000, 3_000, 5_000, 7_500, 10_000, 15_000, 20_000, 30_000, 60_000] as const;

/** The hash field counting calls that fall in a bucket: `le:<bound>`, or `le:inf` past the last. */
export function bucketField(latencyMs: number): string {
  const bound = LATENCY_BUCKETS_MS.find((upper) => latencyMs <= upper);
  return `le:${bound ?? "inf"}`;
}

/**
 * A quantile (0..1) estimated from bucket counts, interpolating linearly inside the bucket it
 * falls in (as Prometheus does); a quantile in the overflow bucket is reported as the last bound.
 * Null when nothing was counted.
 */
export function quantileMs(counts: ReadonlyMap<string, number>, quantile: number): number | null {
  const total = [...counts.values()].reduce((sum, count) => sum + count, 0);
  if (total === 0) return null;
  const rank = quantile * total;
  let seen = 0;
  let lower = 0;
  for (const upper of LATENCY_BUCKETS_MS) {
    const count = counts.get(`le:${upper}`) ?? 0;
    if (count > 0 && seen + count >= rank) return Math.round(lower + ((rank - seen) / count) * (upper - lower));
    seen += count;
    lower = upper;
  }
  return LATENCY_BUCKETS_MS[LATENCY_BUCKETS_MS.length - 1] ?? null;
}
