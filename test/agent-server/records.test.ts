import { AIMessageChunk, HumanMessage } from "@langchain/core/messages";
import { describe, expect, it } from "vitest";
import { apiJson, apiValue } from "../../src/agent-server/ops/records.js";

describe("values as the LangGraph API sends them", () => {
  it("sends messages as dicts, errors as name and message, and everything else as JSON.stringify does", () => {
    const human = new HumanMessage({ content: "How did I sleep?", id: "m1" });
    const chunk = new AIMessageChunk({ content: "Well", id: "m2" });
    const when = new Date("2026-12-05T00:00:00Z");
    const value = { messages: [human, chunk], at: when, failure: new TypeError("no"), skip: undefined, list: [undefined, () => 1, Number.NaN, 2], nested: { deep: [human] } };
    const plain = apiValue(value) as Record<string, unknown>;
    expect(plain).toEqual({
      messages: [
        { ...human.toDict().data, type: "human" },
        { ...chunk.toDict().data, type: chunk.toDict().type },
      ],
      at: "2026-12-05T00:00:00.000Z",
      failure: { error: "TypeError", message: "no" },
      list: [null, null, null, 2],
      nested: { deep: [{ ...human.toDict().data, type: "human" }] },
    });
    expect(JSON.parse(apiJson(value))).toEqual(plain);
    expect((plain.messages as { content: string }[])[0]?.content).toBe("How did I sleep?");
    expect(apiJson(undefined)).toBe("null");
    expect(() => apiJson({ big: 1n })).toThrow(TypeError);
  });
});
