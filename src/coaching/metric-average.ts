import { aggregate } from "../agent/tools/aggregate.js";
import { dateOfDayNumber, dayNumber } from "../health/import/normalize.js";
import type { HealthStore } from "../health/store/health-store.js";
import type { HealthManifest } from "../health/types.js";
import type { Baseline } from "../memory/interventions.js";
import { SLEEP_DURATION } from "./metrics.js";

/** One metric averaged over a range of days. */
export interface MetricAverage {
  value: number;
  unit: string;
  /** Days with data in the range. */
  days: number;
}

/** Weeks before a piece of advice that its baseline averages. */
const BASELINE_WEEKS = 4;

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/**
 * A metric's average over a range of days from the user's permanent data, the way the health
 * tools aggregate it (average day of a cumulative metric, sample-weighted average of a discrete
 * one; minutes asleep per night for SleepDuration): what a piece of advice's baseline and its
 * outcome are measured with.
 *
 * @example
 * ```ts
 * const averages = new MetricAverages(store);
 * await averages.baseline("alice", "StepCount", "2025-03-01"); // { value: 6120, unit: "count", from: "2025-02-01", to: "2025-02-28", days: 28 }
 * ```
 */
export class MetricAverages {
  constructor(private readonly store: HealthStore) {}

  /** The average over `from`..`to` (inclusive); undefined when no day in it has data. */
  async average(userId: string, metric: string, from: string, to: string, manifest?: HealthManifest): Promise<MetricAverage | undefined> {
    if (metric === SLEEP_DURATION) {
      const nights = await this.store.sleep(userId, from, to);
      if (nights.length === 0) return undefined;
      return { value: round(nights.reduce((sum, night) => sum + night.asleepMinutes, 0) / nights.length), unit: "min/night", days: nights.length };
    }
    const known = (manifest ?? (await this.store.manifest(userId)))?.metrics[metric];
    if (!known) return undefined;
    const days = await this.store.series(userId, metric, from, to);
    const { avg } = aggregate(known.kind, days, ["avg"]);
    return avg === undefined || days.length === 0 ? undefined : { value: avg, unit: known.kind === "category" ? "count" : known.unit, days: days.length };
  }

  /**
   * The metric over the weeks before `date`: the four weeks up to the day before, or, when the
   * data ends earlier, the last four weeks the data holds before it. Undefined without data.
   */
  async baseline(userId: string, metric: string, date: string): Promise<Baseline | undefined> {
    const manifest = await this.store.manifest(userId);
    const dayBefore = dayNumber(date) - 1;
    const lastData = manifest?.lastDate ? dayNumber(manifest.lastDate) : dayBefore;
    const end = Math.min(dayBefore, lastData);
    const from = dateOfDayNumber(end - BASELINE_WEEKS * 7 + 1);
    const to = dateOfDayNumber(end);
    const average = await this.average(userId, metric, from, to, manifest);
    return average ? { value: average.value, unit: average.unit, from, to, days: average.days } : undefined;
  }
}
