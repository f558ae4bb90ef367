import type { RedisClient } from "../../redis/client.js";
import type { KeySchema } from "../../redis/keys.js";
import type { HealthManifest, SleepNight } from "../types.js";
import { dailyValue, type HealthStore, type PermanentData } from "./health-store.js";

/** Summary index of one metric (`health:user:{user}:metric:{Metric}`). */
export interface MetricSummary {
  metric: string;
  kind: HealthManifest["metrics"][string]["kind"];
  unit: string;
  days: number;
  firstDate: string | null;
  lastDate: string | null;
  avg: number;
  min: number;
  max: number;
  /** The last seven days with data, newest last. */
  recent: { date: string; value: number }[];
}

export interface IndexCounts {
  metrics: number;
  workouts: number;
  sleepNights: number;
}

const BATCH = 1_000;

/**
 * The summary index of one metric, or undefined when it is missing (never imported, or expired:
 * `wellness reindex` writes it again). Tools read it to say where a metric's data lies when a
 * period has none: one GET instead of a scan of the whole series.
 */
export async function readMetricSummary(client: RedisClient, keys: KeySchema, userId: string, metric: string): Promise<MetricSummary | undefined> {
  const text = await client.get(keys.healthMetric(userId, metric));
  return text ? (JSON.parse(text) as MetricSummary) : undefined;
}

function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function average(values: number[]): number | null {
  return values.length === 0 ? null : round(values.reduce((sum, value) => sum + value, 0) / values.length);
}

/**
 * The TTL'd indexes beside the permanent data (metric summaries, workout weekday counts, recent
 * insights, the context line), rebuilt from the permanent data alone: `wellness reindex` needs
 * no export file. Ranges of days, workouts and nights are read from the permanent sorted sets.
 *
 * @example
 * ```ts
 * const indexes = new HealthIndexes(redis, keys, store, config.memoryTtlSeconds);
 * await indexes.rebuild("alice");
 * ```
 */
export class HealthIndexes {
  constructor(
    private readonly client: RedisClient,
    private readonly keys: KeySchema,
    private readonly store: HealthStore,
    private readonly ttlSeconds: number,
  ) {}

  /**
   * Drops the user's TTL'd indexes and writes them again from the permanent data. Pass the
   * manifest an import just replaced, so summaries of metrics the new data no longer has go too,
   * and the permanent data it just wrote, to build from that rather than read it all back.
   */
  async rebuild(userId: string, replaced?: HealthManifest, written?: Pick<PermanentData, "manifest" | "series" | "workouts" | "sleep">): Promise<IndexCounts> {
    const manifest = written ? written.manifest : await this.store.manifest(userId);
    await this.clear(userId, [...Object.keys(manifest?.metrics ?? {}), ...Object.keys(replaced?.metrics ?? {})]);
    if (!manifest) {
      await this.client.del(this.keys.healthIndexesPending(userId));
      return { metrics: 0, workouts: 0, sleepNights: 0 };
    }
    const writes: Promise<unknown>[] = [];
    const push = async (write: Promise<unknown>) => {
      writes.push(write);
      if (writes.length >= BATCH) await Promise.all(writes.splice(0));
    };
    const ttl = this.ttlSeconds;

    const summaries: MetricSummary[] = [];
    const lastTwoWeeks = new Map<string, { unit: string; lastDate: string | null; values: number[] }>();
    for (const [metric, info] of Object.entries(manifest.metrics)) {
      const days = written?.series.get(metric) ?? (await this.store.series(userId, metric));
      const values = days.map((day) => dailyValue(info.kind, day));
      lastTwoWeeks.set(metric, { unit: info.unit, lastDate: days.at(-1)?.date ?? null, values: values.slice(-14) });
      const summary: MetricSummary = {
        metric,
        kind: info.kind,
        unit: info.unit,
        days: days.length,
        firstDate: days[0]?.date ?? null,
        lastDate: days.at(-1)?.date ?? null,
        avg: average(values) ?? 0,
        min: values.length > 0 ? round(Math.min(...values)) : 0,
        max: values.length > 0 ? round(Math.max(...values)) : 0,
        recent: days.slice(-7).map((day) => ({ date: day.date, value: round(dailyValue(info.kind, day)) })),
      };
      summaries.push(summary);
      await push(this.client.set(this.keys.healthMetric(userId, metric), JSON.stringify(summary), { EX: ttl }));
    }

    // Workouts: only the weekday counts, which get_workout_patterns reads. Workout and sleep
    // ranges are read straight from the permanent sorted sets (one ZRANGE BYSCORE each), so no
    // per-workout or per-night copies are kept.
    const workouts = written ? written.workouts : await this.store.workouts(userId);
    const weekdays = Object.create(null) as Record<string, number>;
    for (const workout of workouts) weekdays[workout.weekday] = (weekdays[workout.weekday] ?? 0) + 1;
    if (workouts.length > 0) {
      await push(this.client.hSet(this.keys.workoutDays(userId), weekdays));
      await push(this.client.expire(this.keys.workoutDays(userId), ttl));
    }

    const nights = written ? written.sleep : await this.store.sleep(userId);
    const insights = this.insights(lastTwoWeeks, nights);
    writes.push(this.client.set(this.keys.recentInsights(userId), JSON.stringify(insights), { EX: ttl }));
    writes.push(this.client.set(this.keys.healthContext(userId), this.contextLine(manifest, workouts.length, nights.length)));
    await Promise.all(writes);
    await this.client.del(this.keys.healthIndexesPending(userId));
    return { metrics: summaries.length, workouts: workouts.length, sleepNights: nights.length };
  }

  /**
   * Removes every TTL'd index of the user, found through the indexes themselves (no SCAN),
   * including the per-workout and per-night hashes that earlier versions wrote.
   */
  private async clear(userId: string, metrics: string[]): Promise<void> {
    const [workoutIds, nightDates] = await Promise.all([
      this.client.zRange(this.keys.workoutsByDate(userId), 0, -1),
      this.client.zRange(this.keys.sleepByDate(userId), 0, -1),
    ]);
    const keys = [
      ...workoutIds.map((id) => this.keys.workout(userId, id)),
      ...nightDates.map((date) => this.keys.sleepNight(userId, date)),
      ...[...new Set(metrics)].map((metric) => this.keys.healthMetric(userId, metric)),
      this.keys.workoutsByDate(userId),
      this.keys.workoutDays(userId),
      this.keys.sleepByDate(userId),
      this.keys.recentInsights(userId),
      this.keys.healthContext(userId),
    ];
    for (let i = 0; i < keys.length; i += BATCH) await this.client.unlink(keys.slice(i, i + BATCH));
  }

  /** Last seven days against the seven before, for the metrics people ask about most. */
  private insights(lastTwoWeeks: Map<string, { unit: string; lastDate: string | null; values: number[] }>, nights: SleepNight[]) {
    const compare = (values: number[]) => {
      const last = average(values.slice(-7));
      const previous = average(values.slice(-14, -7));
      return { last7DaysAvg: last, previous7DaysAvg: previous, change: last !== null && previous !== null ? round(last - previous) : null };
    };
    const metric = (name: string) => {
      const recent = lastTwoWeeks.get(name);
      return recent ? { unit: recent.unit, lastDate: recent.lastDate, ...compare(recent.values) } : null;
    };
    return {
      steps: metric("StepCount"),
      restingHeartRate: metric("RestingHeartRate"),
      activeEnergy: metric("ActiveEnergyBurned"),
      sleepHours: nights.length > 0 ? { unit: "h", ...compare(nights.map((night) => round(night.asleepMinutes / 60))) } : null,
    };
  }

  private contextLine(manifest: HealthManifest, workouts: number, nights: number): string {
    const metrics = Object.keys(manifest.metrics);
    return (
      `Health data from ${manifest.firstDate ?? "?"} to ${manifest.lastDate ?? "?"}: ${metrics.length} metrics ` +
      `(${metrics.slice(0, 12).join(", ")}${metrics.length > 12 ? ", ..." : ""}), ${workouts} workouts, ${nights} nights of sleep.`
    );
  }
}
