import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AIMessage, HumanMessage, isToolMessage } from "@langchain/core/messages";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStatefulGraph } from "../../src/agent/graph.js";
import { liveTurn } from "../../src/agent/live-turn.js";
import { SessionContextStore } from "../../src/agent/session-context.js";
import { createHealthTools } from "../../src/agent/tools/index.js";
import { EventBus } from "../../src/events/index.js";
import { closeRedis, connectRedis, HealthStore, importExport, KeySchema, Memory, RedisCheckpointSaver, type Logger } from "../../src/index.js";
import { HashingEmbeddings } from "../support/hashing-embeddings.js";
import { twoWeeks } from "../support/health-fixture.js";
import { connectTestRedis, type TestConnection } from "../support/redis.js";
import { ScriptedChatModel, toolCall } from "../support/scripted-model.js";
import { spawnPrivateRedis } from "../support/test-redis.js";

const NOW = () => new Date("2024-10-21T19:00:00Z");
const TIME_ZONE = "America/Los_Angeles";

describe("a finished turn in the live system", () => {
  let test: TestConnection;
  let dir: string;
  let memory: Memory;

  beforeAll(async () => {
    test = await connectTestRedis({ label: "live-turn" });
    dir = mkdtempSync(join(tmpdir(), "wellness-live-turn-"));
    writeFileSync(join(dir, "export.xml"), twoWeeks());
    await importExport({ client: test.client, keys: test.keys, userId: "ann", path: join(dir, "export.xml"), indexTtlSeconds: 3600 });
    memory = new Memory({ client: test.client, keys: test.keys, embeddings: new HashingEmbeddings(64), ttlSeconds: 3600, embeddingCacheTtlSeconds: 60 });
  });

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await test.dispose();
  });

  function graph(onTurnEnd: Parameters<typeof createStatefulGraph>[0]["onTurnEnd"]) {
    const model = new ScriptedChatModel((call) => {
      const last = call.messages.at(-1);
      return last && isToolMessage(last) ? new AIMessage("You slept well.") : toolCall("get_sleep_analysis", { period: "last week" });
    });
    const tools = Object.values(createHealthTools({ client: test.client, keys: test.keys, store: new HealthStore(test.client, test.keys), memory, timeZone: TIME_ZONE, now: NOW }));
    return createStatefulGraph({ checkpointer: new RedisCheckpointSaver(test.client, { keys: test.keys }), model, memory, tools, timeZone: TIME_ZONE, now: NOW, ...(onTurnEnd ? { onTurnEnd } : {}) });
  }

  const ask = (question: string, sessionId: string): [{ messages: HumanMessage[] }, { configurable: Record<string, string> }] => [
    { messages: [new HumanMessage(question)] },
    { configurable: { thread_id: sessionId, userId: "ann" } },
  ];

  it("publishes run.finished with the turn's tools and latency, and the session hash reflects the last turn", async () => {
    const bus = new EventBus({ client: test.client, keys: test.keys });
    const contexts = new SessionContextStore(test.client, test.keys);
    const agent = graph(liveTurn({ events: bus, contexts }));
    await agent.invoke(...ask("How did I sleep last week?", "s-live"));
    await agent.invoke(...ask("And the week before?", "s-live"));
    await bus.drain();
    const events = (await bus.read("ann")).map((stored) => stored.event);
    expect(events).toEqual([
      { type: "run.finished", sessionId: "s-live", tools: ["get_sleep_analysis"], latencyMs: expect.any(Number) as number },
      { type: "run.finished", sessionId: "s-live", tools: ["get_sleep_analysis"], latencyMs: expect.any(Number) as number },
    ]);
    const deadline = Date.now() + 10_000;
    while ((await contexts.get("ann", "s-live"))?.turns !== 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await contexts.get("ann", "s-live")).toMatchObject({ task: "And the week before?", lastTool: "get_sleep_analysis", tools: ["get_sleep_analysis"], turns: 2 });
    expect(await test.client.ttl(test.keys.sessionContext("ann", "s-live"))).toBeGreaterThan(0);
    await bus.close();
  });

  it("answers while the Redis behind the events and the session context is down", async () => {
    const server = await spawnPrivateRedis();
    const down = await connectRedis({ url: server.url, commandTimeoutMs: 500, reconnect: { initialDelayMs: 20, maxDelayMs: 100 } });
    const warnings: string[] = [];
    const log: Logger = { debug: () => undefined, info: () => undefined, warn: (line) => warnings.push(line), error: () => undefined };
    const bus = new EventBus({ client: down, keys: new KeySchema("down:"), log });
    try {
      await server.stop();
      const agent = graph(liveTurn({ events: bus, contexts: new SessionContextStore(down, new KeySchema("down:")), log }));
      const result = await agent.invoke(...ask("How did I sleep last week?", "s-down"));
      expect(result.messages.at(-1)?.content).toBe("You slept well.");
      await bus.drain();
      expect(bus.stats().failed).toBe(1);
      const deadline = Date.now() + 10_000;
      while (warnings.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect([...warnings].sort()).toEqual([expect.stringMatching(/^event bus: /u), expect.stringMatching(/^session context of s-down: not updated/u)]);
    } finally {
      await bus.close();
      await closeRedis(down);
      await server.cleanup();
    }
  });
});
