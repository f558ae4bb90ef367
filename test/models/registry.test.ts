import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, AIMessageChunk, HumanMessage, type BaseMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeRedis, connectRedis, KeySchema, type Embeddings, type RedisClient } from "../../src/index.js";
import { bucketField, MeasuredEmbeddings, ModelCallHandler, ModelRegistry, quantileMs, type ModelCall } from "../../src/models/index.js";
import { HashingEmbeddings } from "../support/hashing-embeddings.js";
import { connectTestRedis, type TestConnection } from "../support/redis.js";

/**
 * A chat model that answers "ok" and reports token usage, or fails when the question says so; it
 * names itself as LangChain integrations do (ls_provider, ls_model_name), so the handler's view of
 * provider and model is the one it has of ChatOllama.
 */
class CountingChatModel extends BaseChatModel {
  _llmType(): string {
    return "counting";
  }

  override getLsParams(options: this["ParsedCallOptions"]) {
    return { ...super.getLsParams(options), ls_provider: "testing", ls_model_name: "counter-1" };
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const content = messages.at(-1)?.content;
    const text = typeof content === "string" ? content : "";
    if (text.includes("fail")) throw new Error("the model failed on purpose");
    const message = new AIMessageChunk({ content: "ok", usage_metadata: { input_tokens: text.length, output_tokens: 2, total_tokens: text.length + 2 } });
    return Promise.resolve({ generations: [{ text: "ok", message }] });
  }
}

class FailingEmbeddings implements Embeddings {
  readonly provider = "testing";
  readonly model = "broken";
  readonly dimensions = 8;
  embed(): Promise<Float32Array[]> {
    return Promise.reject(new Error("embedding failed on purpose"));
  }
}

describe("ModelRegistry", () => {
  let test: TestConnection;
  const clients: RedisClient[] = [];

  beforeAll(async () => {
    test = await connectTestRedis({ label: "models" });
  });

  afterAll(async () => {
    for (const client of clients) await closeRedis(client);
    await test.dispose();
  });

  it("statistics recorded by two registries on two connections add up", async () => {
    const keys = new KeySchema(`${test.prefix}sum:`);
    const [a, b] = await Promise.all([0, 1].map(async () => {
      const client = await connectRedis({ url: test.url });
      clients.push(client);
      return new ModelRegistry({ client, keys });
    }));
    const call = (latencyMs: number, ok = true): ModelCall => ({ kind: "chat", provider: "ollama", name: "qwen2.5:7b", latencyMs, ok, promptTokens: 100, completionTokens: 10 });
    for (let i = 0; i < 90; i++) (i % 2 ? a! : b!).record(call(i < 45 ? 80 : i < 85 ? 400 : 3_000));
    for (let i = 0; i < 10; i++) (i % 2 ? a! : b!).record(call(1, false));
    b!.record({ kind: "embedding", provider: "local", name: "use-lite", dimensions: 512, latencyMs: 12, ok: true });
    await Promise.all([a!.drain(), b!.drain()]);

    const [chat, embedding] = await a!.list();
    expect(chat).toMatchObject({
      id: "chat:ollama:qwen2.5:7b",
      kind: "chat",
      provider: "ollama",
      name: "qwen2.5:7b",
      dimensions: null,
      calls: 100,
      errors: 10,
      latency: { count: 90, totalMs: 45 * 80 + 40 * 400 + 5 * 3_000 },
      tokens: { prompt: 10_000, completion: 1_000 },
    });
    expect(chat!.latency.p50Ms).toBeGreaterThan(50);
    expect(chat!.latency.p50Ms).toBeLessThanOrEqual(100);
    expect(chat!.latency.p95Ms).toBeGreaterThan(2_000);
    expect(chat!.latency.p95Ms).toBeLessThanOrEqual(3_000);
    expect(chat!.firstSeen).toBeLessThanOrEqual(chat!.lastSeen);
    expect(embedding).toMatchObject({ id: "embedding:local:use-lite", dimensions: 512, calls: 1, errors: 0 });
    expect(await b!.list()).toEqual([chat, embedding]);
    expect(await test.client.ttl(keys.model("chat:ollama:qwen2.5:7b"))).toBeGreaterThan(0);
  });

  it("drops a model whose hash expired from the list", async () => {
    const keys = new KeySchema(`${test.prefix}expire:`);
    const models = new ModelRegistry({ client: test.client, keys });
    models.record({ kind: "chat", provider: "p", name: "old", latencyMs: 5, ok: true });
    await models.drain();
    await test.client.unlink(keys.model("chat:p:old"));
    expect(await models.list()).toEqual([]);
    expect(await test.client.sCard(keys.models())).toBe(0);
  });

  it("records a call whose latency or token counts are not finite numbers, with its expiry", async () => {
    const keys = new KeySchema(`${test.prefix}odd:`);
    const models = new ModelRegistry({ client: test.client, keys, ttlSeconds: 600 });
    models.record({ kind: "chat", provider: "ollama", name: "odd", latencyMs: Number.NaN, ok: true, promptTokens: Number.POSITIVE_INFINITY, completionTokens: 12 });
    await models.drain();
    const [stats] = await models.list();
    expect(stats).toMatchObject({ id: "chat:ollama:odd", calls: 1, errors: 0, latency: { count: 1, totalMs: 0 }, tokens: { prompt: 0, completion: 12 } });
    expect(await test.client.ttl(keys.model("chat:ollama:odd"))).toBeGreaterThan(0);
  });

  it("the callback handler records chat model calls with their tokens and failures", async () => {
    const keys = new KeySchema(`${test.prefix}handler:`);
    const models = new ModelRegistry({ client: test.client, keys });
    const handler = new ModelCallHandler(models);
    const model = new CountingChatModel({});
    const reply = await model.invoke([new HumanMessage("hello there")], { callbacks: [handler] });
    expect(reply).toBeInstanceOf(AIMessage);
    await model.invoke([new HumanMessage("again")], { callbacks: [handler] });
    await expect(model.invoke([new HumanMessage("please fail")], { callbacks: [handler] })).rejects.toThrow(/on purpose/u);
    await new CountingChatModel({ callbacks: [handler] }).invoke([new HumanMessage("attached")]);
    await models.drain();
    const [stats] = await models.list();
    expect(stats).toMatchObject({
      id: "chat:testing:counter-1",
      calls: 4,
      errors: 1,
      latency: { count: 3 },
      tokens: { prompt: "hello there".length + "again".length + "attached".length, completion: 6 },
    });
  });

  it("the embeddings wrapper records calls, dimensions and failures, and passes vectors and errors through", async () => {
    const keys = new KeySchema(`${test.prefix}embed:`);
    const models = new ModelRegistry({ client: test.client, keys });
    const inner = new HashingEmbeddings(32);
    const measured = new MeasuredEmbeddings(inner, models);
    expect([measured.provider, measured.model, measured.dimensions]).toEqual([inner.provider, inner.model, 32]);
    expect(await measured.embed(["a", "b"])).toEqual(await inner.embed(["a", "b"]));
    await expect(new MeasuredEmbeddings(new FailingEmbeddings(), models).embed(["x"])).rejects.toThrow(/on purpose/u);
    await models.drain();
    const listed = await models.list();
    expect(listed.map((stats) => [stats.id, stats.dimensions, stats.calls, stats.errors])).toEqual([
      [`embedding:${inner.provider}:${inner.model}`, 32, 1, 0],
      ["embedding:testing:broken", 8, 1, 1],
    ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))));
  });

  it("estimates quantiles from the fixed buckets", () => {
    const counts = new Map<string, number>();
    for (const latency of [5, 5, 5, 5, 40, 40, 40, 40, 40, 700]) counts.set(bucketField(latency), (counts.get(bucketField(latency)) ?? 0) + 1);
    expect(quantileMs(counts, 0.5)).toBe(Math.round(25 + (1 / 5) * 25));
    expect(quantileMs(counts, 0.95)).toBe(Math.round(500 + 0.5 * 250));
    expect(quantileMs(new Map(), 0.5)).toBeNull();
    expect(quantileMs(new Map([["le:inf", 3]]), 0.5)).toBe(60_000);
  });
});
