import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHealthTools, type ToolName } from "../../src/agent/tools/index.js";
import { writeSyntheticExport } from "../../src/health/synthetic/generator.js";
import { HealthStore, importExport, LocalEmbeddings, Memory } from "../../src/index.js";
import { connectTestRedis, type TestConnection } from "../support/redis.js";

const USER = "old-export";

describe("tools on an old export name the data's own range", () => {
  let test: TestConnection;
  let dir: string;
  let tools: ReturnType<typeof createHealthTools>;

  beforeAll(async () => {
    test = await connectTestRedis({ label: "data-range" });
    dir = mkdtempSync(join(tmpdir(), "wellness-data-range-"));
    const path = join(dir, "export.xml");
    const generated = await writeSyntheticExport(path, { seed: 7, bytes: 1, endDate: "2017-11-11", days: 21 });
    expect(generated).toMatchObject({ days: 21, firstDate: "2017-10-22", lastDate: "2017-11-11" });
    await importExport({ client: test.client, keys: test.keys, userId: USER, path, indexTtlSeconds: 3600 });
    const memory = new Memory({ client: test.client, keys: test.keys, embeddings: new LocalEmbeddings(), ttlSeconds: 3600, embeddingCacheTtlSeconds: 60 });
    tools = createHealthTools({
      client: test.client,
      keys: test.keys,
      store: new HealthStore(test.client, test.keys),
      memory,
      timeZone: "America/Los_Angeles",
      now: () => new Date("2026-11-23T19:00:00Z"),
    });
  }, 60_000);

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await test.dispose();
  });

  async function call(name: ToolName, args: Record<string, unknown>, userId = USER): Promise<Record<string, unknown>> {
    return JSON.parse(String(await tools[name].invoke(args, { configurable: { userId } }))) as Record<string, unknown>;
  }

  it("get_sleep_analysis for last week says where the data is", async () => {
    const answer = await call("get_sleep_analysis", { period: "last week" });
    expect(answer.nights).toBe(0);
    expect(answer.dataRange).toEqual({ from: "2017-10-22", to: "2017-11-11" });
    expect(answer.note).toMatch(/^no sleep data in last week \(2026-11-16 to 2026-11-22\) \(the period starts after the data ends\); the user's data runs from 2017-10-22 to 2017-11-11/);
  });

  it("the same question in 2017 finds the nights", async () => {
    const answer = await call("get_sleep_analysis", { period: "in 2017" });
    expect(answer.nights).toBe(21);
    expect(answer.note).toBeUndefined();
  });

  it("get_health_metrics, get_workouts and get_workout_patterns name the range too", async () => {
    const metrics = await call("get_health_metrics", { metric_types: ["steps"], period: "this month" });
    const [steps] = metrics.metrics as Record<string, unknown>[];
    expect(steps?.dataRange).toEqual({ from: "2017-10-22", to: "2017-11-11" });
    expect(steps?.note).toMatch(/^no StepCount data in this month/);
    const workouts = await call("get_workouts", { period: "Q1 2017", type: "Running" });
    expect(workouts.note).toMatch(/^no Running workout data in Q1 2017 \(2017-01-01 to 2017-03-31\) \(the period ends before the data starts\)/);
    const patterns = await call("get_workout_patterns", { period: "last 3 months" });
    expect(patterns.dataRange).toEqual({ from: "2017-10-22", to: "2017-11-11" });
  });

  it("a user with nothing imported is told to import first", async () => {
    const answer = await call("get_sleep_analysis", { period: "last week" }, "nobody-yet");
    expect(answer).toMatchObject({ nights: 0, dataRange: null });
    expect(answer.note).toMatch(/has no health data yet; import an Apple Health export first/);
  });
});
