import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CircuitBreaker, createApp, importExport, silentLogger } from "../../src/index.js";
import { bearerAuth } from "../support/auth.js";
import { Hono } from "hono";
import { bucketOf } from "../../src/server/routes/health-series.js";
import { twoWeeks } from "../support/health-fixture.js";
import { connectTestRedis, type TestConnection } from "../support/redis.js";

const AMY = "amy-token-0123456789";
const BOB = "bob-token-0123456789";

describe("GET /api/health (the dashboard's series)", () => {
  let test: TestConnection;
  let app: Hono;
  const dir = mkdtempSync(join(tmpdir(), "wellness-series-"));

  beforeAll(async () => {
    test = await connectTestRedis({ label: "series" });
    const path = join(dir, "export.xml");
    writeFileSync(path, twoWeeks());
    await importExport({ client: test.client, keys: test.keys, userId: "amy", path, indexTtlSeconds: 3600 });
    const tokens = new Map([
      [AMY, "amy"],
      [BOB, "bob"],
    ]);
    app = new Hono().use(bearerAuth(tokens)).route("/", createApp({ redis: test.client, keys: test.keys, breaker: new CircuitBreaker({ failureThreshold: 5, cooldownMs: 1000 }), log: silentLogger, singleUser: false, webRoot: false }) as unknown as Hono);
  });

  afterAll(async () => {
    await test.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = async (path: string, token = AMY) => {
    const response = await app.request(path, { headers: { Authorization: `Bearer ${token}` } });
    return { status: response.status, timing: response.headers.get("server-timing"), body: (await response.json()) as Record<string, unknown> };
  };

  it("buckets days into ISO weeks (Monday) and months", () => {
    expect(bucketOf("2024-10-13", "week")).toBe("2024-10-07");
    expect(bucketOf("2024-10-14", "week")).toBe("2024-10-14");
    expect(bucketOf("2024-10-20", "month")).toBe("2024-10-01");
    expect(bucketOf("2024-10-20", "day")).toBe("2024-10-20");
  });

  it("summarises the data's own range and metrics, and says when nothing is imported", async () => {
    const amy = await get("/api/health/summary");
    expect(amy.status).toBe(200);
    expect(amy.body).toMatchObject({ imported: true, firstDate: "2024-10-07", lastDate: "2024-10-21", workouts: 4, sleepNights: 2 });
    expect(amy.body.metrics).toMatchObject({ StepCount: { kind: "cumulative", unit: "count", days: 14 } });
    expect(amy.timing).toMatch(/^total;dur=\d+(\.\d)?$/u);
    expect((await get("/api/health/summary", BOB)).body).toEqual({ imported: false });
  });

  it("reads one metric per day, week and month, within a range, de-duplicated across sources", async () => {
    const daily = await get("/api/health/series?metric=StepCount&from=2024-10-12&to=2024-10-15");
    expect(daily.body).toMatchObject({ metric: "StepCount", unit: "count", kind: "cumulative", granularity: "day" });
    expect(daily.body.points).toEqual([
      { date: "2024-10-12", value: 5000, min: 5000, max: 5000, days: 1 },
      { date: "2024-10-13", value: 5000, min: 5000, max: 5000, days: 1 },
      { date: "2024-10-14", value: 7000, min: 7000, max: 7000, days: 1 },
      { date: "2024-10-15", value: 7000, min: 7000, max: 7000, days: 1 },
    ]);
    const weekly = await get("/api/health/series?metric=RestingHeartRate&granularity=week");
    expect(weekly.body.points).toEqual([
      { date: "2024-10-07", value: 60, min: 60, max: 60, days: 7 },
      { date: "2024-10-14", value: 58, min: 58, max: 58, days: 7 },
    ]);
    const monthly = await get("/api/health/series?metric=StepCount&granularity=month");
    expect(monthly.body.points).toEqual([{ date: "2024-10-01", value: 6000, min: 5000, max: 7000, days: 14 }]);
  });

  it("answers an unknown metric with no points, and another user's data with nothing", async () => {
    expect((await get("/api/health/series?metric=Nope")).body).toMatchObject({ metric: "Nope", unit: null, points: [] });
    expect((await get("/api/health/series?metric=StepCount", BOB)).body).toMatchObject({ points: [] });
  });

  it("gives sleep hours by stage and workouts per week by type", async () => {
    const sleep = await get("/api/health/sleep?from=2024-10-20&to=2024-10-21");
    expect(sleep.body.points).toEqual([
      { date: "2024-10-20", nights: 1, asleepHours: 7.5, coreHours: 7.5, deepHours: 0, remHours: 0, awakeHours: 0, inBedHours: 8 },
      { date: "2024-10-21", nights: 1, asleepHours: 7.5, coreHours: 0, deepHours: 7.5, remHours: 0, awakeHours: 0, inBedHours: 8 },
    ]);
    const workouts = await get("/api/health/workouts");
    expect(workouts.body).toMatchObject({ granularity: "week", types: ["Cycling", "Running"] });
    expect(workouts.body.points).toEqual([
      { date: "2024-10-07", count: { Running: 2 }, minutes: { Running: 70 } },
      { date: "2024-10-14", count: { Running: 1, Cycling: 1 }, minutes: { Running: 35, Cycling: 55 } },
    ]);
    const oneDay = await get("/api/health/workouts?from=2024-10-09&to=2024-10-09&granularity=day");
    expect(oneDay.body.points).toEqual([{ date: "2024-10-09", count: { Running: 1 }, minutes: { Running: 40 } }]);
  });

  it("refuses bad queries with a 400 naming the field, and callers without a token with a 401", async () => {
    const bad = await get("/api/health/series?metric=StepCount&from=2024-13-01");
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/from/u);
    expect((await get("/api/health/sleep?from=2024-10-21&to=2024-10-01")).status).toBe(400);
    expect((await get("/api/health/series?metric=Step*")).status).toBe(400);
    expect((await get("/api/health/series")).status).toBe(400);
    expect((await app.request("/api/health/summary")).status).toBe(401);
  });

  it("tells the web app who the caller is", async () => {
    expect((await get("/api/me", BOB)).body).toEqual({ userId: "bob", tokens: true });
  });
});
