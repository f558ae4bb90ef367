import { WellnessError } from "../../errors.js";
import type { HealthManifest } from "../../health/types.js";

/** Everyday names for the metric types people ask about. */
const ALIASES: Record<string, string> = {
  steps: "StepCount",
  "step count": "StepCount",
  "heart rate": "HeartRate",
  hr: "HeartRate",
  pulse: "HeartRate",
  "resting heart rate": "RestingHeartRate",
  rhr: "RestingHeartRate",
  "walking heart rate": "WalkingHeartRateAverage",
  hrv: "HeartRateVariabilitySDNN",
  "heart rate variability": "HeartRateVariabilitySDNN",
  weight: "BodyMass",
  "body weight": "BodyMass",
  bmi: "BodyMassIndex",
  "body fat": "BodyFatPercentage",
  vo2max: "VO2Max",
  "vo2 max": "VO2Max",
  "cardio fitness": "VO2Max",
  "active energy": "ActiveEnergyBurned",
  "active calories": "ActiveEnergyBurned",
  calories: "ActiveEnergyBurned",
  "resting energy": "BasalEnergyBurned",
  "basal energy": "BasalEnergyBurned",
  distance: "DistanceWalkingRunning",
  "walking distance": "DistanceWalkingRunning",
  "cycling distance": "DistanceCycling",
  flights: "FlightsClimbed",
  "flights climbed": "FlightsClimbed",
  "exercise minutes": "AppleExerciseTime",
  "exercise time": "AppleExerciseTime",
  "stand time": "AppleStandTime",
  "blood oxygen": "OxygenSaturation",
  spo2: "OxygenSaturation",
  "respiratory rate": "RespiratoryRate",
  systolic: "BloodPressureSystolic",
  diastolic: "BloodPressureDiastolic",
};

/** The asked-for metric does not exist for this user. */
export class UnknownMetricError extends WellnessError {
  constructor(asked: string, available: string[]) {
    super(
      "ERR_UNKNOWN_METRIC",
      available.length === 0
        ? `There is no health data for this user yet (asked for "${asked}"): import an Apple Health export first.`
        : `No metric "${asked}" in this user's data. Available metrics: ${available.join(", ")}.`,
    );
  }
}

/** Maps a metric name or everyday alias to one of the user's stored metric types. */
export function resolveMetric(asked: string, manifest: HealthManifest | undefined): string {
  const available = Object.keys(manifest?.metrics ?? {});
  const key = asked.trim().toLowerCase().replace(/[_-]+/gu, " ");
  const candidates = [asked.trim(), ALIASES[key] ?? "", ...available.filter((name) => name.toLowerCase() === key.replace(/ /gu, ""))];
  const found = candidates.find((name) => name !== "" && available.includes(name));
  if (!found) throw new UnknownMetricError(asked, available);
  return found;
}
