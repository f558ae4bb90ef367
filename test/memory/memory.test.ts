import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  classifyQuery,
  EmbeddingModelMismatchError,
  KeySchema,
  KNOWLEDGE_PACK,
  LocalEmbeddings,
  Memory,
  normalizeQuery,
  type Embeddings,
  type RedisClient,
} from "../../src/index.js";
import { HashingEmbeddings } from "../support/hashing-embeddings.js";
import { connectTestRedis, uniquePrefix, type TestConnection } from "../support/redis.js";

const TTL = 7 * 24 * 3600;

/** Every key under a prefix (test inspection only). */
async function keysUnder(client: RedisClient, prefix: string): Promise<string[]> {
  const found: string[] = [];
  if ("scanIterator" in client) {
    for await (const batch of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) found.push(...batch);
  }
  return found.sort();
}

describe("long-term memory", () => {
  let test: TestConnection;
  const local = new LocalEmbeddings();

  beforeAll(async () => {
    test = await connectTestRedis({ label: "memory" });
  });

  afterAll(async () => {
    await test.dispose();
  });

  function memory(prefix = uniquePrefix("m"), embeddings: Embeddings = local) {
    const keys = new KeySchema(`${test.prefix}${prefix}`);
    return { keys, prefix: keys.prefix, memory: new Memory({ client: test.client, keys, embeddings, ttlSeconds: TTL, embeddingCacheTtlSeconds: 3600 }) };
  }

  describe("episodic", () => {
    it("stores, retrieves by meaning, lists, gets and forgets a user's memories", async () => {
      const { memory: m } = memory();
      const preference = await m.episodic.store("alice", { type: "preference", description: "I prefer to work out in the morning before work" });
      await m.episodic.store("alice", { type: "health_event", description: "Sprained my left ankle playing football", context: "doctor said rest two weeks" });
      const found = await m.episodic.retrieve("alice", "when do I like to exercise?");
      expect(found[0]).toMatchObject({ id: preference.id, type: "preference", userId: "alice" });
      expect(found[0]?.similarity).toBeGreaterThan(0.3);
      expect((await m.episodic.list("alice")).map((record) => record.type).sort()).toEqual(["health_event", "preference"]);
      expect(await m.episodic.get("alice", preference.id)).toMatchObject({ description: preference.description });
      expect(await m.episodic.forget("alice", preference.id)).toBe(true);
      expect(await m.episodic.get("alice", preference.id)).toBeUndefined();
      expect(await m.episodic.count("alice")).toEqual({ goal: 0, preference: 0, health_event: 1, insight: 0 });
    });

    it("isolates users: identical text, crafted ids and user ids never cross over", async () => {
      const { memory: m } = memory();
      const text = "My goal is to sleep eight hours every night";
      const mine = await m.episodic.store("alice", { type: "goal", description: text });
      await m.episodic.store("a:b", { type: "goal", description: text });
      expect((await m.episodic.retrieve("bob", text)).length).toBe(0);
      expect(await m.episodic.list("bob")).toEqual([]);
      expect(await m.episodic.get("bob", mine.id)).toBeUndefined();
      expect(await m.episodic.forget("bob", mine.id)).toBe(false);
      expect((await m.episodic.retrieve("a", text)).length).toBe(0);
      expect((await m.episodic.retrieve("alice", text)).map((record) => record.userId)).toEqual(["alice"]);
      expect((await m.episodic.retrieve("a:b", text)).map((record) => record.userId)).toEqual(["a:b"]);
      for (const crafted of ["*", "a*", "{alice}", "alice}", ""]) {
        await expect(m.episodic.retrieve(crafted, text)).rejects.toMatchObject({ code: "ERR_INVALID_ID" });
        await expect(m.episodic.list(crafted)).rejects.toMatchObject({ code: "ERR_INVALID_ID" });
      }
      await expect(m.episodic.forget("alice", "*")).rejects.toMatchObject({ code: "ERR_INVALID_ID" });
      // An id made of allowed characters that this store never issued is refused for that reason alone.
      await expect(m.episodic.forget("alice", "nope")).rejects.toThrow(/^Invalid memory id: it is not an id this store issued\. Use an id that `wellness memory list` or GET \/api\/memory shows\.$/);
      expect(await m.episodic.get("alice", mine.id)).toBeDefined();
    });

    it("gives every memory key the memory TTL", async () => {
      const { memory: m, prefix } = memory();
      await m.episodic.store("carol", { type: "preference", description: "vegetarian" });
      await m.episodic.setGoal("carol", { metric: "StepCount", value: 8000, unit: "steps/day" });
      await m.procedural.record("carol", { query: "how many steps did I walk", tools: ["get_health_metrics"], latencyMs: 900, success: 1 });
      const keys = (await keysUnder(test.client, prefix)).filter((key) => !key.includes("embedding_cache") && !key.endsWith("vector:scopes") && !key.endsWith("memory:model"));
      expect(keys.length).toBeGreaterThanOrEqual(8);
      for (const key of keys) {
        const ttl = await test.client.ttl(key);
        expect(ttl, key).toBeGreaterThan(TTL - 60);
        expect(ttl, key).toBeLessThanOrEqual(TTL);
      }
    });

    it("a new goal for the same metric supersedes the old one for retrieval; the old stays in history", async () => {
      const { memory: m } = memory();
      const old = await m.episodic.setGoal("dana", { metric: "StepCount", value: 8000, unit: "steps/day" });
      const current = await m.episodic.setGoal("dana", { metric: "StepCount", value: 10000, unit: "steps/day", targetDate: "2026-12-31" });
      await m.episodic.setGoal("dana", { metric: "SleepHours", value: 8, unit: "h" });
      const found = await m.episodic.retrieve("dana", "what is my daily step goal?", { types: ["goal"], minSimilarity: 0 });
      expect(found.map((record) => record.id)).toContain(current.id);
      expect(found.map((record) => record.id)).not.toContain(old.id);
      const history = await m.episodic.list("dana", "goal");
      expect(history.find((record) => record.id === old.id)).toMatchObject({ supersededBy: current.id, goal: { value: 8000 } });
      expect(history.find((record) => record.id === current.id)?.goal).toEqual({ metric: "StepCount", value: 10000, unit: "steps/day", targetDate: "2026-12-31" });
      const withHistory = await m.episodic.retrieve("dana", "step goal", { types: ["goal"], minSimilarity: 0, includeSuperseded: true, k: 10 });
      expect(withHistory.map((record) => record.id)).toContain(old.id);
    });

    it("never issues the same id twice, even for memories stored at the same moment", async () => {
      const { memory: m } = memory(uniquePrefix("ids"), new HashingEmbeddings(32));
      const stored = await Promise.all(Array.from({ length: 100 }, (_, i) => m.episodic.store("erin", { type: "health_event", description: `event ${i}` })));
      expect(new Set(stored.map((record) => record.id)).size).toBe(100);
      expect((await m.episodic.count("erin")).health_event).toBe(100);
    });
  });

  describe("semantic", () => {
    it("loads a knowledge pack of at least 25 facts idempotently and finds facts by meaning and category", async () => {
      const { memory: m } = memory();
      expect(KNOWLEDGE_PACK.length).toBeGreaterThanOrEqual(25);
      const ids = await m.semantic.load(KNOWLEDGE_PACK);
      await m.semantic.load(KNOWLEDGE_PACK);
      expect(new Set(ids).size).toBe(KNOWLEDGE_PACK.length);
      expect(await m.semantic.count()).toBe(KNOWLEDGE_PACK.length);
      const [best] = await m.semantic.search("what is a normal resting heart rate for an adult?");
      expect(best).toMatchObject({ category: "heart" });
      expect(best?.content).toMatch(/resting heart rate/i);
      const sleep = await m.semantic.search("how many hours should I sleep", { category: "sleep", k: 2 });
      expect(sleep.every((fact) => fact.category === "sleep")).toBe(true);
      expect(sleep[0]?.content).toMatch(/7 to 9 hours/);
    });
  });

  describe("procedural", () => {
    it("classifies questions", () => {
      expect(classifyQuery("How did I sleep last week?")).toBe("sleep");
      expect(classifyQuery("Do I work out consistently on Mondays?")).toBe("workouts");
      expect(classifyQuery("Compare my steps this month versus last month")).toBe("comparison");
      expect(classifyQuery("My goal is 10k steps")).toBe("goals");
      expect(classifyQuery("What is HRV?")).toBe("knowledge");
      expect(classifyQuery("average heart rate in October")).toBe("metrics");
      expect(classifyQuery("hello there")).toBe("other");
      expect(normalizeQuery("How did I sleep on 2024-10-01?")).toBe(normalizeQuery("how did i sleep on 2024-11-02"));
    });

    it("keeps exact counts and averages under concurrent records of one pattern", async () => {
      const { memory: m } = memory();
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          m.procedural.record("frank", { query: "How did I sleep last week?", tools: ["get_sleep_analysis"], latencyMs: i + 1, success: i % 2 ? 1 : 0.8 }),
        ),
      );
      const [pattern] = await m.procedural.list("frank");
      expect(pattern).toMatchObject({ executionCount: 50, avgExecutionTimeMs: 25.5, avgSuccessScore: 0.9, tools: ["get_sleep_analysis"], category: "sleep" });
    });

    it("does not store poor patterns, and suggests the plan of a similar successful question", async () => {
      const { memory: m } = memory();
      expect(await m.procedural.record("gina", { query: "show my workouts", tools: ["get_workouts"], latencyMs: 100, success: 0.5 })).toBeUndefined();
      expect(await m.procedural.count("gina")).toBe(0);
      await m.procedural.record("gina", { query: "How did I sleep last week?", tools: ["get_sleep_analysis"], latencyMs: 1200, success: 1 });
      await m.procedural.record("gina", { query: "Compare my steps this month with last month", tools: ["compare_periods"], latencyMs: 800, success: 0.9 });
      const plan = await m.procedural.suggest("gina", "how well did I sleep last week?");
      expect(plan).toMatchObject({ tools: ["get_sleep_analysis"], typicalLatencyMs: 1200, basedOn: { executions: 1 } });
      expect(plan?.confidence).toBeGreaterThan(0.6);
      expect(await m.procedural.suggest("henry", "how well did I sleep last week?")).toBeUndefined();
    });
  });

  describe("recall", () => {
    it("recalls goals, preferences, facts and a plan for one question with one embedding, each goal once and current", async () => {
      const hashing = new HashingEmbeddings(64);
      const { memory: m } = memory(uniquePrefix("r"), hashing);
      await m.episodic.setGoal("rae", { metric: "StepCount", value: 8000, unit: "steps/day" });
      await m.episodic.setGoal("rae", { metric: "StepCount", value: 10000, unit: "steps/day" });
      await m.episodic.setGoal("rae", { metric: "StepCount", value: 10000, unit: "steps/day" });
      await m.episodic.store("rae", { type: "preference", description: "likes to walk in the evening" });
      await m.semantic.load([{ category: "activity", factType: "guideline", content: "many steps of walk in the evening help sleep", source: "test" }]);
      await m.procedural.record("rae", { query: "how many steps did I walk yesterday in the evening", tools: ["get_health_metrics"], latencyMs: 300, success: 1 });
      const before = hashing.calls;
      const recalled = await m.recall("rae", "how many steps did I walk in the evening");
      expect(hashing.calls - before).toBe(1);
      expect(recalled.goals.map((goal) => goal.goal?.value)).toEqual([10000]);
      expect(recalled.episodic.map((record) => record.description)).toEqual(["likes to walk in the evening"]);
      expect(recalled.facts.map((fact) => fact.content)).toEqual(["many steps of walk in the evening help sleep"]);
      expect(recalled.plan?.tools).toEqual(["get_health_metrics"]);
      await m.recall("rae", "how many steps did I walk in the evening");
      expect(hashing.calls - before).toBe(1);
    });
  });

  describe("model guard and reindex", () => {
    it("refuses another embedding model until reindex, which restores search results", async () => {
      const prefix = uniquePrefix("guard");
      const { memory: before } = memory(prefix);
      await before.episodic.store("ivy", { type: "preference", description: "I like swimming in the evening" });
      await before.semantic.load(KNOWLEDGE_PACK.slice(0, 5));
      await before.procedural.record("ivy", { query: "how did I sleep", tools: ["get_sleep_analysis"], latencyMs: 10, success: 1 });

      const other = new HashingEmbeddings(384, "hashing-v2");
      const { memory: after } = memory(prefix, other);
      const refused = after.episodic.retrieve("ivy", "swimming");
      await expect(refused).rejects.toBeInstanceOf(EmbeddingModelMismatchError);
      await expect(refused).rejects.toThrow(/local\/universal-sentence-encoder-lite \(512 dimensions\).*hashing\/hashing-v2 \(384 dimensions\).*wellness memory reindex/);
      await expect(after.episodic.store("ivy", { type: "preference", description: "x" })).rejects.toMatchObject({ code: "ERR_EMBEDDING_MODEL_MISMATCH" });

      expect(await after.reindex()).toMatchObject({ memories: 7 });
      const [found] = await after.episodic.retrieve("ivy", "I like swimming in the evening");
      expect(found?.description).toBe("I like swimming in the evening");
      expect(found?.similarity).toBeCloseTo(1, 3);
      expect((await after.procedural.list("ivy"))[0]).toMatchObject({ executionCount: 1 });
      expect((await after.stats("ivy")).model).toEqual({ provider: "hashing", model: "hashing-v2", dimensions: 384 });
    });
  });
});
