import { Hono, type Context } from "hono";
import { z } from "zod";
import { dailyValue, HealthStore, type SeriesDay } from "../../health/store/health-store.js";
import type { MetricKind, SleepNight, Workout } from "../../health/types.js";
import type { RedisClient } from "../../redis/client.js";
import type { KeySchema } from "../../redis/keys.js";
import { isValidId } from "../../redis/ids.js";
import { validate } from "../validate.js";

export interface HealthSeriesRouteDependencies {
  client: RedisClient;
  keys: KeySchema;
  /** The caller's user id (from authentication). */
  userOf: (context: Context) => string;
}

export type Granularity = "day" | "week" | "month";

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/u, "a date as YYYY-MM-DD")
  .refine((text) => !Number.isNaN(Date.parse(`${text}T00:00:00Z`)), "a real calendar date");

const rangeQuery = z
  .object({
    from: isoDate.optional().describe("first day, inclusive (default: the first day of data)"),
    to: isoDate.optional().describe("last day, inclusive (default: the last day of data)"),
    granularity: z.enum(["day", "week", "month"]).default("day").describe("one point per day, ISO week (Monday) or month"),
  })
  .refine((query) => !query.from || !query.to || query.from <= query.to, { message: "from must not be after to", path: ["from"] });

const seriesQuery = rangeQuery.and(
  z.object({
    metric: z.string().refine(isValidId, "a metric name such as StepCount (see GET /api/health/summary)").describe("the metric's stored name"),
  }),
);

/** The bucket a day falls in: the day itself, its ISO week's Monday, or its month's first day. */
export function bucketOf(date: string, granularity: Granularity): string {
  if (granularity === "day") return date;
  if (granularity === "month") return `${date.slice(0, 7)}-01`;
  const day = new Date(`${date}T00:00:00Z`);
  const sinceMonday = (day.getUTCDay() + 6) % 7;
  return new Date(day.getTime() - sinceMonday * 86_400_000).toISOString().slice(0, 10);
}

/** Groups dated items into buckets, in date order (the store returns them oldest first). */
function groupBy<T extends { date: string }>(items: T[], granularity: Granularity): Map<string, T[]> {
  const buckets = new Map<string, T[]>();
  for (const item of items) {
    const key = bucketOf(item.date, granularity);
    const bucket = buckets.get(key);
    if (bucket) bucket.push(item);
    else buckets.set(key, [item]);
  }
  return buckets;
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
/** Six significant digits: small values must not round to zero (HRV imported in minutes before it stayed in milliseconds, 0.0007), steps need no decimals. */
const significant = (value: number) => Number(value.toPrecision(6));
const mean = (values: number[]) => (values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length);

/** One point of a metric: the mean daily value of its bucket, with the bucket's daily extremes. */
export interface SeriesPoint {
  date: string;
  value: number;
  min: number;
  max: number;
  days: number;
}

function seriesPoints(kind: MetricKind, days: SeriesDay[], granularity: Granularity): SeriesPoint[] {
  return [...groupBy(days, granularity)].map(([date, bucket]) => {
    const values = bucket.map((day) => dailyValue(kind, day));
    return { date, value: significant(mean(values)), min: significant(Math.min(...values)), max: significant(Math.max(...values)), days: bucket.length };
  });
}

/** Sleep per bucket: mean hours per night by stage. */
export interface SleepPoint {
  date: string;
  nights: number;
  asleepHours: number;
  coreHours: number;
  deepHours: number;
  remHours: number;
  awakeHours: number;
  inBedHours: number;
}

function sleepPoints(nights: SleepNight[], granularity: Granularity): SleepPoint[] {
  const hours = (bucket: SleepNight[], pick: (night: SleepNight) => number) => round(mean(bucket.map(pick)) / 60);
  return [...groupBy(nights, granularity)].map(([date, bucket]) => ({
    date,
    nights: bucket.length,
    asleepHours: hours(bucket, (night) => night.asleepMinutes),
    coreHours: hours(bucket, (night) => night.coreMinutes),
    deepHours: hours(bucket, (night) => night.deepMinutes),
    remHours: hours(bucket, (night) => night.remMinutes),
    awakeHours: hours(bucket, (night) => night.awakeMinutes),
    inBedHours: hours(bucket, (night) => night.inBedMinutes),
  }));
}

/** Workouts per bucket (a week unless asked otherwise): how many of each type, and their minutes. */
export interface WorkoutPoint {
  date: string;
  count: Record<string, number>;
  minutes: Record<string, number>;
}

function workoutPoints(workouts: Workout[], granularity: Granularity): WorkoutPoint[] {
  return [...groupBy(workouts, granularity)].map(([date, bucket]) => {
    const count: Record<string, number> = {};
    const minutes: Record<string, number> = {};
    for (const workout of bucket) {
      count[workout.type] = (count[workout.type] ?? 0) + 1;
      minutes[workout.type] = round((minutes[workout.type] ?? 0) + workout.durationMinutes, 1);
    }
    return { date, count, minutes };
  });
}

/** Epoch seconds that surely cover a local date range, whatever the time zone (±14 h). */
function epochRange(from: string | undefined, to: string | undefined): [number, number] {
  const start = from ? Date.parse(`${from}T00:00:00Z`) / 1000 - 14 * 3600 : 0;
  const end = to ? Date.parse(`${to}T23:59:59Z`) / 1000 + 14 * 3600 : Number.MAX_SAFE_INTEGER;
  return [start, end];
}

/**
 * /api/health: the caller's imported data for the dashboard, read from the permanent per-series
 * sorted sets the tools read (one ZRANGE BYSCORE per request), bucketed by day, week or month.
 * A `Server-Timing` header tells how long the server took.
 *
 * - `GET /summary`: the data's own range, the stored metrics with units, counts.
 * - `GET /series?metric=StepCount&from=&to=&granularity=day`: one metric.
 * - `GET /sleep?from=&to=&granularity=`: hours per night by stage.
 * - `GET /workouts?from=&to=&granularity=week`: workouts per bucket by type.
 */
export function healthSeriesRoutes({ client, keys, userOf }: HealthSeriesRouteDependencies): Hono {
  const store = new HealthStore(client, keys);
  const timed = <T>(context: Context, started: number, body: T) => {
    context.header("Server-Timing", `total;dur=${(performance.now() - started).toFixed(1)}`);
    context.header("Cache-Control", "no-store");
    return context.json(body as object);
  };
  return new Hono()
    .get("/summary", async (context) => {
      const started = performance.now();
      const manifest = await store.manifest(userOf(context));
      if (!manifest) return timed(context, started, { imported: false });
      return timed(context, started, {
        imported: true,
        firstDate: manifest.firstDate,
        lastDate: manifest.lastDate,
        exportDate: manifest.exportDate,
        metrics: manifest.metrics,
        workouts: manifest.workouts,
        sleepNights: manifest.sleepNights,
      });
    })
    .get("/series", async (context) => {
      const started = performance.now();
      const { metric, from, to, granularity } = validate(seriesQuery, context.req.query(), "query");
      const user = userOf(context);
      const [manifest, days] = await Promise.all([store.manifest(user), store.series(user, metric, from, to)]);
      const info = manifest?.metrics[metric];
      if (!info) return timed(context, started, { metric, unit: null, kind: null, granularity, points: [] });
      return timed(context, started, { metric, unit: info.unit, kind: info.kind, granularity, points: seriesPoints(info.kind, days, granularity) });
    })
    .get("/sleep", async (context) => {
      const started = performance.now();
      const { from, to, granularity } = validate(rangeQuery, context.req.query(), "query");
      const nights = await store.sleep(userOf(context), from, to);
      return timed(context, started, { granularity, points: sleepPoints(nights, granularity) });
    })
    .get("/workouts", async (context) => {
      const started = performance.now();
      const query = validate(rangeQuery, { granularity: "week", ...context.req.query() }, "query");
      const [fromEpoch, toEpoch] = epochRange(query.from, query.to);
      const workouts = (await store.workouts(userOf(context), fromEpoch, toEpoch)).filter(
        (workout) => (!query.from || workout.date >= query.from) && (!query.to || workout.date <= query.to),
      );
      const types = [...new Set(workouts.map((workout) => workout.type))].sort();
      return timed(context, started, { granularity: query.granularity, types, points: workoutPoints(workouts, query.granularity) });
    });
}
