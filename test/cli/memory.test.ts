import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { KeySchema, LocalEmbeddings, Memory } from "../../src/index.js";
import { wellness } from "../support/cli.js";
import { connectTestRedis, deletePrefix, uniquePrefix, type TestConnection } from "../support/redis.js";



describe("wellness memory", () => {
  let test: TestConnection;
  const prefix = uniquePrefix("cli-memory");
  let env: Record<string, string>;

  beforeAll(async () => {
    test = await connectTestRedis();
    env = { REDIS_URL: inject("redisUrl"), REDIS_KEY_PREFIX: prefix, DEFAULT_USER_ID: "cli-user" };
  });

  afterAll(async () => {
    await deletePrefix(test.client, prefix);
    await test.dispose();
  });

  it("loads the knowledge pack, searches it, reports stats and refuses to forget what is not there", { timeout: 90_000 }, async () => {
    const loaded = await wellness(["memory", "load-knowledge"], env);
    expect(loaded.stdout).toMatch(/^Loaded \d+ facts\.$/mu);
    const search = await wellness(["memory", "search", "how much sleep do I need", "--json", "-k", "2"], env);
    expect(search.code).toBe(0);
    const found = JSON.parse(search.stdout) as { semantic: { category: string }[]; episodic: unknown[]; plan: unknown };
    expect(found.semantic[0]?.category).toBe("sleep");
    expect(found.episodic).toEqual([]);
    const stats = JSON.parse((await wellness(["memory", "stats", "--json"], env)).stdout) as { semanticFacts: number; model: { provider: string } };
    expect(stats).toMatchObject({ model: { provider: "local" } });
    expect(stats.semanticFacts).toBeGreaterThanOrEqual(25);
    const forget = await wellness(["memory", "forget", "000000000aaaaaaaaaa"], env);
    expect(forget.code).toBe(1);
    expect(forget.stderr).toMatch(/User cli-user has no memory 000000000aaaaaaaaaa/);
    const crafted = await wellness(["memory", "list", "--user", "a*"], env);
    expect(crafted.code).toBe(1);
    expect(crafted.stderr).toMatch(/Invalid user id: it contains the character '\*'/);
  });

  it("lists the advice given with its outcome and the insights, and reflect says when there is nothing new", async () => {
    const memory = new Memory({ client: test.client, keys: new KeySchema(prefix), embeddings: new LocalEmbeddings(), ttlSeconds: 3600, embeddingCacheTtlSeconds: 60 });
    const advice = await memory.interventions.record("cli-user", { sessionId: "s1", suggestion: "Walk 2,000 more steps on weekdays", metric: "StepCount", direction: "increase", date: "2025-03-01", source: "tool" });
    await memory.interventions.resolve("cli-user", advice.id, { status: "unchanged", baseline: 6000, observed: 6100, change: 100, changePercent: 1.7, unit: "count", from: "2025-03-02", to: "2025-03-15", days: 14, evaluatedAt: "2025-03-16T00:00:00Z" });
    await memory.episodic.store("cli-user", { type: "insight", description: "The user wants to walk more on weekdays." });
    const list = await wellness(["memory", "list"], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/\[insight\] The user wants to walk more on weekdays\./u);
    expect(list.stdout).toContain(`${advice.id}  [advice, unchanged] "Walk 2,000 more steps on weekdays" (2025-03-01, StepCount) changed nothing: 6000 -> 6100 count (+100, +1.7%)`);
    const json = JSON.parse((await wellness(["memory", "list", "--type", "intervention", "--json"], env)).stdout) as { id: string; outcome: string }[];
    expect(json).toMatchObject([{ id: advice.id, outcome: "unchanged" }]);
    const reflect = await wellness(["reflect"], env);
    expect(reflect.code).toBe(0);
    expect(reflect.stdout).toBe("Nothing new to reflect on for cli-user.\n");
  });
});

describe("wellness chat", () => {
  const chatPrefix = uniquePrefix("cli-chat");

  afterAll(async () => {
    const redis = await connectTestRedis();
    await deletePrefix(redis.client, chatPrefix);
    await redis.dispose();
  });

  it("says how to start the model when Ollama is not running, one-shot and in the prompt loop", async () => {
    const env = { REDIS_URL: inject("redisUrl"), REDIS_KEY_PREFIX: chatPrefix, OLLAMA_BASE_URL: "http://127.0.0.1:9" };
    const once = await wellness(["chat", "-m", "How did I sleep?"], env);
    expect(once.code).toBe(1);
    expect(once.stderr).toMatch(/^The chat model qwen2\.5:7b at http:\/\/127\.0\.0\.1:9 is not reachable .*Start Ollama \(ollama serve\), pull the model \(ollama pull qwen2\.5:7b\)/mu);
    expect(once.stderr).not.toMatch(/<OLLAMA_MODEL>/u);
    const loop = await wellness(["chat", "--session", "cli-chat-1"], env, "How did I sleep?\n\nAnd last week?\n");
    expect(loop.code).toBe(0);
    expect(loop.stdout).toMatch(/^Session cli-chat-1 for default\./mu);
    expect(loop.stderr.match(/The chat model qwen2\.5:7b at http:\/\/127\.0\.0\.1:9 is not reachable/gu)).toHaveLength(2);
  });

});
