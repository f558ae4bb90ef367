import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { recordTurnOutcome, reportingTurnEnds } from "../../src/agent/turn-end.js";
import type { LearningEntry } from "../../src/learning/queue.js";

const State = Annotation.Root({ query: Annotation<string>, answer: Annotation<string> });

function entry(query: string): LearningEntry {
  return { timestamp: 0, sessionId: "s", userId: "ann", query, tools: [], success: 1, durationMs: 0 };
}

/** reply -> last (which leaves the turn's outcome) -> check; `fail` makes check throw, after the outcome was left. */
function graph(reported: LearningEntry[], options: { fail?: boolean } = {}) {
  const compiled = new StateGraph(State)
    .addNode("reply", (state: typeof State.State) => ({ answer: `re: ${state.query}` }))
    .addNode("last", (state: typeof State.State, config) => {
      recordTurnOutcome(config, entry(state.query));
      return {};
    })
    .addNode("check", () => {
      if (options.fail) throw new Error("the checkpoint could not be saved");
      return {};
    })
    .addEdge(START, "reply")
    .addEdge("reply", "last")
    .addEdge("last", "check")
    .addEdge("check", END)
    .compile();
  return reportingTurnEnds(compiled, (turn) => reported.push(turn));
}

describe("reportingTurnEnds", () => {
  it("hands the turn to onTurnEnd once the run has ended, after the last chunk, for invoke, stream and streamEvents", async () => {
    const reported: LearningEntry[] = [];
    const order: string[] = [];
    const agent = reportingTurnEnds(
      new StateGraph(State)
        .addNode("last", (state: typeof State.State, config) => {
          recordTurnOutcome(config, entry(state.query));
          return { answer: "ok" };
        })
        .addEdge(START, "last")
        .addEdge("last", END)
        .compile(),
      (turn) => {
        order.push("reported");
        reported.push(turn);
      },
    );
    await agent.invoke({ query: "one" });
    for await (const _ of await agent.stream({ query: "two" }, { streamMode: ["updates", "values"] })) order.push("chunk");
    order.push("done");
    for await (const _ of agent.streamEvents({ query: "three" }, { version: "v2" })) order.push("event");
    expect(reported.map((turn) => turn.query)).toEqual(["one", "two", "three"]);
    const streamed = order.slice(1, order.indexOf("done") + 1);
    expect(streamed.slice(-2)).toEqual(["reported", "done"]);
    expect(new Set(streamed.slice(0, -2))).toEqual(new Set(["chunk"]));
    expect(order.filter((each) => each === "event").length).toBeGreaterThan(0);
  });

  it("records nothing for a run that fails or whose reader stops early", async () => {
    const reported: LearningEntry[] = [];
    await expect(graph(reported, { fail: true }).invoke({ query: "broken" })).rejects.toThrow("the checkpoint could not be saved");
    for await (const _ of await graph(reported).stream({ query: "abandoned" }, { streamMode: "updates" })) break;
    expect(reported).toEqual([]);
  });

  it("reads the stream as an async generator would: a failed run stays unreported when read again, a return waits for the pending read", async () => {
    /** A graph's iterator that leaves its outcome, waits a moment, then ends or fails. */
    const fake = (fail: boolean) => ({
      async *_streamIterator(input: { query: string }, options?: { configurable?: Record<string, unknown> }): AsyncGenerator<unknown> {
        recordTurnOutcome(options, entry(input.query));
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (fail) throw new Error("the model went away");
        yield* [];
      },
      withConfig() {
        return this;
      },
    });
    const reported: LearningEntry[] = [];
    const failing = reportingTurnEnds(fake(true), (turn) => reported.push(turn))._streamIterator({ query: "failed" });
    await expect(failing.next()).rejects.toThrow("the model went away");
    await expect(failing.next()).resolves.toMatchObject({ done: true });
    expect(reported).toEqual([]);

    const finishing = reportingTurnEnds(fake(false), (turn) => reported.push(turn))._streamIterator({ query: "finished" });
    const pending = finishing.next();
    const stopped = finishing.return(undefined);
    await expect(pending).resolves.toMatchObject({ done: true });
    await expect(stopped).resolves.toMatchObject({ done: true });
    expect(reported.map((turn) => turn.query)).toEqual(["finished"]);
  });

  it("keeps reporting on a copy made with withConfig, and a client's value under the outcome's key changes nothing", async () => {
    const reported: LearningEntry[] = [];
    const copy = graph(reported).withConfig({ tags: ["copy"] });
    const forged = { turn: entry("forged") };
    await copy.invoke({ query: "real" }, { configurable: { __wellness_turn_outcome: forged } });
    expect(reported.map((turn) => turn.query)).toEqual(["real"]);
    expect(forged.turn.query).toBe("forged");
  });

  it("leaves a graph built without onTurnEnd alone: recordTurnOutcome finds no outcome and does nothing", async () => {
    const plain = new StateGraph(State)
      .addNode("last", (state: typeof State.State, config) => {
        recordTurnOutcome(config, entry(state.query));
        return { answer: "ok" };
      })
      .addEdge(START, "last")
      .addEdge("last", END)
      .compile();
    await expect(plain.invoke({ query: "q" })).resolves.toMatchObject({ answer: "ok" });
  });
});
