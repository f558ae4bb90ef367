import { AIMessage, HumanMessage, ToolMessage, trimMessages, type BaseMessage } from "@langchain/core/messages";
import { describe, expect, it } from "vitest";
import { approximateTokens, recentHistory } from "../../src/agent/history.js";

/** A deterministic pseudo-random sequence (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A thread of turns: a question, sometimes tool calls with their results, an answer; sometimes a question left unanswered. */
function thread(next: () => number, turns: number): BaseMessage[] {
  const messages: BaseMessage[] = [];
  const text = (max: number) => "x".repeat(1 + Math.floor(next() * max));
  for (let turn = 0; turn < turns; turn++) {
    messages.push(new HumanMessage({ content: `q${turn} ${text(200)}`, id: `h${turn}` }));
    if (next() < 0.1) continue;
    const rounds = Math.floor(next() * 3);
    for (let round = 0; round < rounds; round++) {
      const id = `call_${turn}_${round}`;
      messages.push(new AIMessage({ content: "", tool_calls: [{ id, name: "get_health_metrics", args: {} }], id: `a${turn}_${round}` }));
      messages.push(new ToolMessage({ content: text(3_000), tool_call_id: id, id: `t${turn}_${round}` }));
    }
    messages.push(new AIMessage({ content: `answer ${text(1_500)}`, id: `a${turn}` }));
  }
  return messages;
}

describe("recentHistory", () => {
  it("keeps what trimMessages (last, startOn human) keeps, on threads of every length and budget", async () => {
    const next = random(13);
    const listCounter = (messages: BaseMessage[]) => messages.reduce((sum, message) => sum + approximateTokens(message), 0);
    for (let example = 0; example < 200; example++) {
      const messages = thread(next, Math.floor(next() * 40));
      const budget = Math.floor(next() * 8_000);
      const expected = await trimMessages(messages, { maxTokens: budget, strategy: "last", tokenCounter: listCounter, startOn: "human" });
      const kept = recentHistory(messages, budget);
      expect(kept.map((message) => message.id)).toEqual(expected.map((message) => message.id));
    }
  });

  it("starts at a human message, so no tool result is kept without the call that asked for it", () => {
    const messages = [
      new HumanMessage({ content: "How did I sleep?", id: "h0" }),
      new AIMessage({ content: "", tool_calls: [{ id: "c", name: "get_sleep_analysis", args: {} }], id: "a0" }),
      new ToolMessage({ content: "y".repeat(400), tool_call_id: "c", id: "t0" }),
      new AIMessage({ content: "Well.", id: "a1" }),
      new HumanMessage({ content: "And steps?", id: "h1" }),
    ];
    const tail = approximateTokens(messages[2] as BaseMessage) + approximateTokens(messages[3] as BaseMessage) + approximateTokens(messages[4] as BaseMessage);
    expect(recentHistory(messages, tail).map((message) => message.id)).toEqual(["h1"]);
    expect(recentHistory(messages, 100_000).map((message) => message.id)).toEqual(["h0", "a0", "t0", "a1", "h1"]);
    expect(recentHistory(messages, 1)).toEqual([]);
  });

  it("returns the thread's own messages and reads only as far back as the budget reaches", () => {
    const messages = thread(random(5), 2_000);
    let counted = 0;
    const kept = recentHistory(messages, 6_000, (message) => {
      counted += 1;
      return approximateTokens(message);
    });
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.every((message) => messages.includes(message))).toBe(true);
    expect(kept[0]?.getType()).toBe("human");
    expect(counted).toBeLessThan(60);
  });
});
