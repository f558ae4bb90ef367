import type { MetricKind } from "../../health/types.js";
import type { CumulativeDay, DiscreteDay, CategoryDay } from "../../health/types.js";
import type { SeriesDay } from "../../health/store/health-store.js";
import { round } from "./context.js";

export const AGGREGATIONS = ["avg", "min", "max", "sum", "count"] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];
export type Granularity = "day" | "week" | "month";

/** The start date of the bucket a date falls in: itself, its week's Monday, or its month's first. */
function bucketOf(date: string, granularity: Granularity): string {
  if (granularity === "day") return date;
  if (granularity === "month") return `${date.slice(0, 7)}-01`;
  const day = Date.parse(`${date}T00:00:00Z`);
  const weekday = (new Date(day).getUTCDay() + 6) % 7;
  return new Date(day - weekday * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Aggregates daily values. For cumulative metrics a day's value is its de-duplicated total (avg =
 * average day, sum = total); for discrete metrics avg weighs every sample, min and max are the
 * samples' extremes; for category types a day's value is its count. `count` is days with data.
 */
export function aggregate(kind: MetricKind, days: SeriesDay[], wanted: readonly Aggregation[]): Partial<Record<Aggregation, number>> {
  if (days.length === 0) return { count: 0 };
  let sum = 0;
  let samples = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const day of days) {
    if (kind === "discrete") {
      const entry = day as DiscreteDay;
      sum += entry.sum;
      samples += entry.count;
      min = Math.min(min, entry.min);
      max = Math.max(max, entry.max);
    } else {
      const value = kind === "cumulative" ? (day as CumulativeDay).total : (day as CategoryDay).count;
      sum += value;
      samples += 1;
      min = Math.min(min, value);
      max = Math.max(max, value);
    }
  }
  const all: Record<Aggregation, number> = { avg: round(sum / samples), min: round(min), max: round(max), sum: round(sum), count: days.length };
  return Object.fromEntries(wanted.map((name) => [name, all[name]]));
}

/** Buckets of days, each with its aggregates, in date order. */
export function buckets(kind: MetricKind, days: SeriesDay[], granularity: Granularity, wanted: readonly Aggregation[]) {
  const groups = new Map<string, SeriesDay[]>();
  for (const day of days) {
    const key = bucketOf(day.date, granularity);
    const group = groups.get(key) ?? [];
    group.push(day);
    groups.set(key, group);
  }
  return [...groups.entries()].map(([start, group]) => ({ start, ...aggregate(kind, group, wanted) }));
}
