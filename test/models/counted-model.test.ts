import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { CallbackManager } from "@langchain/core/callbacks/manager";
import { AIMessage, HumanMessage, isToolMessage } from "@langchain/core/messages";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalEmbeddings, loadConfig, wellnessAgentFromConfig } from "../../src/index.js";
import { runtimeChatModel } from "../../src/runtime/from-config.js";
import { countedModel, ModelCallHandler, ModelRegistry, type ModelCall } from "../../src/models/index.js";
import { connectTestRedis, type TestConnection } from "../support/redis.js";
import { ScriptedChatModel, toolCall } from "../support/scripted-model.js";

/** Keeps every call the handler reports. */
function recorder(): { calls: ModelCall[]; record: (call: ModelCall) => void } {
  const calls: ModelCall[] = [];
  return { calls, record: (call) => calls.push(call) };
}

const answer = () => new ScriptedChatModel(() => new AIMessage("Fine."));

describe("countedModel", () => {
  it("counts each call of a model handed in, with tools bound too", async () => {
    const sink = recorder();
    const model = countedModel(answer(), sink);
    await model.invoke([new HumanMessage("hi")]);
    await model.bindTools([{ name: "get_sleep_analysis" }]).invoke([new HumanMessage("and sleep?")]);
    expect(sink.calls).toHaveLength(2);
    expect(sink.calls.every((call) => call.kind === "chat" && call.ok)).toBe(true);
  });

  it("counts once when applied twice or to a model that already counts, and keeps the model's other callbacks", async () => {
    const sink = recorder();
    const seen: string[] = [];
    const other = BaseCallbackHandler.fromMethods({ handleLLMEnd: () => void seen.push("other") });
    const model = countedModel(countedModel(new ScriptedChatModel(() => new AIMessage("Fine."), undefined, { callbacks: [other] }), sink), sink);
    await model.invoke([new HumanMessage("hi")]);
    expect(sink.calls).toHaveLength(1);
    expect(seen).toEqual(["other"]);
    expect((model.callbacks as unknown[]).filter((handler) => handler instanceof ModelCallHandler)).toHaveLength(1);

    const managed = recorder();
    const manager = new CallbackManager();
    const withManager = countedModel(new ScriptedChatModel(() => new AIMessage("Fine."), undefined, { callbacks: manager }), managed);
    countedModel(withManager, managed);
    await withManager.invoke([new HumanMessage("hi")]);
    expect(managed.calls).toHaveLength(1);
  });
});

describe("runtimeChatModel", () => {
  it("counts the configured Ollama model and a model handed in alike, each once", () => {
    const sink = recorder();
    const config = { ollama: { baseUrl: "http://127.0.0.1:1", model: "qwen2.5:7b" } };
    const handlers = (model: { callbacks?: unknown }) => (model.callbacks as unknown[]).filter((handler) => handler instanceof ModelCallHandler);
    expect(handlers(runtimeChatModel(config, { models: sink }))).toHaveLength(1);
    const given = answer();
    expect(runtimeChatModel(config, { model: runtimeChatModel(config, { model: given, models: sink }), models: sink })).toBe(given);
    expect(handlers(given)).toHaveLength(1);
    expect(runtimeChatModel(config, { model: answer() }).callbacks).toBeUndefined();
  });
});

describe("a chat model handed to the agent", () => {
  let test: TestConnection;

  beforeAll(async () => {
    test = await connectTestRedis({ label: "counted-model" });
  });

  afterAll(async () => {
    await test.dispose();
  });

  it("has its calls in the model registry, as the configured Ollama model has", async () => {
    const model = new ScriptedChatModel((call) => {
      const last = call.messages.at(-1);
      return last && isToolMessage(last) ? new AIMessage("You slept well.") : toolCall("get_sleep_analysis", { period: "last week" });
    });
    const models = new ModelRegistry({ client: test.client, keys: test.keys });
    const config = loadConfig({ REDIS_KEY_PREFIX: test.prefix, USER_TIMEZONE: "Europe/Berlin" });
    const agent = wellnessAgentFromConfig(test.client, config, { model, models, embeddings: new LocalEmbeddings() });
    await agent.invoke("counted-session", "quinn", "How did I sleep last week?");
    await agent.close();
    await models.drain();
    const chat = (await models.list()).filter((entry) => entry.kind === "chat");
    expect(chat).toHaveLength(1);
    expect(chat[0]?.calls).toBe(model.calls.length);
    expect(chat[0]?.calls).toBeGreaterThanOrEqual(2);
  });
});
