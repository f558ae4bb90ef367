import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AIMessage, HumanMessage, isHumanMessage, isToolMessage, type BaseMessage } from "@langchain/core/messages";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStatefulGraph, createStatelessGraph } from "../../src/agent/graph.js";
import type { FaithfulnessResult } from "../../src/agent/faithfulness/index.js";
import { runTurn } from "../../src/agent/run-turn.js";
import { createHealthTools } from "../../src/agent/tools/index.js";
import { HealthStore, importExport, Memory, RedisCheckpointSaver } from "../../src/index.js";
import { HashingEmbeddings } from "../support/hashing-embeddings.js";
import { twoWeeks } from "../support/health-fixture.js";
import { connectTestRedis, type TestConnection } from "../support/redis.js";
import { ScriptedChatModel, toolCall, type ModelCall } from "../support/scripted-model.js";

const NOW = () => new Date("2024-10-21T19:00:00Z");
const TIME_ZONE = "America/Los_Angeles";

function text(message: BaseMessage | undefined): string {
  return typeof message?.content === "string" ? message.content : JSON.stringify(message?.content ?? "");
}

/** The average the steps tool returned in this call's messages. */
function toolAverage(call: ModelCall): number {
  const result = call.messages.find((message) => isToolMessage(message));
  const parsed = JSON.parse(text(result)) as { metrics: { overall: { avg: number } }[] };
  return parsed.metrics[0]?.overall.avg ?? Number.NaN;
}

const isCorrection = (call: ModelCall) => {
  const last = call.messages.at(-1);
  return last !== undefined && isHumanMessage(last) && /do not support/.test(text(last));
};

/**
 * Reads last week's steps, then answers with `draft(average)`; asked to correct itself, answers
 * with `revision(average)`.
 */
function stepsModel(draft: (average: number) => string, revision: (average: number) => string, period = "last week") {
  return new ScriptedChatModel((call) => {
    const last = call.messages.at(-1);
    if (isCorrection(call)) return new AIMessage(revision(toolAverage(call)));
    if (last && isToolMessage(last)) return new AIMessage(draft(toolAverage(call)));
    return toolCall("get_health_metrics", { metric_types: ["steps"], period });
  });
}

describe("check_answer in the graphs", () => {
  let test: TestConnection;
  let dir: string;
  let memory: Memory;

  beforeAll(async () => {
    test = await connectTestRedis({ label: "faith-graph" });
    dir = mkdtempSync(join(tmpdir(), "wellness-faith-"));
    writeFileSync(join(dir, "export.xml"), twoWeeks());
    await importExport({ client: test.client, keys: test.keys, userId: "ann", path: join(dir, "export.xml"), indexTtlSeconds: 3600 });
    memory = new Memory({ client: test.client, keys: test.keys, embeddings: new HashingEmbeddings(), ttlSeconds: 3600, embeddingCacheTtlSeconds: 60 });
  });

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await test.dispose();
  });

  function tools() {
    return Object.values(createHealthTools({ client: test.client, keys: test.keys, store: new HealthStore(test.client, test.keys), memory, timeZone: TIME_ZONE, now: NOW }));
  }

  function stateful(model: ScriptedChatModel) {
    return createStatefulGraph({ checkpointer: new RedisCheckpointSaver(test.client, { keys: test.keys }), model, memory, tools: tools(), timeZone: TIME_ZONE, now: NOW });
  }

  const turn = (message: string, sessionId: string): [{ messages: BaseMessage[] }, Record<string, string>] => [
    { messages: [new HumanMessage(message)] },
    { thread_id: sessionId, userId: "ann" },
  ];

  it("corrects an invented number: the model is asked once more, and the turn ends with the supported answer", async () => {
    const model = stepsModel(
      () => "You averaged 9,412 steps a day last week.",
      (average) => `You averaged ${average.toLocaleString("en-US")} steps a day last week.`,
    );
    const graph = stateful(model);
    const result = await runTurn(graph, ...turn("How many steps did I walk last week?", "s-corrected"));
    expect(text(result.messages.at(-1))).toBe("You averaged 7,000 steps a day last week.");
    expect(result.faithfulness).toEqual({ status: "corrected", checked: 1, unsupported: ["9,412 steps"], flagged: [] } satisfies FaithfulnessResult);
    expect(model.calls).toHaveLength(3);
    expect(text(model.calls[2]?.messages.at(-1))).toMatch(/"9,412 steps"/);
    expect(model.calls[2]?.tools).toEqual([]);
    const saved = await graph.getState({ configurable: { thread_id: "s-corrected" } });
    const messages = (saved.values as { messages: BaseMessage[] }).messages;
    expect(messages.filter((message) => message.getType() === "ai" && /9,412/.test(text(message)))).toEqual([]);
    const metadata: Record<string, unknown> = messages.at(-1)?.response_metadata ?? {};
    expect(metadata.faithfulness).toMatchObject({ status: "corrected" });
  });

  it("adds no model call when every number is supported", async () => {
    const model = stepsModel(
      (average) => `From 2024-10-14 to 2024-10-20 (7 days) you averaged ${average} steps a day.`,
      () => "unused",
    );
    const result = await runTurn(stateful(model), ...turn("How many steps did I walk last week?", "s-supported"));
    expect(result.faithfulness).toEqual({ status: "supported", checked: 4, unsupported: [], flagged: [] });
    expect(model.calls).toHaveLength(2);
    expect(text(result.messages.at(-1))).toBe("From 2024-10-14 to 2024-10-20 (7 days) you averaged 7000 steps a day.");
    const metadata: Record<string, unknown> | undefined = result.messages.filter((message) => message.getType() === "ai").at(-1)?.response_metadata;
    expect(metadata?.faithfulness).toEqual(result.faithfulness);
    expect(result.messages.filter((message) => message.getType() === "human")).toHaveLength(1);
  });

  it("flags what is still unsupported after one regeneration, with a visible marker", async () => {
    const model = stepsModel(
      () => "You averaged 9,412 steps a day, 15% more than usual.",
      (average) => `You averaged ${average} steps a day, 15% more than usual.`,
    );
    const result = await runTurn(stateful(model), ...turn("How many steps did I walk last week?", "s-flagged"));
    expect(result.faithfulness).toEqual({ status: "flagged", checked: 2, unsupported: ["9,412 steps", "15%"], flagged: ["15%"] });
    expect(text(result.messages.at(-1))).toBe("You averaged 7000 steps a day, 15% [unverified] more than usual.");
    expect(model.calls).toHaveLength(3);
  });

  it("sends the draft flagged when the rewrite fails, so the turn still ends with an answer", async () => {
    const model = stepsModel(
      () => "You averaged 9,412 steps a day.",
      () => {
        throw new Error("model went away");
      },
    );
    const result = await runTurn(stateful(model), ...turn("How many steps did I walk last week?", "s-rewrite-fails"));
    expect(result.faithfulness).toEqual({ status: "flagged", checked: 1, unsupported: ["9,412 steps"], flagged: ["9,412 steps"] });
    expect(text(result.messages.at(-1))).toBe("You averaged 9,412 steps [unverified] a day.");
  });

  it("accepts numbers the user's own question contains", async () => {
    const model = stepsModel(
      (average) => `You averaged ${average} steps, below the 7,500 you asked about.`,
      () => "unused",
    );
    const result = await runTurn(stateful(model), ...turn("Did I average 7,500 steps last week?", "s-echo"));
    expect(result.faithfulness?.status).toBe("supported");
  });

  it("checks the stateless graph's answers the same way", async () => {
    const model = stepsModel(
      () => "You averaged 12,345 steps.",
      (average) => `You averaged ${average} steps.`,
    );
    const graph = createStatelessGraph({ model, tools: tools(), timeZone: TIME_ZONE, now: NOW });
    const result = await runTurn(graph, { messages: [new HumanMessage("Steps last week?")] }, { userId: "ann" });
    expect(result.faithfulness).toMatchObject({ status: "corrected", unsupported: ["12,345 steps"] });
    expect(text(result.messages.at(-1))).toBe("You averaged 7000 steps.");
  });
});
