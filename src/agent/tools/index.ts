import type { StructuredToolInterface } from "@langchain/core/tools";
import { comparePeriodsTool } from "./compare-periods.js";
import type { ToolDependencies } from "./context.js";
import { getGoalsTool } from "./get-goals.js";
import { getHealthKnowledgeTool } from "./get-health-knowledge.js";
import { getHealthMetricsTool } from "./get-health-metrics.js";
import { getPastAdviceTool } from "./get-past-advice.js";
import { getSleepAnalysisTool } from "./get-sleep-analysis.js";
import { getWorkoutPatternsTool } from "./get-workout-patterns.js";
import { getWorkoutsTool } from "./get-workouts.js";
import { recordAdviceTool } from "./record-advice.js";
import { setGoalTool } from "./set-goal.js";

export { createCacheTools, type CacheToolDependencies } from "./cache-tools.js";
export { ToolContextError, type ToolDependencies } from "./context.js";
export { UnknownMetricError, resolveMetric } from "./metrics.js";

/** Names of the health tools, as the model sees them. */
export const TOOL_NAMES = [
  "get_health_metrics",
  "get_sleep_analysis",
  "get_workouts",
  "get_workout_patterns",
  "compare_periods",
  "get_goals",
  "set_goal",
  "get_health_knowledge",
  "record_advice",
  "get_past_advice",
] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

/** The tools of the stateless baseline: health data only, nothing that reads or writes memory. */
export const STATELESS_TOOL_NAMES = ["get_health_metrics", "get_sleep_analysis", "get_workouts", "get_workout_patterns", "compare_periods"] as const satisfies readonly ToolName[];

/**
 * The agent's tools over one user's Redis indexes and memory, looked up by name. The user comes
 * from each call's configurable.userId, never from the model's arguments.
 */
export function createHealthTools(deps: ToolDependencies): Record<ToolName, StructuredToolInterface> {
  return {
    get_health_metrics: getHealthMetricsTool(deps),
    get_sleep_analysis: getSleepAnalysisTool(deps),
    get_workouts: getWorkoutsTool(deps),
    get_workout_patterns: getWorkoutPatternsTool(deps),
    compare_periods: comparePeriodsTool(deps),
    get_goals: getGoalsTool(deps),
    set_goal: setGoalTool(deps),
    get_health_knowledge: getHealthKnowledgeTool(deps),
    record_advice: recordAdviceTool(deps),
    get_past_advice: getPastAdviceTool(deps),
  };
}

/**
 * The stateless baseline's tools: the health-data readers alone, without the tool-output cache
 * (it writes keys) and without goal, memory or cache tools, so the baseline remembers nothing.
 */
export function createStatelessTools(deps: Omit<ToolDependencies, "toolCache">): StructuredToolInterface[] {
  const { toolCache: _none, ...uncached } = deps as ToolDependencies;
  const all = createHealthTools(uncached);
  return STATELESS_TOOL_NAMES.map((name) => all[name]);
}
