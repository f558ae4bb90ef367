import type { RedisClient } from "../../redis/client.js";
import type { KeySchema } from "../../redis/keys.js";
import type { HealthManifest, SleepNight, Workout } from "../types.js";
import { dailyValue, type HealthStore } from "./health-store.js";

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

function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function average(values: number[]): number | null {
  return values.length === 0 ? null : round(values.reduce((sum, value) => sum + value, 0) / values.length);
}

/**
 * The TTL'd indexes the agent's tools read (metric summaries, workout day counts, workouts by
 * date and their detail hashes, sleep by night, recent insights, the context line), rebuilt from
 * the permanent data alone: `wellness reindex` needs no export file.
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
   * manifest an import just replaced, so summaries of metrics the new data no longer has go too.
   */
  async rebuild(userId: string, replaced?: HealthManifest): Promise<IndexCounts> {
    const manifest = await this.store.manifest(userId);
    await this.clear(userId, [...Object.keys(manifest?.metrics ?? {}), ...Object.keys(replaced?.metrics ?? {})]);
    if (!manifest) return { metrics: 0, workouts: 0, sleepNights: 0 };
    const writes: Promise<unknown>[] = [];
    const push = async (write: Promise<unknown>) => {
      writes.push(write);
      if (writes.length >= BATCH) await Promise.all(writes.splice(0));
    };
    const ttl = this.ttlSeconds;

    const summaries: MetricSummary[] = [];
    const lastTwoWeeks = new Map<string, { unit: string; lastDate: string | null; values: number[] }>();
    for (const [metric, info] of Object.entries(manifest.metrics)) {
      const days = await this.store.series(userId, metric);
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

    const workouts = await this.store.workouts(userId);
    for (const workout of workouts) {
      await push(this.writeWorkout(userId, workout));
    }
    if (workouts.length > 0) {
      await push(this.client.expire(this.keys.workoutsByDate(userId), ttl));
      await push(this.client.expire(this.keys.workoutDays(userId), ttl));
    }

    const nights = await this.store.sleep(userId);
    for (const night of nights) {
      await push(this.writeNight(userId, night));
    }
    if (nights.length > 0) await push(this.client.expire(this.keys.sleepByDate(userId), ttl));

    const insights = this.insights(lastTwoWeeks, nights);
    writes.push(this.client.set(this.keys.recentInsights(userId), JSON.stringify(insights), { EX: ttl }));
    writes.push(this.client.set(this.keys.healthContext(userId), this.contextLine(manifest, workouts.length, nights.length)));
    await Promise.all(writes);
    return { metrics: summaries.length, workouts: workouts.length, sleepNights: nights.length };
  }

  private async writeWorkout(userId: string, workout: Workout): Promise<void> {
    const key = this.keys.workout(userId, workout.id);
    const fields = Object.fromEntries(
      Object.entries(workout).map(([name, value]) => [name, String(value)]),
    );
    await Promise.all([
      this.client.hSet(key, fields),
      this.client.expire(key, this.ttlSeconds),
      this.client.zAdd(this.keys.workoutsByDate(userId), { score: workout.startEpoch, value: workout.id }),
      this.client.hIncrBy(this.keys.workoutDays(userId), workout.weekday, 1),
    ]);
  }

  private async writeNight(userId: string, night: SleepNight): Promise<void> {
    const key = this.keys.sleepNight(userId, night.date);
    const fields = Object.fromEntries(
      Object.entries(night).map(([name, value]) => [name, Array.isArray(value) ? value.join(",") : String(value)]),
    );
    await Promise.all([
      this.client.hSet(key, fields),
      this.client.expire(key, this.ttlSeconds),
      this.client.zAdd(this.keys.sleepByDate(userId), { score: Date.parse(`${night.date}T00:00:00Z`) / 1000, value: night.date }),
    ]);
  }

  /** Removes every TTL'd index of the user, found through the indexes themselves (no SCAN). */
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
