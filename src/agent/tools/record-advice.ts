import { tool } from "@langchain/core/tools";
import { z } from "zod";
import { MetricAverages } from "../../coaching/metric-average.js";
import { adviceMetric, defaultDirection } from "../../coaching/metrics.js";
import { DIRECTIONS } from "../../memory/interventions.js";
import { userAndSession } from "../nodes/turn.js";
import { guarded, period, result, type ToolDependencies } from "./context.js";

const schema = z.object({
  suggestion: z.string().trim().min(1).max(500).describe("The concrete suggestion as given to the user, e.g. 'Go to bed 30 minutes earlier on weeknights'"),
  metric: z.string().describe("The metric it should change, e.g. 'StepCount', 'steps', 'sleep', 'resting heart rate'"),
  direction: z.enum(DIRECTIONS).optional().describe("Whether the suggestion aims to increase or decrease the metric; by default the metric's usual better direction"),
});

/**
 * record_advice: remembers a concrete suggestion the agent gives, with the metric's baseline
 * from the user's data, so its outcome can be measured after the evaluation window.
 */
export function recordAdviceTool(deps: ToolDependencies) {
  const averages = new MetricAverages(deps.store);
  return tool(
    (input, config) =>
      guarded(async () => {
        const { userId, sessionId } = userAndSession(config, deps.currentUser);
        const metric = adviceMetric(input.metric, await deps.store.manifest(userId));
        const date = period(deps, "today").to;
        const baseline = await averages.baseline(userId, metric, date);
        const advice = await deps.memory.interventions.record(userId, {
          sessionId,
          suggestion: input.suggestion,
          metric,
          direction: input.direction ?? defaultDirection(metric),
          ...(baseline ? { baseline } : {}),
          date,
          source: "tool",
        });
        return result({
          recorded: advice.id,
          metric,
          direction: advice.direction,
          baseline: baseline ? { value: baseline.value, unit: baseline.unit, from: baseline.from, to: baseline.to } : null,
          outcomeMeasuredAfter: advice.evaluateAfter,
        });
      }),
    {
      name: "record_advice",
      description:
        "Remembers a concrete suggestion you give the user that should change one of their metrics (\"walk 2,000 more steps on weekdays\", \"go to bed 30 minutes earlier\"), with the metric's current baseline, so whether it worked can be checked later. Call it once per suggestion, when you make it.",
      schema,
    },
  );
}
