import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
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

  it("loads the knowledge pack, searches it, reports stats and refuses to forget what is not there", async () => {
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
