import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AIMessage, HumanMessage, isToolMessage, type BaseMessage } from "@langchain/core/messages";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStatefulGraph, createStatelessGraph } from "../../src/agent/graph.js";
import { chatModelFromConfig, wellnessAgentFromConfig } from "../../src/runtime/index.js";
import { createHealthTools, STATELESS_TOOL_NAMES } from "../../src/agent/tools/index.js";
import {
  AfterTurnTasks,
  closeRedis,
  connectRedis,
  HealthStore,
  importExport,
  KNOWLEDGE_PACK,
  LocalEmbeddings,
  loadConfig,
  Memory,
  ModelUnavailableError,
  RedisCheckpointSaver,
  TurnLearner,
  type RedisClient,
} from "../../src/index.js";
import { twoWeeks } from "../support/health-fixture.js";
import { freePort } from "../support/ports.js";
import { snapshot } from "../support/snapshot.js";
import { connectTestRedis, type TestConnection } from "../support/redis.js";
import { ScriptedChatModel, toolCall, type ModelCall } from "../support/scripted-model.js";

const NOW = () => new Date("2024-10-21T19:00:00Z");
const TIME_ZONE = "America/Los_Angeles";

function systemText(call: ModelCall): string {
  const first = call.messages[0];
  return typeof first?.content === "string" ? first.content : "";
}

function lastMessage(call: ModelCall): BaseMessage | undefined {
  return call.messages.at(-1);
}

/** A message's text content. */
function text(message: BaseMessage | undefined): string {
  return typeof message?.content === "string" ? message.content : JSON.stringify(message?.content ?? "");
}

/** Calls a tool once per turn for a question, then answers with what the tool said. */
function answeringModel(tool = "get_sleep_analysis", args: Record<string, unknown> = { period: "last week" }, extract?: (text: string) => unknown) {
  return new ScriptedChatModel((call) => {
    const last = lastMessage(call);
    if (last && isToolMessage(last)) return new AIMessage(`Here is what I found: ${text(last).slice(0, 80)}`);
    return toolCall(tool, args);
  }, extract);
}

describe("the stateful agent graph", () => {
  let test: TestConnection;
  let dir: string;
  let memory: Memory;

  beforeAll(async () => {
    test = await connectTestRedis({ label: "graph" });
    dir = mkdtempSync(join(tmpdir(), "wellness-graph-"));
    writeFileSync(join(dir, "export.xml"), twoWeeks());
    for (const user of ["ann", "ben"]) {
      await importExport({ client: test.client, keys: test.keys, userId: user, path: join(dir, "export.xml"), indexTtlSeconds: 3600 });
    }
    memory = new Memory({ client: test.client, keys: test.keys, embeddings: new LocalEmbeddings(), ttlSeconds: 3600, embeddingCacheTtlSeconds: 60 });
    await memory.semantic.load(KNOWLEDGE_PACK);
  });

  afterAll(async () => {
    await afterTurn.drain();
    rmSync(dir, { recursive: true, force: true });
    await test.dispose();
  });

  /** Learning from finished turns, as createWellnessAgent wires it; tests drain it before looking. */
  const afterTurn = new AfterTurnTasks();

  function build(client: RedisClient, model: ScriptedChatModel, extra: { maxToolRounds?: number } = {}) {
    const tools = Object.values(
      createHealthTools({ client, keys: test.keys, store: new HealthStore(client, test.keys), memory, timeZone: TIME_ZONE, now: NOW }),
    );
    const learner = new TurnLearner({ memory, client, keys: test.keys, model });
    return createStatefulGraph({
      onTurnEnd: (entry) => afterTurn.run("learn", () => learner.learn(entry)),
      checkpointer: new RedisCheckpointSaver(client, { keys: test.keys }),
      model,
      memory,
      tools,
      timeZone: TIME_ZONE,
      now: NOW,
      ...extra,
    });
  }

  const turn = (text: string, sessionId: string, userId: string): [{ messages: BaseMessage[] }, { configurable: Record<string, string> }] => [
    { messages: [new HumanMessage(text)] },
    { configurable: { thread_id: sessionId, userId } },
  ];

  it("keeps a 3-turn conversation, and a brand-new agent (as after a restart) continues it with full history", async () => {
    const model = answeringModel();
    const graph = build(test.client, model);
    for (const text of ["How did I sleep last week?", "And the week before?", "Thanks!"]) await graph.invoke(...turn(text, "s-restart", "ann"));
    const restartedClient = await connectRedis({ url: test.url });
    try {
      const fresh = answeringModel();
      const restarted = build(restartedClient, fresh);
      const result = await restarted.invoke(...turn("One more: how was last night?", "s-restart", "ann"));
      const humans = result.messages.filter((message) => message.getType() === "human").map((message) => message.content);
      expect(humans).toEqual(["How did I sleep last week?", "And the week before?", "Thanks!", "One more: how was last night?"]);
      expect(fresh.calls[0]?.messages.filter((message) => message.getType() === "human")).toHaveLength(4);
      expect(text(result.messages.at(-1))).toMatch(/^Here is what I found/);
      const state = await restarted.getState({ configurable: { thread_id: "s-restart" } });
      expect((state.values as { sessionId: string }).sessionId).toBe("s-restart");
    } finally {
      await closeRedis(restartedClient);
    }
  });

  it("remembers a goal stated in one session in a new session of the same user, never for another user", async () => {
    const extract = (text: string) =>
      /goal/i.test(text) ? { items: [{ type: "goal", description: "walk 12000 steps every day", metric: "StepCount", value: 12000, unit: "steps/day" }] } : { items: [] };
    const model = new ScriptedChatModel(() => new AIMessage("Noted."), extract);
    const graph = build(test.client, model);
    await graph.invoke(...turn("My goal is to walk 12000 steps every day", "s-goal-1", "ann"));
    await afterTurn.drain();
    await graph.invoke(...turn("I want to know how my steps are going", "s-goal-2", "ann"));
    expect(systemText(model.calls.at(-1) as ModelCall)).toMatch(/\(goal, \d{4}-\d{2}-\d{2}\) walk 12000 steps every day/);
    await graph.invoke(...turn("I want to know how my steps are going", "s-goal-3", "ben"));
    expect(systemText(model.calls.at(-1) as ModelCall)).not.toMatch(/12000/);
    const goals = await memory.episodic.list("ann", "goal");
    expect(goals.filter((goal) => goal.goal?.value === 12000)).toHaveLength(1);
    expect(await memory.episodic.list("ben", "goal")).toEqual([]);
  });

  it("records this turn's tool sequence and suggests it as the plan for a similar question", async () => {
    const model = answeringModel("get_workout_patterns", { period: "last 4 weeks" });
    const graph = build(test.client, model);
    await graph.invoke(...turn("Do I work out consistently on Mondays?", "s-plan-1", "ben"));
    await afterTurn.drain();
    await graph.invoke(...turn("Am I consistent with my Monday workouts?", "s-plan-2", "ben"));
    const procedures = await memory.procedural.list("ben");
    expect(procedures.find((procedure) => procedure.query === "Do I work out consistently on Mondays?")).toMatchObject({ tools: ["get_workout_patterns"], executionCount: 1 });
    const secondTurnFirstCall = model.calls.at(-2) as ModelCall;
    expect(systemText(secondTurnFirstCall)).toMatch(/A plan that worked for a similar question before: get_workout_patterns/);
  });

  it("learns from a turn only after its run is done: extraction starts once the stream has ended", async () => {
    const order: string[] = [];
    const extract = (text: string) => {
      order.push(`extract: ${text}`);
      return { items: [{ type: "preference", description: "prefers evening workouts" }] };
    };
    const graph = build(test.client, new ScriptedChatModel(() => new AIMessage("Noted."), extract));
    for await (const _ of await graph.stream(...turn("I prefer evening workouts", "s-after-done", "ben"))) order.push("chunk");
    order.push("done");
    expect(order.filter((entry) => entry.startsWith("extract"))).toEqual([]);
    await afterTurn.drain();
    expect(order.at(-1)).toBe("extract: I prefer evening workouts");
    expect(order.indexOf("done")).toBeLessThan(order.indexOf("extract: I prefer evening workouts"));
    expect((await memory.episodic.list("ben", "preference")).map((record) => record.description)).toContain("prefers evening workouts");
  });

  it("stores a stated goal once when the model calls set_goal and the extractor sees it too, and again only once when it is repeated", async () => {
    const extract = (text: string) =>
      /goal/iu.test(text) ? { items: [{ type: "goal", description: "10000 steps a day", metric: "StepCount", value: 10000, unit: "steps/day" }] } : { items: [] };
    const model = new ScriptedChatModel((call) => {
      const last = lastMessage(call);
      if (last && isToolMessage(last)) return new AIMessage("Saved your goal.");
      return toolCall("set_goal", { metric: "steps", value: 10000, unit: "steps/day" });
    }, extract);
    const graph = build(test.client, model);
    await graph.invoke(...turn("My goal is 10000 steps a day", "s-once-1", "ben"));
    await afterTurn.drain();
    await graph.invoke(...turn("Remember: my goal is 10000 steps a day", "s-once-2", "ben"));
    await afterTurn.drain();
    const goals = await memory.episodic.list("ben", "goal");
    expect(goals.map((goal) => [goal.goal?.metric, goal.goal?.value, goal.supersededBy ?? null])).toEqual([["StepCount", 10000, null]]);
  });

  it("leaves no dangling question after a failed turn: the retry is one question in the thread and in what the model sees", async () => {
    let failing = false;
    const model = new ScriptedChatModel((call) => {
      if (failing) throw new ModelUnavailableError("The chat model is not reachable (test).");
      const last = lastMessage(call);
      if (last && isToolMessage(last)) return new AIMessage("You slept 7 hours.");
      return toolCall("get_sleep_analysis", { period: "last week" });
    });
    const graph = build(test.client, model);
    await graph.invoke(...turn("How did I sleep last week?", "s-fail", "ann"));
    failing = true;
    await expect(graph.invoke(...turn("And the week before?", "s-fail", "ann"))).rejects.toBeInstanceOf(ModelUnavailableError);
    failing = false;
    const result = await graph.invoke(...turn("And the week before?", "s-fail", "ann"));
    const humans = (messages: BaseMessage[]) => messages.filter((message) => message.getType() === "human").map((message) => message.content);
    expect(humans(result.messages)).toEqual(["How did I sleep last week?", "And the week before?"]);
    expect(humans((model.calls.at(-2) as ModelCall).messages)).toEqual(["How did I sleep last week?", "And the week before?"]);
    const state = await graph.getState({ configurable: { thread_id: "s-fail" } });
    expect(humans((state.values as { messages: BaseMessage[] }).messages)).toEqual(["How did I sleep last week?", "And the week before?"]);
    await afterTurn.drain();
    expect((await memory.procedural.list("ann")).filter((procedure) => procedure.query === "And the week before?")).toHaveLength(1);
  });

  it("ends gracefully at the tool-round limit, with a final answer instead of a recursion error", async () => {
    const model = new ScriptedChatModel((call) =>
      call.tools.length > 0 ? toolCall("get_health_metrics", { metric_types: ["steps"], period: "last week" }) : new AIMessage("Steps averaged 7000 a day last week."),
    );
    const graph = build(test.client, model, { maxToolRounds: 2 });
    const result = await graph.invoke(...turn("Tell me everything about my steps", "s-limit", "ann"));
    expect(result.messages.filter((message) => isToolMessage(message))).toHaveLength(2);
    expect(result.messages.at(-1)?.content).toBe("Steps averaged 7000 a day last week.");
    expect(model.calls.at(-1)?.tools).toEqual([]);
  });

  it("hands a tool error back to the model as a tool message, and the turn goes on", async () => {
    const model = new ScriptedChatModel((call) => {
      const last = lastMessage(call);
      if (last && isToolMessage(last)) return new AIMessage(`The tool said: ${text(last)}`);
      return toolCall("get_health_metrics", { metric_types: ["blood glucose"], period: "last week" });
    });
    const result = await build(test.client, model).invoke(...turn("What was my blood glucose?", "s-error", "ann"));
    expect(text(result.messages.at(-1))).toMatch(/No metric \\"blood glucose\\" in this user's data\. Available metrics: /);
  });
});

describe("the stateless graph", () => {
  let test: TestConnection;
  let dir: string;

  beforeAll(async () => {
    test = await connectTestRedis({ label: "stateless" });
    dir = mkdtempSync(join(tmpdir(), "wellness-stateless-"));
    writeFileSync(join(dir, "export.xml"), twoWeeks());
    await importExport({ client: test.client, keys: test.keys, userId: "sam", path: join(dir, "export.xml"), indexTtlSeconds: 3600 });
  });

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await test.dispose();
  });

  it("has the health tools only, no history, no memory in the prompt, and writes no key", async () => {
    const model = answeringModel("get_workouts", { period: "last week" });
    const config = loadConfig({ REDIS_KEY_PREFIX: test.prefix, USER_TIMEZONE: TIME_ZONE });
    const agent = wellnessAgentFromConfig(test.client, config, { model, embeddings: new LocalEmbeddings() });
    await agent.memory.episodic.setGoal("sam", { metric: "StepCount", value: 9000, unit: "steps/day" });
    const before = await snapshot(test.client, test.prefix);
    const run = { configurable: { thread_id: "ignored", userId: "sam" } };
    await agent.statelessGraph.invoke({ messages: [new HumanMessage("What workouts did I do? My goal is 12000 steps a day.")] }, run);
    const second = await agent.statelessGraph.invoke({ messages: [new HumanMessage("And this week?")] }, run);
    await agent.close();
    expect(await snapshot(test.client, test.prefix)).toEqual(before);
    expect(second.messages.filter((message) => message.getType() === "human")).toHaveLength(1);
    expect(model.calls[0]?.tools.sort()).toEqual([...STATELESS_TOOL_NAMES].sort());
    expect(systemText(model.calls.at(-1) as ModelCall)).not.toMatch(/What you remember|9000/);
    expect(agent.statelessGraph.checkpointer).toBeUndefined();
  });
});

describe("the default chat model", () => {
  it("fails fast with a typed error that says how to fix it when Ollama is not running", async () => {
    const port = await freePort();
    const model = chatModelFromConfig({ ollama: { baseUrl: `http://127.0.0.1:${port}`, model: "qwen2.5:7b" } });
    const graph = createStatelessGraph({ model, tools: [], timeZone: TIME_ZONE, now: NOW });
    const attempt = graph.invoke({ messages: [new HumanMessage("hi")] }, { configurable: { userId: "u" } });
    await expect(attempt).rejects.toBeInstanceOf(ModelUnavailableError);
    await expect(attempt).rejects.toThrow(/The chat model qwen2\.5:7b at http:\/\/127\.0\.0\.1:\d+ is not reachable .*ollama serve.*ollama pull qwen2\.5:7b\).*OLLAMA_BASE_URL/);
  });
});
