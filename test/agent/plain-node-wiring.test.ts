import { AIMessage, HumanMessage, type BaseMessage } from "@langchain/core/messages";
import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { Annotation, Command, END, MemorySaver, messagesStateReducer, START, StateGraph } from "@langchain/langgraph";
import { afterEach, describe, expect, it } from "vitest";
import { plainNodeWiring } from "../../src/agent/plain-node-wiring.js";
import { createStatefulGraph, createStatelessGraph } from "../../src/agent/graph.js";
import type { Memory } from "../../src/memory/index.js";
import { Route } from "../../src/agent/route.js";
import { ScriptedChatModel } from "../support/scripted-model.js";

const State = Annotation.Root({
  messages: Annotation<BaseMessage[]>({ reducer: messagesStateReducer, default: () => [] }),
  path: Annotation<string[]>({ reducer: (left, right) => [...left, ...right], default: () => [] }),
  count: Annotation<number>({ reducer: (_, right) => right, default: () => 0 }),
});
type StateType = typeof State.State;

function text(message: BaseMessage | undefined): string {
  return typeof message?.content === "string" ? message.content : "";
}

/**
 * START -> ask -> (route) -> long | short; long -> tally -> END; short -> END. `ask` streams a
 * chat model's reply (the `messages` stream mode needs the node's own context); `tally` writes a
 * key that nothing else writes.
 */
function buildGraph() {
  const model = new FakeListChatModel({ responses: ["a long answer with several words", "short"] });
  return new StateGraph(State)
    .addNode("ask", async (state: StateType) => ({ messages: [await model.invoke(state.messages)], path: ["ask"] }))
    .addNode("long", () => ({ path: ["long"] }))
    .addNode("short", () => ({ path: ["short"] }))
    .addNode("tally", (state: StateType) => ({ path: ["tally"], count: state.messages.length }))
    .addEdge(START, "ask")
    .addConditionalEdges("ask", new Route((state: StateType) => (text(state.messages.at(-1)).length > 10 ? "long" : "short")), { long: "long", short: "short" })
    .addEdge("long", "tally")
    .addEdge("tally", END)
    .addEdge("short", END)
    .compile({ checkpointer: new MemorySaver() });
}

type Graph = ReturnType<typeof buildGraph>;

/** Everything a caller can observe of two turns in one thread: every stream mode's chunks, the state and its history. */
async function observe(graph: Graph) {
  const config = { configurable: { thread_id: "t" } };
  const chunks: Record<string, unknown[]> = { updates: [], values: [], messages: [] };
  for (const question of ["first question", "second question"]) {
    const stream = await graph.stream({ messages: [new HumanMessage({ content: question, id: question })] }, { ...config, streamMode: ["updates", "values", "messages"] });
    for await (const [mode, chunk] of stream) {
      if (mode === "messages") {
        const [message, metadata] = chunk as [BaseMessage, Record<string, unknown>];
        chunks.messages?.push([message.content, metadata.langgraph_node, metadata.langgraph_step]);
      } else chunks[mode]?.push(JSON.parse(JSON.stringify(chunk, (key, value: unknown) => (key === "id" ? undefined : value))));
    }
  }
  const state = await graph.getState(config);
  const history = [];
  for await (const snapshot of graph.getStateHistory(config)) history.push([snapshot.next, snapshot.metadata?.step, (snapshot.values as StateType).path]);
  return { chunks, values: (state.values as StateType).path, next: state.next, history };
}

/** Counts the AsyncLocalStorage contexts (callback manager, run tree) LangChain enters while `run` runs. */
async function contexts(run: () => Promise<unknown>): Promise<number> {
  const storage = AsyncLocalStorageProviderSingleton as unknown as { runWithConfig: (...args: unknown[]) => unknown };
  const original = storage.runWithConfig;
  let count = 0;
  storage.runWithConfig = (...args: unknown[]) => {
    count += 1;
    return original.apply(AsyncLocalStorageProviderSingleton, args);
  };
  try {
    await run();
  } finally {
    storage.runWithConfig = original;
  }
  return count;
}

describe("plainNodeWiring", () => {
  const graphs: Graph[] = [];
  afterEach(() => {
    graphs.length = 0;
  });

  it("leaves everything a caller sees as LangGraph's wiring does: streams of every mode, state, history, the drawn graph", async () => {
    const plain = buildGraph();
    const stock = buildGraph();
    expect(plainNodeWiring(plain)).toBe(true);
    const [wired, unwired] = await Promise.all([observe(plain), observe(stock)]);
    expect(wired).toEqual(unwired);
    expect(wired.values).toEqual(["ask", "long", "tally", "ask", "short"]);
    expect(wired.chunks.messages?.length).toBeGreaterThan(3);
    const drawn = (graph: Graph) => graph.getGraph().toJSON();
    expect(drawn(plain)).toEqual(drawn(stock));
  });

  it("runs a step in one context, the node's, instead of about six", async () => {
    const plain = buildGraph();
    const stock = buildGraph();
    plainNodeWiring(plain);
    const input = { messages: [new HumanMessage("question")] };
    const wired = await contexts(() => plain.invoke(input, { configurable: { thread_id: "a" } }));
    const unwired = await contexts(() => stock.invoke(input, { configurable: { thread_id: "a" } }));
    // Four steps (the input, ask, long, tally): each saves the Command router's two contexts, the
    // state mapper's, and those of the writers (one per step, two where an edge follows).
    expect(unwired - wired).toBeGreaterThanOrEqual(4 * 4);
  });

  it("keeps updateState as a node working, which LangGraph runs through the node's writers (Studio's state edits)", async () => {
    const results = [];
    for (const graph of [buildGraph(), buildGraph()]) {
      if (results.length === 0) plainNodeWiring(graph);
      const config = { configurable: { thread_id: "edit" } };
      await graph.invoke({ messages: [new HumanMessage("question")] }, config);
      await graph.updateState(config, { messages: [new AIMessage({ content: "no", id: "edited" })] }, "ask");
      const state = await graph.getState(config);
      const values = state.values as StateType;
      results.push({ next: state.next, path: values.path, last: text(values.messages.at(-1)) });
    }
    expect(results[0]).toEqual(results[1]);
    expect(results[0]?.next).toEqual(["short"]);
  });

  it("wires a graph once: a second call, or one on a copy sharing its nodes, changes nothing", async () => {
    const graph = buildGraph();
    expect(plainNodeWiring(graph)).toBe(true);
    const writers = Object.values(graph.nodes).map((node) => [...node.writers]);
    expect(plainNodeWiring(graph)).toBe(true);
    expect(plainNodeWiring(graph.withConfig({ recursionLimit: 10 }))).toBe(true);
    expect(Object.values(graph.nodes).map((node) => node.writers)).toEqual(writers);
    expect((await observe(graph)).values).toEqual(["ask", "long", "tally", "ask", "short"]);
  });

  it("leaves a graph it does not recognise as it is", () => {
    expect(plainNodeWiring({})).toBe(false);
    expect(plainNodeWiring({ nodes: {} })).toBe(false);
    const odd = { nodes: { a: { writers: [], getWriters: () => [] } } };
    expect(plainNodeWiring(odd)).toBe(false);
  });

  it("is applied to the app's graphs: each node's channel writes merged into one writer, then LangGraph's router, then the agent's edge", async () => {
    const model = new ScriptedChatModel(() => new AIMessage("Nothing to look up."));
    const memory = {} as Memory;
    const graphs = {
      stateless: createStatelessGraph({ model, tools: [], timeZone: "UTC" }),
      stateful: createStatefulGraph({ model, tools: [], timeZone: "UTC", memory }),
    };
    for (const graph of [graphs.stateless, graphs.stateful]) {
      const nodes = Object.entries((graph as unknown as { nodes: Record<string, { writers: { name?: string; writes?: unknown[] }[] }> }).nodes);
      for (const [name, node] of nodes) {
        const layout = node.writers.map((writer) => (Array.isArray(writer.writes) ? "channels" : writer.name));
        expect([name, layout]).toEqual([name, name === "agent" ? ["channels", "<branch_run>", "<branch_run>"] : ["channels", "<branch_run>"]]);
      }
    }
    const result = await graphs.stateless.invoke({ messages: [new HumanMessage("hello")] });
    expect(result.messages.at(-1)?.content).toBe("Nothing to look up.");
  });

  it("routes a Command as LangGraph does: given to updateState with goto, or returned by a node", async () => {
    const results = [];
    for (const wire of [true, false]) {
      const graph = buildGraph();
      if (wire) plainNodeWiring(graph);
      const config = { configurable: { thread_id: "command" } };
      await graph.invoke({ messages: [new HumanMessage("question")] }, config);
      await graph.updateState(config, new Command({ update: { path: ["edited"] }, goto: "tally" }), "short");
      const state = await graph.getState(config);
      results.push({ next: state.next, path: (state.values as StateType).path });
    }
    expect(results[0]).toEqual(results[1]);
    expect(results[0]?.next).toEqual(["tally"]);

    const routing = () =>
      new StateGraph(State)
        .addNode("decide", () => new Command({ update: { path: ["decide"] }, goto: "second" }), { ends: ["first", "second"] })
        .addNode("first", () => ({ path: ["first"] }))
        .addNode("second", () => ({ path: ["second"] }))
        .addEdge(START, "decide")
        .compile();
    const wired = routing();
    expect(plainNodeWiring(wired)).toBe(true);
    const [a, b] = await Promise.all([wired.invoke({}), routing().invoke({})]);
    expect(a.path).toEqual(["decide", "second"]);
    expect(b.path).toEqual(a.path);
  });
});
