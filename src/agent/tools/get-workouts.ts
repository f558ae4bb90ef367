import { tool } from "@langchain/core/tools";
import { z } from "zod";
import { emptyPeriodNote } from "./data-range.js";
import { cachedResult, guarded, period, result, round, userOf, type ToolDependencies } from "./context.js";

const MAX_WORKOUTS = 50;

const schema = z.object({
  period: z.string().describe("Time period in words: 'this week', 'last month', 'last 30 days', 'October'"),
  type: z.string().optional().describe("Only this kind of workout, e.g. 'Running', 'Cycling', 'Yoga' (case does not matter)"),
});

/** get_workouts: the workouts in a period with duration, distance, energy and heart rate. */
export function getWorkoutsTool(deps: ToolDependencies) {
  return tool(
    (input, config) =>
      guarded(async () => {
        const userId = userOf(config, deps.currentUser);
        const range = period(deps, input.period);
        return cachedResult(deps, "get_workouts", userId, input, [range], async () => {
          const from = Date.parse(`${range.from}T00:00:00Z`) / 1000 - 14 * 3600;
          const to = Date.parse(`${range.to}T23:59:59Z`) / 1000 + 14 * 3600;
          const wanted = input.type?.trim().toLowerCase().replace(/\s+/gu, "");
          const workouts = (await deps.store.workouts(userId, from, to)).filter(
            (workout) => workout.date >= range.from && workout.date <= range.to && (!wanted || workout.type.toLowerCase() === wanted),
          );
          const total = (pick: (w: (typeof workouts)[number]) => number | undefined) => round(workouts.reduce((sum, w) => sum + (pick(w) ?? 0), 0), 2);
          return result({
            period: range,
            ...(input.type ? { type: input.type } : {}),
            count: workouts.length,
            totals: { durationMinutes: total((w) => w.durationMinutes), distanceKm: total((w) => w.distanceKm), energyKcal: total((w) => w.energyKcal) },
            workouts: workouts.slice(-MAX_WORKOUTS).map((w) => ({
              date: w.date,
              weekday: w.weekday,
              type: w.type,
              start: w.start,
              durationMinutes: w.durationMinutes,
              ...(w.distanceKm !== undefined ? { distanceKm: w.distanceKm } : {}),
              ...(w.energyKcal !== undefined ? { energyKcal: w.energyKcal } : {}),
              ...(w.avgHeartRate !== undefined ? { avgHeartRate: w.avgHeartRate } : {}),
              ...(w.maxHeartRate !== undefined ? { maxHeartRate: w.maxHeartRate } : {}),
            })),
            ...(workouts.length > MAX_WORKOUTS ? { note: `showing the last ${MAX_WORKOUTS} of ${workouts.length} workouts` } : {}),
            ...(workouts.length === 0 ? await emptyPeriodNote(deps, userId, input.type ? `${input.type} workout` : "workout", range) : {}),
          });
        });
      }),
    {
      name: "get_workouts",
      description:
        "The user's workouts in a period, optionally of one type, with date, weekday, duration (minutes), distance (km), energy (kcal) and average and maximum heart rate, plus totals. Use it for 'what workouts did I do last week', 'my runs in October'.",
      schema,
    },
  );
}
