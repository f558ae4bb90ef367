import { serve, type ServerType } from "@hono/node-server";
import { AIMessage, isToolMessage } from "@langchain/core/messages";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CircuitBreaker, createApp, createWellnessAgent, LocalEmbeddings, loadConfig, silentLogger } from "../../src/index.js";
import { authentication } from "../../src/server/auth.js";
import { mountLangGraphApi } from "../../src/server/langgraph-api.js";
import { connectTestRedis, type TestConnection } from "../support/redis.js";
import { ScriptedChatModel, toolCall } from "../support/scripted-model.js";

const AMY = "amy-token-0123456789";
const BOB = "bob-token-0123456789";

describe("the LangGraph server API with the official SDK Client", () => {
  let test: TestConnection;
  let server: ServerType;
  let url: string;

  beforeAll(async () => {
    test = await connectTestRedis({ label: "lg-api" });
    const model = new ScriptedChatModel((call) => {
      const last = call.messages.at(-1);
      return last && isToolMessage(last) ? new AIMessage("You slept 7.5 hours on average.") : toolCall("get_sleep_analysis", { period: "last week" });
    });
    const config = loadConfig({ REDIS_KEY_PREFIX: test.prefix, USER_TIMEZONE: "Europe/Berlin" });
    const auth = authentication(
      new Map([
        [AMY, "amy"],
        [BOB, "bob"],
      ]),
      "unused",
    );
    const agent = createWellnessAgent({ redis: test.client, config, model, embeddings: new LocalEmbeddings(), currentUser: auth.currentUser });
    const app = createApp({ redis: test.client, keys: test.keys, breaker: new CircuitBreaker({ failureThreshold: 5, cooldownMs: 1000 }), log: silentLogger, auth });
    await mountLangGraphApi(app, { client: test.client, keys: test.keys, checkpointer: agent.checkpointer, graphs: agent.buildGraphs(), auth });
    await new Promise<void>((resolve) => {
      server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info) => {
        url = `http://127.0.0.1:${info.port}`;
        resolve();
      });
    });
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await test.dispose();
  });

  const client = (token: string) => new Client({ apiUrl: url, defaultHeaders: { Authorization: `Bearer ${token}` } });

  it("creates a thread, streams a run, reads state and history, searches, patches and deletes", async () => {
    const amy = client(AMY);
    const thread = await amy.threads.create({ metadata: { topic: "sleep" } });
    const events: string[] = [];
    for await (const chunk of amy.runs.stream(thread.thread_id, "stateful", {
      input: { messages: [{ role: "user", content: "How did I sleep last week?" }] },
      streamMode: ["values", "updates"],
    })) {
      events.push(chunk.event);
    }
    expect(events).toContain("values");
    expect(events).toContain("updates");
    const state = await amy.threads.getState<{ messages: { content: unknown }[]; userId: string; faithfulness: { status: string } }>(thread.thread_id);
    expect(state.values.userId).toBe("amy");
    expect(state.values.messages.at(-1)?.content).toBe("You slept 7.5 hours [unverified] on average.");
    expect(state.values.faithfulness.status).toBe("flagged");
    const history = await amy.threads.getHistory(thread.thread_id, { limit: 20 });
    expect(history.length).toBeGreaterThanOrEqual(4);
    const found = await amy.threads.search({ metadata: { topic: "sleep" } });
    expect(found.map((each) => each.thread_id)).toEqual([thread.thread_id]);
    const patched = await amy.threads.update(thread.thread_id, { metadata: { starred: true } });
    expect(patched.metadata).toMatchObject({ topic: "sleep", starred: true });
    expect((await amy.threads.get(thread.thread_id)).thread_id).toBe(thread.thread_id);

    const bob = client(BOB);
    await expect(bob.threads.get(thread.thread_id)).rejects.toThrow(/404|not found/i);
    expect(await bob.threads.search({})).toEqual([]);

    await amy.threads.delete(thread.thread_id);
    await expect(amy.threads.get(thread.thread_id)).rejects.toThrow(/404|not found/i);
    expect(await test.client.exists(test.keys.checkpointNamespaces(thread.thread_id))).toBe(0);
  });

  it("refuses the API without a valid token", async () => {
    const response = await fetch(`${url}/threads`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(response.status).toBe(401);
  });
});
