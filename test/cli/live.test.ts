import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { EventBus } from "../../src/events/index.js";
import { InstanceRegistry } from "../../src/instances/index.js";
import { KeySchema, LearningQueue } from "../../src/index.js";
import { ModelRegistry } from "../../src/models/index.js";
import { startWellness, wellness } from "../support/cli.js";
import { connectTestRedis, deletePrefix, uniquePrefix, type TestConnection } from "../support/redis.js";

describe("wellness events and wellness status", () => {
  const prefix = uniquePrefix("cli-live");
  const keys = new KeySchema(prefix);
  let test: TestConnection;
  let bus: EventBus;
  let env: Record<string, string>;

  beforeAll(async () => {
    test = await connectTestRedis();
    bus = new EventBus({ client: test.client, keys });
    env = { REDIS_URL: inject("redisUrl"), REDIS_KEY_PREFIX: prefix, DEFAULT_USER_ID: "eve" };
  });

  afterAll(async () => {
    await bus.close();
    await deletePrefix(test.client, prefix);
    await test.dispose();
  });

  it("prints a user's stored events, the newest --limit or those after --after, as lines or JSON", async () => {
    for (let i = 1; i <= 5; i++) bus.publish("eve", { type: "import.progress", bytesRead: i, totalBytes: 5, records: i * 10 });
    bus.publish("eve", { type: "session.deleted", sessionId: "old one" });
    bus.publish("zed", { type: "session.created", sessionId: "not eve's" });
    await bus.drain();
    const stored = await bus.read("eve");

    const text = await wellness(["events", "--limit", "2"], env);
    expect(text.code).toBe(0);
    const lines = text.stdout.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^${stored[4]!.id}  \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z  import\\.progress  bytesRead=5 totalBytes=5 records=50$`, "u"));
    expect(lines[1]).toMatch(/ {2}session\.deleted {2}sessionId=old one$/u);

    const json = await wellness(["events", "--json", "--after", stored[3]!.id], env);
    expect(json.stdout.trim().split("\n").map((line) => JSON.parse(line) as unknown)).toEqual(stored.slice(4));

    const other = await wellness(["events", "--user", "nobody"], env);
    expect(other.stdout).toBe("");
    expect(other.stderr).toMatch(/^No events for nobody\.$/mu);
    const bad = await wellness(["events", "--after", "yesterday"], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/'yesterday' is not an event id/u);
  });

  it("--follow prints new events as they are published until Ctrl-C", async () => {
    const running = startWellness(["events", "--follow", "--user", "flo"], env);
    try {
      await running.waitFor(/Following flo's events/u);
      bus.publish("flo", { type: "memory.stored", memoryId: "m1", memoryType: "goal", description: "10k steps" });
      bus.publish("flo", { type: "run.finished", sessionId: "s1", tools: ["get_health_metrics"], latencyMs: 812 });
      await running.waitFor(/run\.finished {2}sessionId=s1 tools=\["get_health_metrics"\] latencyMs=812/u);
      expect(running.output()).toMatch(/memory\.stored {2}memoryId=m1 memoryType=goal description=10k steps\n[^\n]*run\.finished/u);
    } finally {
      running.child.kill("SIGINT");
    }
    expect(await running.exit).toBe(0);
  });

  it("status: Redis, live instances and workers, the learning stream, models with statistics", async () => {
    const registry = new InstanceRegistry({ client: test.client, keys, role: "serve", version: "9.9.9" });
    await registry.start();
    const models = new ModelRegistry({ client: test.client, keys });
    models.record({ kind: "chat", provider: "ollama", name: "qwen2.5:7b", latencyMs: 900, ok: true, promptTokens: 50, completionTokens: 7 });
    models.record({ kind: "embedding", provider: "local", name: "universal-sentence-encoder-lite", dimensions: 512, latencyMs: 30, ok: true });
    await models.drain();
    await new LearningQueue(test.client, keys).enqueue({ timestamp: 1, sessionId: "s", userId: "eve", query: "q", tools: [], success: 1, durationMs: 1 });
    try {
      const text = await wellness(["status"], env);
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(/^Redis \d+\.\d+\.\d+ \(\w+, standalone\) at redis:\/\/127\.0\.0\.1:\d+: ping [\d.]+ ms$/mu);
      expect(text.stdout).toMatch(/^Instances: 1 serve, 0 workers$/mu);
      expect(text.stdout).toContain(`  serve   ${registry.id}  host `);
      expect(text.stdout).toMatch(/^Learning stream: 1 entry, lag 1, pending 0, dead letters 0, no worker has started yet$/mu);
      expect(text.stdout).toMatch(/^ {2}chat {7}ollama qwen2\.5:7b {2}calls 1 {2}errors 0 {2}avg 900 ms {2}p50 \d+ ms {2}p95 \d+ ms {2}tokens 50 in \/ 7 out {2}last used \d+s ago$/mu);
      expect(text.stdout).toMatch(/^ {2}embedding {2}local universal-sentence-encoder-lite \(512 dims\) {2}calls 1/mu);

      const json = JSON.parse((await wellness(["status", "--json"], env)).stdout) as {
        redis: { ok: boolean };
        live: { ok: boolean; instances: { id: string; version: string }[]; workers: unknown[]; learning: { length: number }; models: { id: string }[] };
      };
      expect(json.redis.ok).toBe(true);
      expect(json.live).toMatchObject({ ok: true, instances: [{ id: registry.id, version: "9.9.9" }], workers: [], learning: { length: 1 } });
      expect(json.live.models.map((model) => model.id)).toEqual(["chat:ollama:qwen2.5:7b", "embedding:local:universal-sentence-encoder-lite"]);
    } finally {
      await registry.stop();
    }
  });
});
