import { AIMessage } from "@langchain/core/messages";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeRedis, connectRedis, KeySchema, LearningQueue, LearningWorker, Memory, TurnLearner, type RedisClient } from "../../src/index.js";
import { HashingEmbeddings } from "../support/hashing-embeddings.js";
import { ScriptedChatModel } from "../support/scripted-model.js";
import { connectTestRedis, uniquePrefix, type TestConnection } from "../support/redis.js";

describe("the learning stream", () => {
  let test: TestConnection;
  const blocking: RedisClient[] = [];

  beforeAll(async () => {
    test = await connectTestRedis({ label: "learning" });
  });

  afterAll(async () => {
    for (const client of blocking) await closeRedis(client);
    await test.dispose();
  });

  /** A consumer's own connection: XREADGROUP BLOCK holds it, so it must not be shared. */
  async function consumerClient(): Promise<RedisClient> {
    const client = await connectRedis({ url: test.url, commandTimeoutMs: 0 });
    blocking.push(client);
    return client;
  }

  function setup() {
    const keys = new KeySchema(`${test.prefix}${uniquePrefix("l")}`);
    const memory = new Memory({ client: test.client, keys, embeddings: new HashingEmbeddings(64), ttlSeconds: 3600, embeddingCacheTtlSeconds: 60 });
    return { keys, memory, queue: new LearningQueue(test.client, keys), learner: new TurnLearner({ memory, client: test.client, keys }) };
  }

  const entry = (user: string, i: number) => ({
    timestamp: Date.now(),
    sessionId: `s-${user}`,
    userId: user,
    query: "How did I sleep last week?",
    tools: ["get_sleep_analysis"],
    success: 1,
    durationMs: i % 100,
  });

  it("processes 1,000 entries exactly once with two consumers", async () => {
    const { keys, memory, queue, learner } = setup();
    const users = Array.from({ length: 10 }, (_, i) => `user${i}`);
    for (let i = 0; i < 1000; i += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, j) => queue.enqueue(entry(users[(i + j) % 10] ?? "user0", i + j))));
    }
    const workers = await Promise.all(
      ["a", "b"].map(async (name) => new LearningWorker(await consumerClient(), keys, learner, { consumer: name, blockMs: 50, batchSize: 40 })),
    );
    const handled = [0, 0];
    while (handled[0]! + handled[1]! < 1000) {
      const counts = await Promise.all(workers.map((worker) => worker.runOnce()));
      handled[0]! += counts[0]!;
      handled[1]! += counts[1]!;
      if (counts[0] === 0 && counts[1] === 0) break;
    }
    expect(handled[0]! + handled[1]!).toBe(1000);
    expect(handled[0]).toBeGreaterThan(0);
    expect(handled[1]).toBeGreaterThan(0);
    for (const user of users) expect((await memory.procedural.list(user))[0]?.executionCount).toBe(100);
    expect(await test.client.hGet(keys.toolStats(), "get_sleep_analysis:calls")).toBe("1000");
    expect((await test.client.xPending(keys.learningQueue(), "learning")).pending).toBe(0);
  });

  it("takes over what a consumer killed mid-batch left pending", async () => {
    const { keys, memory, queue, learner } = setup();
    for (let i = 0; i < 20; i++) await queue.enqueue(entry("ann", i));
    const survivor = new LearningWorker(await consumerClient(), keys, learner, { consumer: "survivor", blockMs: 50, claimIdleMs: 100 });
    await survivor.ensureGroup();
    const doomed = await consumerClient();
    const taken = await doomed.xReadGroup("learning", "doomed", { key: keys.learningQueue(), id: ">" }, { COUNT: 20 });
    expect((taken as { messages: unknown[] }[])[0]?.messages).toHaveLength(20);
    expect(await survivor.runOnce()).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await survivor.runOnce()).toBe(20);
    expect((await memory.procedural.list("ann"))[0]?.executionCount).toBe(20);
    expect((await test.client.xPending(keys.learningQueue(), "learning")).pending).toBe(0);
  });

  it("moves a poison entry to the dead-letter stream instead of blocking the group", async () => {
    const { keys, memory, queue, learner } = setup();
    const poison = await test.client.xAdd(keys.learningQueue(), "*", { user: "ann", tools: "not json", success: "1", duration_ms: "5" });
    await queue.enqueue(entry("ann", 1));
    const worker = new LearningWorker(await consumerClient(), keys, learner, { consumer: "w", blockMs: 20, claimIdleMs: 0, maxDeliveries: 3 });
    for (let pass = 0; pass < 5; pass++) await worker.runOnce();
    const dead = await test.client.xRange(keys.learningDeadLetters(), "-", "+");
    expect(dead).toHaveLength(1);
    expect(dead[0]?.message).toMatchObject({ original_id: poison, tools: "not json", error: expect.stringMatching(/unreadable learning entry/u) as string });
    expect((await test.client.xPending(keys.learningQueue(), "learning")).pending).toBe(0);
    expect((await memory.procedural.list("ann"))[0]?.executionCount).toBe(1);
  });

  it("extracts the goals a user stated with the chat model it was given, once, and leaves goals to set_goal when the model called it", async () => {
    const { keys, memory, queue } = setup();
    const extract = (text: string) =>
      /goal/iu.test(text)
        ? { items: [{ type: "goal", description: "10000 steps a day", metric: "StepCount", value: 10000, unit: "steps/day" }, { type: "preference", description: "likes short answers" }] }
        : { items: [] };
    const learner = new TurnLearner({ memory, client: test.client, keys, model: new ScriptedChatModel(() => new AIMessage("unused"), extract) });
    const stated = { ...entry("gia", 1), query: "My goal is 10000 steps a day", tools: [] };
    await queue.enqueue(stated);
    await queue.enqueue(stated);
    await queue.enqueue({ ...stated, userId: "hal", tools: ["set_goal"] });
    const worker = new LearningWorker(await consumerClient(), keys, learner, { consumer: "x", blockMs: 20 });
    expect(await worker.runOnce()).toBe(3);
    const goals = await memory.episodic.list("gia", "goal");
    expect(goals.map((goal) => [goal.goal?.metric, goal.goal?.value, goal.supersededBy])).toEqual([["StepCount", 10000, undefined]]);
    expect((await memory.episodic.list("gia", "preference")).map((record) => record.description)).toEqual(["likes short answers"]);
    expect(await memory.episodic.list("hal", "goal")).toEqual([]);
    expect((await memory.episodic.list("hal", "preference")).map((record) => record.description)).toEqual(["likes short answers"]);
  });

  it("trims the stream to about the configured length", async () => {
    const { keys } = setup();
    const small = new LearningQueue(test.client, keys, 100);
    for (let i = 0; i < 1000; i++) await small.enqueue(entry("trim", i));
    expect(await small.length()).toBeLessThan(400);
    expect(await small.length()).toBeGreaterThanOrEqual(100);
  });
});
