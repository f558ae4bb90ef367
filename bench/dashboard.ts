/**
 * Dashboard benchmark: four years of daily data for one user (steps, resting heart rate, sleep,
 * workouts) in the permanent store, then the web app's JSON routes timed in-process through the
 * Hono app (server time: routing, validation, one ZRANGE BYSCORE, parsing, bucketing, JSON),
 * side by side with the bare store read they wrap. Writes its table to docs/benchmarks.md.
 *
 *   npm run bench:dashboard
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CircuitBreaker, closeRedis, connectRedis, createApp, HealthStore, KeySchema, RedisServerProcess, silentLogger, type SeriesDay } from "../src/index.js";
import type { HealthManifest, SleepNight, Workout } from "../src/health/types.js";
import { serverInfo } from "../src/redis/health.js";
import { machineDescription, writeBenchmarkSection } from "./report.js";

const DAYS = 4 * 365 + 1;
const RUNS = 200;
const USER = "bench-user";

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function time(run: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Median ms of RUNS calls, after a few warm-up calls. */
async function measure(run: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 5; i++) await run();
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) samples.push(await time(run));
  return median(samples);
}

function dates(): string[] {
  const first = Date.parse("2022-01-01T00:00:00Z");
  return Array.from({ length: DAYS }, (_, day) => new Date(first + day * 86_400_000).toISOString().slice(0, 10));
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "wellness-bench-dashboard-"));
  const server = await RedisServerProcess.start({ port: 20_000 + Math.floor(Math.random() * 20_000), dir });
  const redis = await connectRedis({ url: server.url });
  try {
    const keys = new KeySchema("bench:");
    const store = new HealthStore(redis, keys);
    const days = dates();
    const sleep: SleepNight[] = days.map((date, index) => ({
      date,
      asleepMinutes: 420 + (index % 60),
      inBedMinutes: 480,
      awakeMinutes: 20,
      coreMinutes: 250,
      deepMinutes: 80 + (index % 20),
      remMinutes: 90,
      efficiency: 0.9,
      bedtime: `${date}T23:00:00+01:00`,
      wakeTime: `${date}T07:00:00+01:00`,
      sources: ["Apple Watch"],
    }));
    const workouts: Workout[] = days
      .filter((_, index) => index % 2 === 0)
      .map((date, index) => ({
        id: `w${index}`,
        type: index % 3 === 0 ? "Cycling" : "Running",
        start: `${date}T18:00:00+01:00`,
        end: `${date}T18:40:00+01:00`,
        startEpoch: Date.parse(`${date}T17:00:00Z`) / 1000,
        date,
        weekday: "Monday",
        durationMinutes: 40,
        source: "Apple Watch",
      }));
    const manifest: HealthManifest = {
      version: 1,
      exportDate: null,
      profile: {},
      firstDate: days[0] ?? null,
      lastDate: days.at(-1) ?? null,
      recordsByType: {},
      metrics: { StepCount: { kind: "cumulative", unit: "count", days: DAYS }, RestingHeartRate: { kind: "discrete", unit: "count/min", days: DAYS } },
      workouts: workouts.length,
      sleepNights: sleep.length,
      activityDays: 0,
      skipped: { badDate: 0, legacyDate: 0, badValue: 0, unknownSleepValue: 0 },
      provenance: { file: "bench", xmlName: "bench", bytes: 0, sha256: "bench" },
    };
    await store.replace(USER, "bench-import", {
      manifest,
      series: new Map<string, SeriesDay[]>([
        ["StepCount", days.map((date, index) => ({ date, total: 6000 + (index % 5000), unit: "count", sources: { iPhone: 6000 + (index % 5000) } }))],
        ["RestingHeartRate", days.map((date, index) => ({ date, count: 1, sum: 55 + (index % 10), min: 55, max: 65, avg: 55 + (index % 10), unit: "count/min" }))],
      ]),
      workouts,
      sleep,
      activity: [],
    });
    const app = createApp({
      redis,
      keys,
      breaker: new CircuitBreaker({ failureThreshold: 5, cooldownMs: 1000 }),
      log: silentLogger,
      singleUser: true,
      webRoot: false,
    });
    const caller = { auth: { user: { identity: USER, is_authenticated: true }, scopes: [] } };
    const route = (path: string) => async () => {
      const response = await app.request(path, undefined, caller);
      if (response.status !== 200) throw new Error(`${path}: ${response.status}`);
      return response.json();
    };
    const rows: [string, number, number | null][] = [];
    rows.push(["steps, every day (1,461 points)", await measure(route("/api/health/series?metric=StepCount&granularity=day")), await measure(() => store.series(USER, "StepCount"))]);
    rows.push(["steps, by week (209 points)", await measure(route("/api/health/series?metric=StepCount&granularity=week")), null]);
    rows.push(["resting heart rate, every day", await measure(route("/api/health/series?metric=RestingHeartRate&granularity=day")), await measure(() => store.series(USER, "RestingHeartRate"))]);
    rows.push(["sleep by stage, every night", await measure(route("/api/health/sleep?granularity=day")), await measure(() => store.sleep(USER))]);
    rows.push(["workouts per week by type (731 workouts)", await measure(route("/api/health/workouts?granularity=week")), await measure(() => store.workouts(USER))]);
    rows.push(["summary (the data's range)", await measure(route("/api/health/summary")), await measure(() => store.manifest(USER))]);

    const info = await serverInfo(redis);
    const table = rows
      .map(([what, routeMs, storeMs]) => `| ${what} | ${routeMs.toFixed(2)} | ${storeMs === null ? "" : storeMs.toFixed(2)} | ${storeMs === null ? "" : (routeMs / storeMs).toFixed(2)} |`)
      .join("\n");
    writeBenchmarkSection(
      "## Dashboard routes (`npm run bench:dashboard`)",
      `${machineDescription()}, redis-server ${info.version} (private, loopback, no persistence).

Four years (${DAYS.toLocaleString("en")} days) of one user's daily data in the permanent store; each route called ${RUNS} times in-process through the Hono app, one at a time, after 5 warm-up calls; the bare store read beside it in the same run. Route = routing, query validation, the ZRANGE BYSCORE, parsing, bucketing and the JSON body: the server time the page waits for. The issue's target is under 200 ms for four years of daily points.

| route | route median ms | store read median ms | route / store |
|---|---|---|---|
${table}`,
    );
    process.stdout.write(`${table}\n`);
  } finally {
    await closeRedis(redis);
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
