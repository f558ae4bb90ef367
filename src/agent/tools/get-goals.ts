import { tool } from "@langchain/core/tools";
import { z } from "zod";
import { guarded, result, userOf, type ToolDependencies } from "./context.js";

const schema = z.object({
  include_history: z.boolean().optional().describe("Also list goals that a newer goal for the same metric replaced. Default false"),
});

/** get_goals: the user's goals from episodic memory. */
export function getGoalsTool(deps: ToolDependencies) {
  return tool(
    (input, config) =>
      guarded(async () => {
        const userId = userOf(config, deps.currentUser);
        const goals = (await deps.memory.episodic.list(userId, "goal")).filter((goal) => input.include_history || !goal.supersededBy);
        return result({
          goals: goals.map((goal) => ({
            id: goal.id,
            description: goal.description,
            ...(goal.goal ? { metric: goal.goal.metric, value: goal.goal.value, unit: goal.goal.unit, targetDate: goal.goal.targetDate ?? null } : {}),
            setOn: goal.timestamp.slice(0, 10),
            ...(goal.supersededBy ? { replacedBy: goal.supersededBy } : {}),
          })),
        });
      }),
    {
      name: "get_goals",
      description: "The user's health goals (e.g. 10,000 steps a day, 8 hours of sleep) as they stated them, with metric, target value, unit and target date.",
      schema,
    },
  );
}
