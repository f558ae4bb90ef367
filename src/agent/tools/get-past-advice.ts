import { tool } from "@langchain/core/tools";
import { z } from "zod";
import { adviceMetric } from "../../coaching/metrics.js";
import { OUTCOMES, type Intervention } from "../../memory/interventions.js";
import { guarded, result, userOf, type ToolDependencies } from "./context.js";

const schema = z.object({
  about: z.string().max(500).optional().describe("What the advice was about, to find similar advice, e.g. 'sleeping more'; leave out to list the newest"),
  metric: z.string().optional().describe("Only advice about this metric, e.g. 'StepCount', 'sleep'"),
  outcome: z.enum(OUTCOMES).optional().describe("Only advice with this outcome in the data: improved, unchanged, worse, pending or insufficient_data"),
  limit: z.number().int().min(1).max(20).optional().describe("How many to return, default 5"),
});

/** What one past piece of advice looks like to the model: the suggestion, its outcome with numbers, what the user said. */
export function describeAdvice(advice: Intervention) {
  const data = advice.dataOutcome;
  return {
    id: advice.id,
    suggestion: advice.suggestion,
    metric: advice.metric,
    given: advice.date,
    outcome: advice.outcome,
    ...(advice.baseline ? { baseline: `${advice.baseline.value} ${advice.baseline.unit} (${advice.baseline.from} to ${advice.baseline.to})` } : {}),
    ...(data && data.observed !== undefined ? { after: `${data.observed} ${data.unit} (${data.from} to ${data.to}), change ${data.change ?? 0} (${data.changePercent ?? 0}%)` } : {}),
    ...(advice.outcome === "pending" ? { measuredAfter: advice.evaluateAfter } : {}),
    ...(advice.adherence ? { userSaid: { followed: advice.adherence.followed, helped: advice.adherence.helped, quote: advice.adherence.quote } } : {}),
  };
}

/** get_past_advice: advice the agent gave this user before and whether it worked. */
export function getPastAdviceTool(deps: ToolDependencies) {
  return tool(
    (input, config) =>
      guarded(async () => {
        const userId = userOf(config, deps.currentUser);
        const metric = input.metric ? adviceMetric(input.metric, await deps.store.manifest(userId)) : undefined;
        const filter = { ...(metric ? { metric } : {}), ...(input.outcome ? { outcome: input.outcome } : {}) };
        const limit = input.limit ?? 5;
        const advice = input.about?.trim()
          ? await deps.memory.interventions.search(userId, input.about, { ...filter, k: limit })
          : (await deps.memory.interventions.list(userId, filter)).slice(0, limit);
        return result({ advice: advice.map(describeAdvice) });
      }),
    {
      name: "get_past_advice",
      description:
        "Advice you gave this user before, with whether it worked: the outcome measured in their data (improved, unchanged, worse, with the numbers) and what they said about following it. Filter by metric or outcome; what worked comes first.",
      schema,
    },
  );
}
