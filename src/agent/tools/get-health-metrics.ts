import { tool } from "@langchain/core/tools";
import { z } from "zod";
import { AGGREGATIONS, aggregate, buckets, type Granularity } from "./aggregate.js";
import { describeEmptyPeriod, type EmptyPeriodNote } from "./data-range.js";
import { cachedResult, guarded, period, result, userOf, type ToolDependencies } from "./context.js";
import { readMetricSummary } from "../../health/store/indexes.js";
import { resolveMetric } from "./metrics.js";
import type { HealthManifest } from "../../health/types.js";
import type { DateRange } from "../time-range.js";

const MAX_BUCKETS = 92;

const schema = z.object({
  metric_types: z
    .array(z.string().min(1))
    .min(1)
    .max(6)
    .describe("Metrics to read, e.g. ['StepCount', 'RestingHeartRate'] or everyday names like 'steps', 'resting heart rate', 'weight', 'hrv'"),
  period: z.string().describe("Time period in words: 'last week', 'this month', 'last 30 days', 'October', '2024-10-01 to 2024-10-14'"),
  aggregations: z
    .array(z.enum(AGGREGATIONS))
    .optional()
    .describe("Statistics per bucket and overall: avg, min, max, sum, count (days with data). Default: avg, min, max"),
  granularity: z
    .enum(["day", "week", "month"])
    .optional()
    .describe("Bucket size. Default: day up to 31 days, week up to 6 months, month beyond"),
});

type MetricSummary = { firstDate: string | null; lastDate: string | null; days: number } | undefined;

/** Where the user's data lies (describeEmptyPeriod), and this metric's own days when its summary index knows them. */
function emptyMetricNote(manifest: HealthManifest | undefined, metric: string, range: DateRange, summary: MetricSummary): EmptyPeriodNote {
  const base = describeEmptyPeriod(manifest, metric, range);
  if (!summary?.firstDate || !summary.lastDate) return base;
  return { ...base, note: `${base.note}; ${metric} itself has ${summary.days} days of data from ${summary.firstDate} to ${summary.lastDate}` };
}

/** get_health_metrics: daily, weekly or monthly statistics of any imported metric over a period. */
export function getHealthMetricsTool(deps: ToolDependencies) {
  return tool(
    (input, config) =>
      guarded(async () => {
        const userId = userOf(config, deps.currentUser);
        const range = period(deps, input.period);
        const manifest = await deps.store.manifest(userId);
        const metrics = input.metric_types.map((name) => resolveMetric(name, manifest));
        const wanted = input.aggregations ?? ["avg", "min", "max"];
        const granularity: Granularity = input.granularity ?? (range.days <= 31 ? "day" : range.days <= 186 ? "week" : "month");
        return cachedResult(deps, "get_health_metrics", userId, input, [range], async () => {
          const series = await Promise.all(metrics.map((metric) => deps.store.series(userId, metric, range.from, range.to)));
          // A period without data: the metric's summary index says where its data does lie
          // (unless an import's index rebuild is still pending, when it may describe older data).
          const empty = series.some((days) => days.length === 0);
          const trusted = empty && !(await deps.store.indexesPending(userId));
          const summaries = await Promise.all(
            metrics.map((metric, index) =>
              trusted && (series[index] ?? []).length === 0 ? readMetricSummary(deps.client, deps.keys, userId, metric) : Promise.resolve(undefined),
            ),
          );
          return result({
            period: range,
            granularity,
            metrics: metrics.map((metric, index) => {
              const info = manifest?.metrics[metric];
              const kind = info?.kind ?? "discrete";
              const days = series[index] ?? [];
              const all = buckets(kind, days, granularity, wanted);
              return {
                metric,
                unit: info?.unit ?? "",
                kind,
                overall: aggregate(kind, days, wanted),
                buckets: all.slice(-MAX_BUCKETS),
                ...(all.length > MAX_BUCKETS ? { note: `showing the last ${MAX_BUCKETS} of ${all.length} buckets; ask for a coarser granularity` } : {}),
                ...(days.length === 0 ? emptyMetricNote(manifest, metric, range, summaries[index]) : {}),
              };
            }),
          });
        });
      }),
    {
      name: "get_health_metrics",
      description:
        "Statistics (average, minimum, maximum, total, days with data) of the user's health metrics over a period, per day, week or month: steps, distance, active and resting energy, heart rate, resting heart rate, HRV, VO2max, weight, blood pressure and any other imported metric. Units are included. Use it for 'how many steps did I walk last week', 'my resting heart rate trend this month'.",
      schema,
    },
  );
}
