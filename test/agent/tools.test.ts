import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHealthTools, type ToolName } from "../../src/agent/tools/index.js";
import { HealthStore, importExport, KNOWLEDGE_PACK, LocalEmbeddings, Memory } from "../../src/index.js";
import { twoWeeks } from "../support/health-fixture.js";
import { connectTestRedis, type TestConnection } from "../support/redis.js";

const USER = "tool-user";
const config = { configurable: { userId: USER } };

describe("health tools over the Redis indexes", () => {
  let test: TestConnection;
  let dir: string;
  let tools: ReturnType<typeof createHealthTools>;

  beforeAll(async () => {
    test = await connectTestRedis({ label: "tools" });
    dir = mkdtempSync(join(tmpdir(), "wellness-tools-"));
    const path = join(dir, "export.xml");
    writeFileSync(path, twoWeeks());
    await importExport({ client: test.client, keys: test.keys, userId: USER, path, indexTtlSeconds: 3600 });
    const memory = new Memory({ client: test.client, keys: test.keys, embeddings: new LocalEmbeddings(), ttlSeconds: 3600, embeddingCacheTtlSeconds: 60 });
    await memory.semantic.load(KNOWLEDGE_PACK);
    tools = createHealthTools({
      client: test.client,
      keys: test.keys,
      store: new HealthStore(test.client, test.keys),
      memory,
      timeZone: "America/Los_Angeles",
      now: () => new Date("2024-10-21T19:00:00Z"),
    });
  });

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await test.dispose();
  });

  async function call(name: ToolName, args: Record<string, unknown>): Promise<Record<string, unknown>> {
    const output: unknown = await tools[name].invoke(args, config);
    return JSON.parse(String(output)) as Record<string, unknown>;
  }

  it("get_health_metrics: daily buckets with units and the resolved range, steps counted once across devices", async () => {
    const answer = await call("get_health_metrics", { metric_types: ["steps", "resting heart rate"], period: "last week", aggregations: ["avg", "sum", "count"] });
    expect(answer.period).toEqual({ from: "2024-10-14", to: "2024-10-20", label: "last week (2024-10-14 to 2024-10-20)", days: 7 });
    expect(answer.granularity).toBe("day");
    const [steps, resting] = answer.metrics as { metric: string; unit: string; overall: Record<string, number>; buckets: unknown[] }[];
    expect(steps).toMatchObject({ metric: "StepCount", unit: "count", overall: { avg: 7000, sum: 49000, count: 7 } });
    expect(steps?.buckets).toHaveLength(7);
    expect(resting).toMatchObject({ metric: "RestingHeartRate", unit: "count/min", overall: { avg: 58 } });
  });

  it("get_health_metrics: weekly buckets start on Monday", async () => {
    const answer = await call("get_health_metrics", { metric_types: ["StepCount"], period: "2024-10-07 to 2024-10-20", granularity: "week", aggregations: ["sum"] });
    const [steps] = answer.metrics as { buckets: unknown[] }[];
    expect(steps?.buckets).toEqual([
      { start: "2024-10-07", sum: 35000 },
      { start: "2024-10-14", sum: 49000 },
    ]);
  });

  it("turns an unknown metric and a future period into messages the model can act on", async () => {
    const unknown = await call("get_health_metrics", { metric_types: ["glucose"], period: "last week" });
    expect(unknown.error).toMatch(/No metric "glucose" in this user's data\. Available metrics: .*RestingHeartRate.*StepCount/);
    const future = await call("get_sleep_analysis", { period: "2024-11-01" });
    expect(future.error).toMatch(/after today \(2024-10-21\)/);
    const unreadable = await call("get_workouts", { period: "whenever" });
    expect(unreadable.error).toMatch(/Cannot read the period "whenever"/);
  });

  it("get_sleep_analysis: nights by the date they end, with stages and averages", async () => {
    const answer = await call("get_sleep_analysis", { period: "last 2 days" });
    expect(answer.nights).toBe(2);
    expect(answer.perNight).toEqual([
      expect.objectContaining({ date: "2024-10-20", asleepHours: 7.5, inBedHours: 8, efficiency: 0.938 }),
      expect.objectContaining({ date: "2024-10-21", asleepHours: 7.5, stages: { coreHours: 0, deepHours: 7.5, remHours: 0, awakeHours: 0 } }),
    ]);
    expect((answer.averages as Record<string, number>).asleepHours).toBe(7.5);
  });

  it("get_workouts: filtered by type, with totals", async () => {
    const answer = await call("get_workouts", { period: "last 14 days", type: "running" });
    expect(answer.count).toBe(2);
    expect(answer.totals).toEqual({ durationMinutes: 75, distanceKm: 12.5, energyKcal: 0 });
    expect((answer.workouts as { date: string; avgHeartRate: number }[]).map((w) => [w.date, w.avgHeartRate])).toEqual([
      ["2024-10-09", 150],
      ["2024-10-14", 150],
    ]);
  });

  it("get_workout_patterns: weekdays, streaks and consistency, plus the all-time day counts", async () => {
    const answer = await call("get_workout_patterns", { period: "2024-10-07 to 2024-10-20" });
    expect(answer).toMatchObject({
      workouts: 4,
      mostCommonDay: "Monday",
      weeks: 2,
      weeksWithWorkouts: 2,
      consistencyPercent: 100,
      longestWeeklyStreak: 2,
      currentWeeklyStreak: 2,
    });
    expect(answer.perWeekday).toMatchObject({ Monday: 2, Wednesday: 1, Saturday: 1, Sunday: 0 });
    expect(answer.allTimePerWeekday).toMatchObject({ Monday: 2, Wednesday: 1, Saturday: 1 });
  });

  it("compare_periods: values and the absolute and percent change", async () => {
    const answer = await call("compare_periods", { metric: "steps", period_a: "2024-10-07 to 2024-10-13", period_b: "last week" });
    expect(answer).toMatchObject({ metric: "StepCount", measure: "average daily total", change: 2000, percentChange: 40 });
    expect(answer.a).toMatchObject({ value: 5000, daysWithData: 7 });
    expect(answer.b).toMatchObject({ value: 7000, daysWithData: 7 });
  });

  it("set_goal and get_goals: a new goal for a metric replaces the old one", async () => {
    await call("set_goal", { metric: "steps", value: 10000, unit: "steps/day" });
    const second = await call("set_goal", { metric: "steps", value: 12000, unit: "steps/day", target_date: "2024-12-31" });
    expect(second).toMatchObject({ saved: true, metric: "StepCount", value: 12000 });
    const current = await call("get_goals", {});
    expect((current.goals as { value: number }[]).map((goal) => goal.value)).toEqual([12000]);
    const history = await call("get_goals", { include_history: true });
    expect((history.goals as { value: number }[]).map((goal) => goal.value).sort()).toEqual([10000, 12000]);
  });

  it("get_health_knowledge: general facts from semantic memory", async () => {
    const answer = await call("get_health_knowledge", { query: "what is a normal resting heart rate", category: "heart" });
    expect((answer.facts as { fact: string }[])[0]?.fact).toMatch(/resting heart rate/i);
  });

  it("reads the user from the call's configuration, never from the model", async () => {
    await expect(tools.get_workouts.invoke({ period: "last week" }, {})).rejects.toMatchObject({ code: "ERR_TOOL_CONTEXT" });
    const other = JSON.parse(String(await tools.get_goals.invoke({}, { configurable: { userId: "someone-else" } }))) as { goals: unknown[] };
    expect(other.goals).toEqual([]);
  });
});
