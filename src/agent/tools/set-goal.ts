import { tool } from "@langchain/core/tools";
import { z } from "zod";
import { guarded, result, userOf, type ToolDependencies } from "./context.js";
import { resolveMetric } from "./metrics.js";

const schema = z.object({
  metric: z.string().describe("The metric the goal is about, e.g. 'StepCount', 'steps', 'weight', 'sleep hours'"),
  value: z.number().describe("The target value, e.g. 10000"),
  unit: z.string().describe("The unit of the target, e.g. 'steps/day', 'kg', 'hours/night'"),
  target_date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/u).optional().describe("By when, as YYYY-MM-DD, if the user said"),
  description: z.string().max(500).optional().describe("The goal in the user's own words"),
});

/** set_goal: stores a goal the user stated; it replaces an earlier goal for the same metric. */
export function setGoalTool(deps: ToolDependencies) {
  return tool(
    (input, config) =>
      guarded(async () => {
        const userId = userOf(config, deps.currentUser);
        const manifest = await deps.store.manifest(userId);
        let metric = input.metric.trim();
        try {
          metric = resolveMetric(input.metric, manifest);
        } catch {
          metric = metric.replace(/[^A-Za-z0-9]+/gu, "");
        }
        const goal = await deps.memory.episodic.setGoal(userId, {
          metric,
          value: input.value,
          unit: input.unit,
          ...(input.target_date ? { targetDate: input.target_date } : {}),
          ...(input.description ? { description: input.description } : {}),
        });
        return result({ saved: true, id: goal.id, metric, value: input.value, unit: input.unit, targetDate: input.target_date ?? null });
      }),
    {
      name: "set_goal",
      description: "Saves a health goal the user stated (\"my goal is 10k steps a day\"). A new goal for the same metric replaces the old one. Only for goals the user actually set, not for questions.",
      schema,
    },
  );
}
