import { describe, expect, it } from "vitest";
import { AIMessage, AIMessageChunk, HumanMessage, SystemMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { JsonPlusSerializer, type SerializerProtocol } from "@langchain/langgraph-checkpoint";
import { MessageCachingSerializer } from "../../src/index.js";

/** JsonPlusSerializer that counts the values it is asked to read. */
class CountingSerializer implements SerializerProtocol {
  reads = 0;
  private readonly serde = new JsonPlusSerializer();
  dumpsTyped(value: unknown) {
    return this.serde.dumpsTyped(value);
  }
  loadsTyped(type: string, data: Uint8Array | string) {
    this.reads += 1;
    return this.serde.loadsTyped(type, data);
  }
}

function turn(index: number): BaseMessage[] {
  return [
    new HumanMessage({ id: `human-${index}`, content: `How did I sleep last week? (${index})` }),
    new AIMessage({
      id: `call-${index}`,
      content: "",
      tool_calls: [{ id: `tool-call-${index}`, name: "get_sleep_summary", args: { start: "2026-11-01", end: "2026-11-07", detail: { nights: [1, 2] } } }],
      usage_metadata: { input_tokens: 120, output_tokens: 12, total_tokens: 132 },
      response_metadata: { model: "stand-in", done: true },
    }),
    new ToolMessage({ id: `result-${index}`, tool_call_id: `tool-call-${index}`, name: "get_sleep_summary", content: JSON.stringify({ averageHours: 7.1 }), status: "success" }),
    new AIMessage({ id: `answer-${index}`, content: `You slept 7.1 hours a night (${index}).`, additional_kwargs: { faithfulness: "supported" } }),
  ];
}

const varied: BaseMessage[] = [
  new SystemMessage({ id: "system", content: "You are a wellness assistant." }),
  new HumanMessage({ id: "multimodal", content: [{ type: "text", text: "What is this?" }, { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } }] }),
  new HumanMessage({ content: "no id, with a name", name: "sam" }),
  new AIMessageChunk({ id: "chunk", content: "partial", tool_call_chunks: [{ id: "c1", name: "get_steps", args: '{"days":', index: 0 }] }),
  new AIMessage({ id: "invalid", content: "", invalid_tool_calls: [{ id: "bad", name: "get_steps", args: "{not json", error: "bad json" }] }),
  new ToolMessage({ id: "failed", tool_call_id: "x", content: "the tool failed", status: "error", artifact: { rows: [1, 2, 3] } }),
  new AIMessage({ id: "nested", content: "with a message inside", additional_kwargs: { quoted: new HumanMessage("inner") } }),
];

/** What a reader can observe of a message: its class, its serialized form and its fields. */
function observed(message: unknown) {
  const value = message as BaseMessage;
  return { constructor: value.constructor, type: value.getType(), json: JSON.parse(JSON.stringify(value.toJSON())) as unknown, fields: { ...value } };
}

async function read(serde: SerializerProtocol, bytes: Uint8Array): Promise<BaseMessage[]> {
  return (await serde.loadsTyped("json", bytes)) as BaseMessage[];
}

describe("MessageCachingSerializer", () => {
  it("reads every kind of message exactly as LangGraph's serializer does, the first time and from memory", async () => {
    const plain = new JsonPlusSerializer();
    const caching = new MessageCachingSerializer();
    const messages = [...varied, ...turn(0), ...turn(1)];
    const [type, bytes] = await plain.dumpsTyped(messages);
    expect(type).toBe("json");
    const expected = (await read(plain, bytes)).map(observed);
    for (let pass = 0; pass < 3; pass++) {
      const revived = await read(caching, bytes);
      expect(revived.map(observed)).toEqual(expected);
      expect(revived[1]).toBeInstanceOf(HumanMessage);
      expect(revived[3]).toBeInstanceOf(AIMessageChunk);
      expect((revived.at(-3) as AIMessage).tool_calls?.[0]?.args).toEqual({ start: "2026-11-01", end: "2026-11-07", detail: { nights: [1, 2] } });
    }
  });

  it("revives only the messages it has not seen: a new turn costs the inner serializer its own messages", async () => {
    const inner = new CountingSerializer();
    const caching = new MessageCachingSerializer({ inner });
    const thread = [...turn(0), ...turn(1), ...turn(2)];
    await read(caching, (await caching.dumpsTyped(thread))[1]);
    expect(inner.reads).toBe(12);
    const longer = [...thread, ...turn(3)];
    const revived = await read(caching, (await caching.dumpsTyped(longer))[1]);
    expect(inner.reads).toBe(16);
    expect(revived.map(observed)).toEqual(longer.map(observed));
  });

  it("hands out new objects on every read, so changing one read's messages changes nothing else", async () => {
    const caching = new MessageCachingSerializer();
    const [, bytes] = await caching.dumpsTyped(turn(0));
    await read(caching, bytes);
    const first = await read(caching, bytes);
    const call = first[1] as AIMessage;
    (call.tool_calls?.[0]?.args as { detail: { nights: number[] } }).detail.nights.push(99);
    call.content = "changed";
    (call.response_metadata as Record<string, unknown>).model = "changed";
    first[0]!.lc_kwargs.content = "changed";
    const second = await read(caching, bytes);
    expect(second[1]).not.toBe(first[1]);
    expect(second.map(observed)).toEqual(turn(0).map(observed));
  });

  it("leaves messages with LangChain objects inside them, and values that are not lists of messages, to the inner serializer", async () => {
    const inner = new CountingSerializer();
    const caching = new MessageCachingSerializer({ inner });
    const nested = [varied.at(-1) as BaseMessage];
    const [, nestedBytes] = await caching.dumpsTyped(nested);
    for (let pass = 0; pass < 2; pass++) expect((await read(caching, nestedBytes)).map(observed)).toEqual(nested.map(observed));
    expect(inner.reads).toBe(2);

    const others: unknown[] = [{ messages: turn(0) }, [1, "two", { three: 3 }], new Set(["a"]), new Map([["k", 1]]), "text", 42, null, [], [turn(0)[0], { plain: true }]];
    const plain = new JsonPlusSerializer();
    for (const value of others) {
      const [type, bytes] = await plain.dumpsTyped(value);
      const before = inner.reads;
      expect(await caching.loadsTyped(type, bytes)).toEqual(await plain.loadsTyped(type, bytes));
      expect(inner.reads).toBe(before + 1);
    }
  });

  it("remembers at most maxCharacters of serialized messages, and nothing with 0", async () => {
    const thread = [...turn(0), ...turn(1)];
    const none = new CountingSerializer();
    const remembersNothing = new MessageCachingSerializer({ inner: none, maxCharacters: 0 });
    const [, bytes] = await remembersNothing.dumpsTyped(thread);
    await read(remembersNothing, bytes);
    await read(remembersNothing, bytes);
    expect(none.reads).toBe(2);

    const few = new CountingSerializer();
    const longest = Math.max(...(JSON.parse(new TextDecoder().decode(bytes)) as unknown[]).map((element) => JSON.stringify(element).length));
    const remembersOne = new MessageCachingSerializer({ inner: few, maxCharacters: longest });
    expect((await read(remembersOne, bytes)).map(observed)).toEqual(thread.map(observed));
    expect((await read(remembersOne, bytes)).map(observed)).toEqual(thread.map(observed));
    expect(few.reads).toBeGreaterThanOrEqual(8 + 7);

    expect(() => new MessageCachingSerializer({ maxCharacters: -1 })).toThrow(RangeError);
  });
});
