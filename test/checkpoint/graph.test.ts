import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AIMessage, HumanMessage, type BaseMessage } from "@langchain/core/messages";
import { MessagesAnnotation, StateGraph } from "@langchain/langgraph";
import { closeRedis, connectRedis, RedisCheckpointSaver, SessionIndex, type RedisClient } from "../../src/index.js";
import { connectTestRedis, type TestConnection } from "../support/redis.js";

/** A real LangGraph graph: one node that answers with how many human messages it has seen. */
function compile(checkpointer: RedisCheckpointSaver) {
  return new StateGraph(MessagesAnnotation)
    .addNode("count", (state: { messages: BaseMessage[] }) => ({
      messages: [new AIMessage(`seen ${state.messages.filter((message) => message.getType() === "human").length}`)],
    }))
    .addEdge("__start__", "count")
    .addEdge("count", "__end__")
    .compile({ checkpointer });
}

describe("RedisCheckpointSaver under a real LangGraph graph", () => {
  let test: TestConnection;

  beforeAll(async () => {
    test = await connectTestRedis({ label: "graph" });
  });

  afterAll(async () => {
    await test.dispose();
  });

  it("continues a conversation from a brand-new client and saver, as after a restart", async () => {
    const sessions = new SessionIndex(test.client, test.keys);
    const config = { configurable: { thread_id: "session-1", userId: "dana" } };
    const first = compile(new RedisCheckpointSaver(test.client, { keys: test.keys, sessionIndex: sessions }));
    await first.invoke({ messages: [new HumanMessage("hello")] }, config);
    await first.invoke({ messages: [new HumanMessage("again")] }, config);

    const restarted: RedisClient = await connectRedis({ url: test.url });
    try {
      const second = compile(new RedisCheckpointSaver(restarted, { keys: test.keys }));
      const result = await second.invoke({ messages: [new HumanMessage("third")] }, config);
      expect(result.messages.map((message) => message.content)).toEqual(["hello", "seen 1", "again", "seen 2", "third", "seen 3"]);
      const history = [];
      for await (const snapshot of second.getStateHistory(config)) history.push(snapshot);
      expect(history.length).toBeGreaterThanOrEqual(6);
      expect((history[0]?.values as { messages: BaseMessage[] } | undefined)?.messages).toHaveLength(6);
    } finally {
      await closeRedis(restarted);
    }
    expect(await sessions.ownerOf("session-1")).toBeUndefined();
  });
});
