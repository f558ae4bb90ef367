import { resolveMetric } from "../agent/tools/metrics.js";
import type { HealthManifest } from "../health/types.js";
import type { Direction } from "../memory/interventions.js";

/** Minutes asleep per night, from the permanent sleep nights (not a daily series of its own). */
export const SLEEP_DURATION = "SleepDuration";

/**
 * Words in a piece of advice that name the metric it should move, most specific first (so
 * "resting heart rate" is not read as "heart rate").
 */
const MENTIONS: [RegExp, string][] = [
  [/\bresting heart rate\b|\brhr\b/iu, "RestingHeartRate"],
  [/\bhrv\b|heart rate variability/iu, "HeartRateVariabilitySDNN"],
  [/\b(sleep|slept|bed ?time|to bed|bedtime|nap|naps|wind down|screens? before bed)\b/iu, SLEEP_DURATION],
  [/\b(steps?|walk|walks|walking|stroll)\b/iu, "StepCount"],
  [/\b(exercise minutes|exercise|workouts?|work out|training|cardio|jog|jogging|run|runs|running|cycling|swim)\b/iu, "AppleExerciseTime"],
  [/\b(active energy|active calories|calories)\b/iu, "ActiveEnergyBurned"],
  [/\b(weight|body mass)\b/iu, "BodyMass"],
  [/\bheart rate\b/iu, "HeartRate"],
  [/\bflights?\b|\bstairs\b/iu, "FlightsClimbed"],
  [/\bstand(ing)?\b/iu, "AppleStandTime"],
];

/** Metrics where less is better; advice on any other metric aims to raise it. */
const LOWER_IS_BETTER = new Set(["RestingHeartRate", "HeartRate", "WalkingHeartRateAverage", "BodyMass", "BodyMassIndex", "BodyFatPercentage", "BloodPressureSystolic", "BloodPressureDiastolic"]);

/** The metric a sentence of advice is about, by its words; undefined when it names none. */
export function metricOfText(text: string): string | undefined {
  return MENTIONS.find(([pattern]) => pattern.test(text))?.[1];
}

/** The direction that counts as better for a metric, unless the advice says otherwise. */
export function defaultDirection(metric: string): Direction {
  return LOWER_IS_BETTER.has(metric) ? "decrease" : "increase";
}

/**
 * The stored metric an asked-for name means: SleepDuration for sleep, otherwise the user's
 * series by name or everyday alias (as the health tools resolve it).
 *
 * @throws {UnknownMetricError} when the user has no such metric.
 */
export function adviceMetric(asked: string, manifest: HealthManifest | undefined): string {
  const key = asked.trim().toLowerCase().replace(/[_\s-]+/gu, "");
  if (["sleep", "sleepduration", "sleeptime", "sleephours", "bedtime", "sleepanalysis"].includes(key)) return SLEEP_DURATION;
  return resolveMetric(asked, manifest);
}
