import { AIMessage, AIMessageChunk, ChatMessage, HumanMessage, RemoveMessage, SystemMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { JsonPlusSerializer } from "@langchain/langgraph-checkpoint";
import { describe, expect, it } from "vitest";
import { plainMessageFields } from "../../src/agent-server/ops/message-fields.js";
import { apiValue } from "../../src/agent-server/ops/records.js";

/** The API's form of a message as LangChain's own serialization gives it: what the direct path must equal. */
function throughToDict(message: BaseMessage): string {
  const { type, data } = message.toDict();
  return JSON.stringify(apiValue({ ...data, type }));
}

const usage = { input_tokens: 120, output_tokens: 30, total_tokens: 150 };
const toolCall = { name: "get_sleep_analysis", args: { period: "last week", nested: { days: [1, 2, 3] } }, id: "call_1", type: "tool_call" as const };

function chunks(): AIMessageChunk {
  const first = new AIMessageChunk({ content: "Your ", id: "run-1" });
  const second = new AIMessageChunk({ content: "sleep averaged 7.2 h", id: "run-1", usage_metadata: usage, response_metadata: { model: "qwen2.5:7b", done: true } });
  return first.concat(second);
}

/** Messages of every kind a turn streams, stores or returns. */
function ordinary(): BaseMessage[] {
  return [
    new HumanMessage("How did I sleep last week?"),
    new HumanMessage({ content: "hi", id: "h1", name: "ana", additional_kwargs: { client: { version: [1, 2] } } }),
    new HumanMessage({ content: [{ type: "text", text: "part one" }, { type: "text", text: "part two" }], id: "h2" }),
    new SystemMessage("You are a health coach."),
    new AIMessage({ content: "", id: "a1", tool_calls: [toolCall], usage_metadata: usage }),
    new AIMessage({ content: "7.2 h on average", id: "a2", response_metadata: { faithfulness: { status: "supported", checked: 1, unsupported: [], flagged: [] } } }),
    new AIMessageChunk({ content: "tok", id: "run-9" }),
    new AIMessageChunk({ content: "", id: "run-9", tool_call_chunks: [{ name: "get_workouts", args: '{"period":"last 30 days"}', id: "call_2", index: 0, type: "tool_call_chunk" }] }),
    chunks(),
    new ToolMessage({ content: '{"nights":7,"average_hours":7.2}', tool_call_id: "call_1", name: "get_sleep_analysis", id: "t1" }),
    new ToolMessage({ content: '{"error":"no data"}', tool_call_id: "call_3", status: "error", artifact: { rows: [] } }),
    new RemoveMessage({ id: "a1" }),
    new ChatMessage({ content: "note", role: "reviewer" }),
  ];
}

describe("plainMessageFields", () => {
  it("gives every kind of message exactly the API form LangChain's toDict gives it, key order included", async () => {
    const serde = new JsonPlusSerializer();
    const original = ordinary();
    // Also as a checkpoint read gives them back: revived by LangChain's loader.
    const [, bytes] = await serde.dumpsTyped(original);
    const revived = (await serde.loadsTyped("json", bytes)) as BaseMessage[];
    for (const message of [...original, ...revived]) {
      expect(plainMessageFields(message), message.getType()).toBeDefined();
      expect(JSON.stringify(apiValue(message))).toBe(throughToDict(message));
    }
  });

  it("leaves to toDict what LangChain serializes its own way, with the same result", () => {
    const unusual: BaseMessage[] = [
      // LangChain escapes an object that could pass for a serialized one.
      new AIMessage({ content: "x", additional_kwargs: { lc: 1, type: "secret", id: ["x"] } }),
      new AIMessage({ content: "x", response_metadata: { wrapped: { __lc_escaped__: { a: 1 } } } }),
      // A class instance in a field: LangChain copies its own keys, JSON would call toJSON.
      new AIMessage({ content: "x", response_metadata: { at: new Date("2026-12-07T00:00:00Z") } }),
      // A field whose name snake_case would change.
      new HumanMessage({ content: "x", extraField: 1 } as unknown as ConstructorParameters<typeof HumanMessage>[0]),
      // A message inside a message's fields.
      new AIMessage({ content: "x", additional_kwargs: { quoted: new HumanMessage("inner") } }),
      // Tool call arguments parsed from a model's JSON with an own "__proto__" key.
      new AIMessage({ content: "", tool_calls: [{ name: "get_workouts", args: JSON.parse('{"period":"last week","__proto__":{"polluted":true}}') as Record<string, unknown>, id: "c9", type: "tool_call" }] }),
    ];
    for (const message of unusual) {
      expect(plainMessageFields(message)).toBeUndefined();
      expect(JSON.stringify(apiValue(message))).toBe(throughToDict(message));
    }
    const args = (apiValue(unusual.at(-1)) as { tool_calls: { args: object }[] }).tool_calls[0]?.args;
    expect(Object.getPrototypeOf(args)).toBe(Object.prototype);
  });

  it("handles a cycle in a message's fields as LangChain does", () => {
    const loop: Record<string, unknown> = { name: "loop" };
    loop.self = loop;
    const message = new AIMessage({ content: "x", additional_kwargs: { loop } });
    expect(plainMessageFields(message)).toBeUndefined();
  });

  it("is not used for anything that is not a LangChain message", () => {
    expect(plainMessageFields({ content: "x", type: "ai" })).toBeUndefined();
    expect(plainMessageFields("text")).toBeUndefined();
    expect(plainMessageFields(null)).toBeUndefined();
  });
});
