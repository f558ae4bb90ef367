import { tool } from "@langchain/core/tools";
import { z } from "zod";
import { aggregate } from "./aggregate.js";
import { cachedResult, guarded, period, result, round, userOf, type ToolDependencies } from "./context.js";
import { resolveMetric } from "./metrics.js";

const schema = z.object({
  metric: z.string().describe("One metric, e.g. 'StepCount', 'resting heart rate', 'weight'"),
  period_a: z.string().describe("The earlier or reference period in words, e.g. 'last month'"),
  period_b: z.string().describe("The period to compare with it, e.g. 'this month'"),
});

/** compare_periods: one metric's average in two periods, with the absolute and percent change. */
export function comparePeriodsTool(deps: ToolDependencies) {
  return tool(
    (input, config) =>
      guarded(async () => {
        const userId = userOf(config, deps.currentUser);
        const manifest = await deps.store.manifest(userId);
        const metric = resolveMetric(input.metric, manifest);
        const kind = manifest?.metrics[metric]?.kind ?? "discrete";
        const [a, b] = [period(deps, input.period_a), period(deps, input.period_b)];
        return cachedResult(deps, "compare_periods", userId, input, [a, b], async () => {
          const [daysA, daysB] = await Promise.all([deps.store.series(userId, metric, a.from, a.to), deps.store.series(userId, metric, b.from, b.to)]);
          const valueA = aggregate(kind, daysA, ["avg", "count"]);
          const valueB = aggregate(kind, daysB, ["avg", "count"]);
          const change = valueA.avg !== undefined && valueB.avg !== undefined ? round(valueB.avg - valueA.avg) : null;
          return result({
            metric,
            unit: manifest?.metrics[metric]?.unit ?? "",
            measure: kind === "cumulative" ? "average daily total" : kind === "discrete" ? "average" : "average daily count",
            a: { period: a, value: valueA.avg ?? null, daysWithData: valueA.count },
            b: { period: b, value: valueB.avg ?? null, daysWithData: valueB.count },
            change,
            percentChange: change !== null && valueA.avg ? round((change / valueA.avg) * 100, 1) : null,
          });
        });
      }),
    {
      name: "compare_periods",
      description:
        "Compares one health metric between two periods: each period's value (average daily total for steps, distance and energy; average for heart rate, weight and the like), the absolute change and the percent change. Use it for 'did I walk more this month than last month'.",
      schema,
    },
  );
}
