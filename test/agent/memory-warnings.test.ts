import { AIMessage, HumanMessage } from "@langchain/core/messages";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStatefulGraph } from "../../src/agent/graph.js";
import { LocalEmbeddings, Memory } from "../../src/index.js";
import { HashingEmbeddings } from "../support/hashing-embeddings.js";
import { connectTestRedis, type TestConnection } from "../support/redis.js";
import { ScriptedChatModel } from "../support/scripted-model.js";

describe("retrieve_memory after an embedding-model switch", () => {
  let test: TestConnection;

  beforeAll(async () => {
    test = await connectTestRedis({ label: "memory-warnings" });
  });

  afterAll(async () => {
    await test.dispose();
  });

  it("warns once per turn for one cause, naming every lookup it affected", async () => {
    const before = new Memory({ client: test.client, keys: test.keys, embeddings: new HashingEmbeddings(), ttlSeconds: 600, embeddingCacheTtlSeconds: 60 });
    await before.episodic.store("switcher", { type: "preference", description: "I prefer morning workouts" });
    const after = new Memory({ client: test.client, keys: test.keys, embeddings: new LocalEmbeddings(), ttlSeconds: 600, embeddingCacheTtlSeconds: 60 });
    const warnings: string[] = [];
    const log = { debug: () => undefined, info: () => undefined, error: () => undefined, warn: (line: string) => void warnings.push(line) };
    const graph = createStatefulGraph({ model: new ScriptedChatModel(() => new AIMessage("Noted.")), memory: after, tools: [], timeZone: "UTC", log });
    await graph.invoke({ messages: [new HumanMessage("How did I sleep?")] }, { configurable: { thread_id: "switch-1", userId: "switcher" } });
    const retrieval = warnings.filter((line) => line.startsWith("retrieve_memory:"));
    expect(retrieval).toHaveLength(1);
    expect(retrieval[0]).toMatch(/^retrieve_memory: memory unavailable \(.*memory reindex.*\); continuing without it$/u);
  }, 60_000);
});
