import { tool } from "@langchain/core/tools";
import { z } from "zod";
import { emptyPeriodNote } from "./data-range.js";
import { cachedResult, guarded, period, result, round, userOf, type ToolDependencies } from "./context.js";

const MAX_NIGHTS = 31;

const schema = z.object({
  period: z.string().describe("Nights to analyse in words: 'last night', 'last week', 'last 14 days', 'October'. A night belongs to the date it ends on"),
});

/** get_sleep_analysis: each night's sleep and the averages over a period. */
export function getSleepAnalysisTool(deps: ToolDependencies) {
  return tool(
    (input, config) =>
      guarded(async () => {
        const userId = userOf(config, deps.currentUser);
        const range = period(deps, input.period);
        return cachedResult(deps, "get_sleep_analysis", userId, input, [range], async () => {
          const nights = await deps.store.sleep(userId, range.from, range.to);
          const hours = (minutes: number) => round(minutes / 60, 2);
          const mean = (values: number[]) => (values.length === 0 ? null : round(values.reduce((a, b) => a + b, 0) / values.length, 2));
          return result({
            period: range,
            nights: nights.length,
            averages: {
              asleepHours: mean(nights.map((night) => hours(night.asleepMinutes))),
              inBedHours: mean(nights.map((night) => hours(night.inBedMinutes))),
              efficiency: mean(nights.map((night) => night.efficiency)),
              deepHours: mean(nights.map((night) => hours(night.deepMinutes))),
              remHours: mean(nights.map((night) => hours(night.remMinutes))),
            },
            perNight: nights.slice(-MAX_NIGHTS).map((night) => ({
              date: night.date,
              asleepHours: hours(night.asleepMinutes),
              inBedHours: hours(night.inBedMinutes),
              efficiency: night.efficiency,
              stages: { coreHours: hours(night.coreMinutes), deepHours: hours(night.deepMinutes), remHours: hours(night.remMinutes), awakeHours: hours(night.awakeMinutes) },
              bedtime: night.bedtime,
              wakeTime: night.wakeTime,
            })),
            ...(nights.length > MAX_NIGHTS ? { note: `per-night list shows the last ${MAX_NIGHTS} of ${nights.length} nights` } : {}),
            ...(nights.length === 0 ? await emptyPeriodNote(deps, userId, "sleep", range) : {}),
          });
        });
      }),
    {
      name: "get_sleep_analysis",
      description:
        "The user's sleep over a period: per night hours asleep and in bed, sleep stages (core, deep, REM, awake), efficiency, bedtime and wake time, plus averages. Use it for 'how did I sleep last night', 'my sleep this week'.",
      schema,
    },
  );
}
