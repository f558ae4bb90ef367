import { tool } from "@langchain/core/tools";
import { z } from "zod";
import { emptyPeriodNote } from "./data-range.js";
import { cachedResult, guarded, period, result, round, userOf, type ToolDependencies } from "./context.js";

const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

const schema = z.object({
  period: z.string().describe("Time period in words: 'last 3 months', 'this year', 'last 8 weeks'"),
});

function mondayOf(date: string): number {
  const day = Date.parse(`${date}T00:00:00Z`) / 86_400_000;
  return day - ((new Date(day * 86_400_000).getUTCDay() + 6) % 7);
}

function countWeekdays(workouts: { weekday: string }[]): Record<string, number> {
  const counts = Object.create(null) as Record<string, number>;
  for (const workout of workouts) counts[workout.weekday] = (counts[workout.weekday] ?? 0) + 1;
  return counts;
}

/** get_workout_patterns: workouts per weekday, weekly streaks and consistency. */
export function getWorkoutPatternsTool(deps: ToolDependencies) {
  return tool(
    (input, config) =>
      guarded(async () => {
        const userId = userOf(config, deps.currentUser);
        const range = period(deps, input.period);
        return cachedResult(deps, "get_workout_patterns", userId, input, [range], async () => {
          const from = Date.parse(`${range.from}T00:00:00Z`) / 1000 - 14 * 3600;
          const to = Date.parse(`${range.to}T23:59:59Z`) / 1000 + 14 * 3600;
          const [workouts, indexed, pending] = await Promise.all([
            deps.store.workouts(userId, from, to),
            deps.client.hGetAll(deps.keys.workoutDays(userId)),
            deps.store.indexesPending(userId),
          ]);
          // While an import's index rebuild is pending, count from the permanent workouts instead.
          const allTime: Record<string, string | number> = pending ? countWeekdays(await deps.store.workouts(userId)) : indexed;
          const inRange = workouts.filter((w) => w.date >= range.from && w.date <= range.to);
          const byWeekday = Object.fromEntries(WEEKDAYS.map((day) => [day, 0]));
          for (const workout of inRange) byWeekday[workout.weekday] = (byWeekday[workout.weekday] ?? 0) + 1;
          const firstWeek = mondayOf(range.from);
          const lastWeek = mondayOf(range.to);
          const weeks = Math.floor((lastWeek - firstWeek) / 7) + 1;
          const active = new Set(inRange.map((w) => mondayOf(w.date)));
          let longest = 0;
          let run = 0;
          for (let week = firstWeek; week <= lastWeek; week += 7) {
            run = active.has(week) ? run + 1 : 0;
            longest = Math.max(longest, run);
          }
          let current = 0;
          for (let week = lastWeek; week >= firstWeek && active.has(week); week -= 7) current += 1;
          const ranked = Object.entries(byWeekday).sort(([, a], [, b]) => b - a);
          return result({
            period: range,
            workouts: inRange.length,
            perWeekday: byWeekday,
            mostCommonDay: inRange.length > 0 ? ranked[0]?.[0] : null,
            weeks,
            weeksWithWorkouts: active.size,
            consistencyPercent: round((active.size / weeks) * 100, 1),
            averagePerWeek: round(inRange.length / weeks, 2),
            longestWeeklyStreak: longest,
            currentWeeklyStreak: current,
            allTimePerWeekday: Object.fromEntries(WEEKDAYS.map((day) => [day, Number(allTime[day] ?? 0)])),
            ...(inRange.length === 0 ? await emptyPeriodNote(deps, userId, "workout", range) : {}),
          });
        });
      }),
    {
      name: "get_workout_patterns",
      description:
        "How regularly the user works out: workouts per weekday in a period and over all time, the most common day, weeks with at least one workout, consistency (% of weeks), average per week, and the longest and current weekly streaks. Use it for 'do I work out consistently on Mondays', 'how regular is my training'.",
      schema,
    },
  );
}
