import { readFileSync } from "node:fs";
import { AIMessage, isToolMessage } from "@langchain/core/messages";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  CircuitBreaker,
  closeRedis,
  connectRedis,
  createWellnessAgent,
  KNOWLEDGE_PACK,
  LearningWorker,
  LocalEmbeddings,
  loadConfig,
  Memory,
  RedisCheckpointSaver,
  SessionIndex,
  TurnLearner,
  wellnessAgentFromConfig,
} from "../../src/index.js";
import { connectTestRedis, type TestConnection } from "../support/redis.js";
import { ScriptedChatModel, toolCall } from "../support/scripted-model.js";

describe("createWellnessAgent", () => {
  let test: TestConnection;

  beforeAll(async () => {
    test = await connectTestRedis({ label: "agent" });
  });

  afterAll(async () => {
    await test.dispose();
  });

  it("runs and streams turns of a session for a user, and lists the session, built from plain options as a library", async () => {
    const model = new ScriptedChatModel((call) => {
      const last = call.messages.at(-1);
      return last && isToolMessage(last) ? new AIMessage("You have no workouts yet.") : toolCall("get_workouts", { period: "this week" });
    });
    const { keys } = test;
    const sessions = new SessionIndex(test.client, keys);
    const agent = createWellnessAgent({
      redis: test.client,
      keys,
      model,
      memory: new Memory({ client: test.client, keys, embeddings: new LocalEmbeddings(), ttlSeconds: 0, embeddingCacheTtlSeconds: 3_600 }),
      checkpointer: new RedisCheckpointSaver(test.client, { keys, sessionIndex: sessions }),
      sessions,
      breaker: new CircuitBreaker({ name: "agent-test", failureThreshold: 5, cooldownMs: 1_000 }),
      timeZone: "Europe/Berlin",
      defaultUserId: "nobody",
      indexTtlSeconds: 0,
      toolCache: { pastTtlSeconds: 3_600, todayTtlSeconds: 60 },
    });
    const { answer } = await agent.invoke("session-a", "zoe", "What workouts did I do this week?");
    expect(answer).toBe("You have no workouts yet.");
    const firstPrompt = model.calls[0]?.messages[0]?.content;
    expect(firstPrompt).toMatch(/The user has not imported any Apple Health data yet\./);
    const modes = new Set<string>();
    for await (const [mode] of await agent.stream("session-a", "zoe", "And last week?")) modes.add(mode);
    expect([...modes].sort()).toEqual(["messages", "updates"]);
    const state = await agent.graph.getState({ configurable: { thread_id: "session-a" } });
    expect((state.values as { messages: unknown[] }).messages.length).toBeGreaterThanOrEqual(8);
    await agent.afterTurn.drain();
    expect((await agent.sessions.forUser("zoe")).map((entry) => entry.sessionId)).toEqual(["session-a"]);
    await expect(agent.invoke("bad*session", "zoe", "hi")).rejects.toMatchObject({ code: "ERR_INVALID_ID" });
    expect(await agent.loadKnowledge()).toBe(KNOWLEDGE_PACK.length);
    expect(await agent.loadKnowledge()).toBe(KNOWLEDGE_PACK.length);
    expect(await agent.memory.semantic.count()).toBe(KNOWLEDGE_PACK.length);
  });
});

describe("the LangGraph entry points", () => {
  const prefix = `test:graphs:${Date.now().toString(36)}:`;

  afterAll(async () => {
    const { closeServedRuntime } = await import("../../src/runtime/index.js");
    await closeServedRuntime();
  });

  it("langgraph.json names graphs/*.ts, which build the graphs, auth and routes on first use", async () => {
    const manifest = JSON.parse(readFileSync(new URL("../../langgraph.json", import.meta.url), "utf8")) as { graphs: Record<string, string>; auth: unknown; http: unknown };
    expect(manifest.graphs).toEqual({ stateful: "./graphs/stateful.ts:graph", stateless: "./graphs/stateless.ts:graph" });
    expect(manifest.auth).toEqual({ path: "./graphs/auth.ts:auth", disable_studio_auth: true });
    expect(manifest.http).toEqual({ app: "./graphs/app.ts:app", disable_store: true });
    process.env.REDIS_URL = inject("redisUrl");
    process.env.REDIS_KEY_PREFIX = prefix;
    const stateful = await (await import("../../graphs/stateful.js")).graph();
    const stateless = await (await import("../../graphs/stateless.js")).graph();
    expect(Object.keys(stateful.nodes).sort()).toEqual(["__start__", "agent", "check_answer", "retrieve_memory", "tools"]);
    expect(Object.keys(stateless.nodes).sort()).toEqual(["__start__", "agent", "check_answer", "tools"]);
    expect(stateful.checkpointer).toBeInstanceOf(RedisCheckpointSaver);
  });
});

describe("recording through the learning stream", () => {
  let test: TestConnection;

  beforeAll(async () => {
    test = await connectTestRedis({ label: "agent-queue" });
  });

  afterAll(async () => {
    await test.dispose();
  });

  it("appends the turn to the stream instead of writing memory, and the worker records it", async () => {
    const model = new ScriptedChatModel((call) => {
      const last = call.messages.at(-1);
      return last && isToolMessage(last) ? new AIMessage("Nothing yet.") : toolCall("get_sleep_analysis", { period: "last week" });
    });
    const config = loadConfig({ REDIS_KEY_PREFIX: test.prefix, USER_TIMEZONE: "Europe/Berlin" });
    const agent = wellnessAgentFromConfig(test.client, config, { model, embeddings: new LocalEmbeddings(), learning: "queue" });
    await agent.invoke("queued-session", "quinn", "How did I sleep last week?");
    await agent.close();
    expect(await agent.memory.procedural.list("quinn")).toEqual([]);
    const entries = await test.client.xRange(test.keys.learningQueue(), "-", "+");
    expect(entries).toHaveLength(1);
    expect(entries[0]?.message).toMatchObject({ user: "quinn", session: "queued-session", tools: '["get_sleep_analysis"]', success: "1" });
    const blocking = await connectRedis({ url: test.url, commandTimeoutMs: 0 });
    try {
      const worker = new LearningWorker(blocking, test.keys, new TurnLearner({ memory: agent.memory, client: test.client, keys: test.keys, model }), { consumer: "test", blockMs: 20 });
      expect(await worker.runOnce()).toBe(1);
    } finally {
      await closeRedis(blocking);
    }
    expect((await agent.memory.procedural.list("quinn"))[0]).toMatchObject({ tools: ["get_sleep_analysis"], executionCount: 1 });
  });
});
