import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AIMessage, HumanMessage, isToolMessage, type BaseMessage } from "@langchain/core/messages";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStatefulGraph } from "../../src/agent/graph.js";
import { createHealthTools } from "../../src/agent/tools/index.js";
import {
  AfterTurnTasks,
  checkpointTranscript,
  closeRedis,
  CoachingSchedule,
  connectRedis,
  HealthStore,
  importExport,
  KeySchema,
  LearningQueue,
  LearningWorker,
  Memory,
  OutcomeCheck,
  RedisCheckpointSaver,
  ReflectionFailedError,
  Reflections,
  SessionIndex,
  TurnLearner,
  type DataOutcome,
  type RedisClient,
} from "../../src/index.js";
import { HashingEmbeddings } from "../support/hashing-embeddings.js";
import { connectTestRedis, uniquePrefix, type TestConnection } from "../support/redis.js";
import { ScriptedChatModel, toolCall, type ModelCall } from "../support/scripted-model.js";

/** The advice is given on 2024-10-14 (UTC); the baseline is the four weeks before. */
const NOW = () => new Date("2024-10-14T12:00:00Z");
const TIME_ZONE = "UTC";

function day(offset: number, from = "2024-09-16"): string {
  return new Date(Date.parse(`${from}T00:00:00Z`) + offset * 86_400_000).toISOString().slice(0, 10);
}

/** An export with one step count and one resting heart rate per day from 2024-09-16 for `days` days. */
function exportXml(days: number, steps: (date: string) => number, restingHeartRate: (date: string) => number = () => 60): string {
  let body = "";
  for (let i = 0; i < days; i++) {
    const date = day(i);
    body += ` <Record type="HKQuantityTypeIdentifierStepCount" sourceName="iPhone" unit="count" creationDate="${date} 10:00:00 +0000" startDate="${date} 09:00:00 +0000" endDate="${date} 10:00:00 +0000" value="${steps(date)}"/>\n`;
    body += ` <Record type="HKQuantityTypeIdentifierRestingHeartRate" sourceName="Apple Watch" unit="count/min" creationDate="${date} 23:00:00 +0000" startDate="${date} 00:00:00 +0000" endDate="${date} 23:00:00 +0000" value="${restingHeartRate(date)}"/>\n`;
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<HealthData locale="en_US">\n${body}</HealthData>\n`;
}

function text(message: BaseMessage | undefined): string {
  return typeof message?.content === "string" ? message.content : JSON.stringify(message?.content ?? "");
}

function systemText(call: ModelCall | undefined): string {
  const first = call?.messages[0];
  return typeof first?.content === "string" ? first.content : "";
}

describe("coaching that learns what works", () => {
  let test: TestConnection;
  let dir: string;
  const consumers: RedisClient[] = [];
  const afterTurn = new AfterTurnTasks();

  beforeAll(async () => {
    test = await connectTestRedis({ label: "coaching" });
    dir = mkdtempSync(join(tmpdir(), "wellness-coaching-"));
  });

  afterAll(async () => {
    await afterTurn.drain();
    for (const client of consumers) await closeRedis(client);
    rmSync(dir, { recursive: true, force: true });
    await test.dispose();
  });

  /** Everything one test needs under its own prefix: memory, the store, a learner, a graph. */
  function setup(model: ScriptedChatModel) {
    const keys = new KeySchema(`${test.prefix}${uniquePrefix("c")}`);
    const memory = new Memory({ client: test.client, keys, embeddings: new HashingEmbeddings(256), ttlSeconds: 3600, embeddingCacheTtlSeconds: 60 });
    const store = new HealthStore(test.client, keys);
    const learner = new TurnLearner({ memory, client: test.client, keys, model, timeZone: TIME_ZONE, now: NOW });
    const sessions = new SessionIndex(test.client, keys, { ttlSeconds: 3600 });
    const checkpointer = new RedisCheckpointSaver(test.client, { keys, sessionIndex: sessions });
    const graph = createStatefulGraph({
      onTurnEnd: (entry) =>
        afterTurn.run("learn", async () => {
          await sessions.touch(entry.userId, entry.sessionId);
          await learner.learn(entry);
        }),
      checkpointer,
      model,
      memory,
      tools: Object.values(createHealthTools({ client: test.client, keys, store, memory, timeZone: TIME_ZONE, now: NOW })),
      timeZone: TIME_ZONE,
      now: NOW,
    });
    const ask = async (question: string, sessionId: string, userId: string) => {
      const state = await graph.invoke({ messages: [new HumanMessage(question)] }, { configurable: { thread_id: sessionId, userId } });
      await afterTurn.drain();
      return state;
    };
    const load = async (userId: string, xml: string) => {
      const path = join(dir, `${userId}-${Math.random().toString(36).slice(2)}.xml`);
      writeFileSync(path, xml);
      await importExport({ client: test.client, keys, userId, path, indexTtlSeconds: 3600 });
    };
    return { keys, memory, store, learner, checkpointer, ask, load };
  }

  /** Answers the question with advice through record_advice, then in words. */
  function advisingModel(extract?: (text: string, tool: string) => unknown) {
    return new ScriptedChatModel((call) => {
      const last = call.messages.at(-1);
      if (last && isToolMessage(last)) return new AIMessage("Try walking 2,000 more steps on weekdays.");
      if (/steps|walk/i.test(text(last))) return toolCall("record_advice", { suggestion: "Walk 2,000 more steps on weekdays", metric: "steps" });
      return new AIMessage("Noted.");
    }, extract);
  }

  async function consumer(): Promise<RedisClient> {
    const client = await connectRedis({ url: test.url, commandTimeoutMs: 0 });
    consumers.push(client);
    return client;
  }

  it("records advice from one session with its baseline, and the worker marks it improved with the numbers once imported data shows it", async () => {
    const model = advisingModel();
    const { keys, memory, learner, ask, load } = setup(model);
    await load("ann", exportXml(28, () => 5000));
    await ask("How can I get more steps in?", "ann-1", "ann");
    const [advice] = await memory.interventions.list("ann");
    expect(advice).toMatchObject({
      sessionId: "ann-1",
      metric: "StepCount",
      direction: "increase",
      date: "2024-10-14",
      evaluateAfter: "2024-10-28",
      outcome: "pending",
      source: "tool",
      baseline: { value: 5000, from: "2024-09-16", to: "2024-10-13", days: 28 },
    });
    expect(await memory.interventions.list("ann")).toHaveLength(1);

    await load("ann", exportXml(43, (date) => (date < "2024-10-15" ? 5000 : 7000)));
    await new LearningQueue(test.client, keys).announceImport("ann");
    const worker = new LearningWorker(await consumer(), keys, learner, { consumer: "coach", blockMs: 50 });
    expect(await worker.runOnce()).toBeGreaterThanOrEqual(1);

    const [resolved] = await memory.interventions.list("ann");
    expect(resolved?.outcome).toBe("improved");
    expect(resolved?.dataOutcome).toMatchObject({ status: "improved", baseline: 5000, observed: 7000, change: 2000, changePercent: 40, from: "2024-10-15", to: "2024-10-28", days: 14 });
    const ttl = await test.client.ttl(keys.intervention("ann", resolved?.id ?? ""));
    expect(ttl).toBeGreaterThan(89 * 86_400);
    expect(ttl).toBeLessThanOrEqual(90 * 86_400);
    expect(await test.client.zCard(keys.interventionsDue())).toBe(0);
  });

  /** Advice given on 2024-10-14 in `sessionId` to bring resting heart rate down from `baseline` (its 28 days before). */
  const walkAfterDinner = (sessionId: string, baseline: { value: number; unit: string }) => ({
    sessionId,
    suggestion: "Add a 20 minute walk after dinner to bring your resting heart rate down",
    metric: "RestingHeartRate",
    direction: "decrease" as const,
    baseline: { ...baseline, from: "2024-09-16", to: "2024-10-13", days: 28 },
    date: "2024-10-14",
    source: "tool" as const,
  });

  it("leaves advice pending while the data does not reach the end of its window, and the schedule measures it once it does", async () => {
    const { keys, memory, store, ask, load } = setup(advisingModel());
    await load("cy", exportXml(28, () => 5000, () => 60));
    await ask("How can I get more steps in?", "cy-1", "cy");
    await memory.interventions.record("cy", walkAfterDinner("cy-1", { value: 60, unit: "count/min" }));
    await load("cy", exportXml(35, () => 5000, () => 60));
    const later = new OutcomeCheck({ interventions: memory.interventions, store, now: () => new Date("2024-11-01T00:00:00Z") });
    expect(await later.forUser("cy")).toEqual([]);
    expect((await memory.interventions.list("cy")).every((each) => each.outcome === "pending")).toBe(true);

    await load("cy", exportXml(43, () => 4000, (date) => (date < "2024-10-15" ? 60 : 57)));
    const schedule = new CoachingSchedule({ outcomes: later });
    expect(await schedule.runOnce()).toEqual({ resolved: 2, reflections: 0 });
    const byMetric = Object.fromEntries((await memory.interventions.list("cy")).map((each) => [each.metric, each.dataOutcome as DataOutcome]));
    expect(byMetric.StepCount).toMatchObject({ status: "worse", baseline: 5000, observed: 4000, change: -1000, changePercent: -20 });
    expect(byMetric.RestingHeartRate).toMatchObject({ status: "improved", baseline: 60, observed: 57, change: -3 });
    expect(await test.client.zCard(keys.interventionsDue())).toBe(0);
  });

  it("does not compare a baseline with data in another unit (an export imported again since, the metric in a new unit)", async () => {
    const { memory, store, load } = setup(advisingModel());
    await load("cz", exportXml(43, () => 5000, () => 60));
    await memory.interventions.record("cz", walkAfterDinner("cz-1", { value: 0.001, unit: "count/ms" }));
    await new OutcomeCheck({ interventions: memory.interventions, store, now: () => new Date("2024-11-01T00:00:00Z") }).forUser("cz");
    const [advice] = await memory.interventions.list("cz");
    expect(advice?.dataOutcome).toMatchObject({ status: "insufficient_data", unit: "count/min" });
  });

  it("marks adherence from what the user says without touching the data outcome, and the data outcome leaves adherence alone", async () => {
    const { memory, ask, load, learner } = setup(advisingModel());
    await load("dee", exportXml(28, () => 5000));
    await ask("How can I get more steps in?", "dee-1", "dee");
    const [advice] = await memory.interventions.list("dee");
    const outcome: DataOutcome = { status: "unchanged", baseline: 5000, observed: 5050, change: 50, changePercent: 1, unit: "count", from: "2024-10-15", to: "2024-10-28", days: 14, evaluatedAt: "2024-10-29T00:00:00.000Z" };
    expect(await memory.interventions.resolve("dee", advice?.id ?? "", outcome)).toBe(true);

    await ask("I tried it, it didn't help", "dee-2", "dee");
    const [after] = await memory.interventions.list("dee");
    expect(after?.adherence).toMatchObject({ followed: "yes", helped: "no", source: "rules", sessionId: "dee-2", quote: "I tried it, it didn't help" });
    expect(after?.outcome).toBe("unchanged");
    expect(after?.dataOutcome).toEqual(outcome);

    await learner.learn({ timestamp: Date.now(), sessionId: "dee-3", userId: "dee", query: "Honestly I didn't do it", tools: [], success: 1, durationMs: 5 });
    const [again] = await memory.interventions.list("dee");
    expect(again?.adherence).toMatchObject({ followed: "no", sessionId: "dee-3" });
    expect(again?.dataOutcome).toEqual(outcome);

    const improved: DataOutcome = { ...outcome, status: "improved", observed: 6000, change: 1000, changePercent: 20 };
    await memory.interventions.resolve("dee", advice?.id ?? "", improved);
    const [last] = await memory.interventions.list("dee");
    expect(last?.adherence).toEqual(again?.adherence);
    expect(last?.dataOutcome).toEqual(improved);
  });

  it("takes the model's judgement of adherence when it gives one", async () => {
    let adviceId = "";
    const model = advisingModel((_text, tool) => (tool === "adherence_judgement" ? { items: [{ intervention_id: adviceId, followed: "partly", helped: "yes" }] } : { items: [] }));
    const { memory, ask, load } = setup(model);
    await load("eve", exportXml(28, () => 5000));
    await ask("How can I get more steps in?", "eve-1", "eve");
    adviceId = (await memory.interventions.list("eve"))[0]?.id ?? "";
    await ask("The extra walking made a real difference on the days I managed it", "eve-2", "eve");
    expect((await memory.interventions.get("eve", adviceId))?.adherence).toMatchObject({ followed: "partly", helped: "yes", source: "model" });
  });

  it("extracts concrete advice from an answer after the turn when no tool recorded it, once", async () => {
    const model = new ScriptedChatModel(() => new AIMessage("You slept 6.1 hours a night. Try going to bed 30 minutes earlier on weeknights. Would you like tips?"));
    const { memory, ask } = setup(model);
    await ask("How can I sleep more?", "fay-1", "fay");
    await ask("How can I sleep more?", "fay-1", "fay");
    const advice = await memory.interventions.list("fay");
    expect(advice).toHaveLength(1);
    expect(advice[0]).toMatchObject({ metric: "SleepDuration", suggestion: "Try going to bed 30 minutes earlier on weeknights.", source: "extraction", outcome: "pending" });
  });

  it("carries the answer through the learning stream, so the worker extracts its advice", async () => {
    const model = new ScriptedChatModel(() => new AIMessage("Noted."));
    const { keys, memory, learner } = setup(model);
    await new LearningQueue(test.client, keys).enqueue({ timestamp: Date.now(), sessionId: "gil-1", userId: "gil", query: "Any tips?", tools: [], success: 1, durationMs: 40, answer: "I'd suggest walking 1,500 more steps after lunch each day." });
    const worker = new LearningWorker(await consumer(), keys, learner, { consumer: "queue", blockMs: 50 });
    expect(await worker.runOnce()).toBe(1);
    expect(await memory.interventions.list("gil")).toMatchObject([{ sessionId: "gil-1", metric: "StepCount", source: "extraction" }]);
  });

  it("ranks advice that worked above advice that changed nothing at equal similarity, says so in the prompt, and never shows another user's advice", async () => {
    const model = new ScriptedChatModel(() => new AIMessage("Here you go."));
    const { memory, ask } = setup(model);
    const base = { sessionId: "gus-0", metric: "SleepDuration", direction: "increase" as const, date: "2024-09-01", source: "tool" as const };
    const unchanged = await memory.interventions.record("gus", { ...base, suggestion: "Go to bed 30 minutes earlier" });
    await memory.interventions.resolve("gus", unchanged.id, { status: "unchanged", baseline: 400, observed: 402, change: 2, changePercent: 0.5, unit: "min/night", from: "2024-09-02", to: "2024-09-15", days: 14, evaluatedAt: "2024-09-16T00:00:00.000Z" });
    const improved = await memory.interventions.record("gus", { ...base, suggestion: "Go to bed 30 minutes earlier" });
    await memory.interventions.resolve("gus", improved.id, { status: "improved", baseline: 380, observed: 420, change: 40, changePercent: 10.5, unit: "min/night", from: "2024-09-02", to: "2024-09-15", days: 14, evaluatedAt: "2024-09-16T00:00:00.000Z" });
    await memory.interventions.record("hal", { ...base, sessionId: "hal-0", suggestion: "Go to bed 30 minutes earlier" });

    const found = await memory.interventions.search("gus", "go to bed earlier", { k: 5 });
    expect(found.map((each) => each.id)).toEqual([improved.id, unchanged.id]);
    expect(found[0]?.similarity).toBe(found[1]?.similarity);
    expect((await memory.recall("gus", "go to bed earlier")).interventions.map((each) => each.id)).toEqual([improved.id, unchanged.id]);

    await ask("How do I go to bed earlier?", "gus-1", "gus");
    const prompt = systemText(model.calls[0]);
    expect(prompt).toContain("Advice you gave this user before");
    expect(prompt.indexOf("helped: 380 -> 420 min/night (+40, +10.5%)")).toBeGreaterThan(-1);
    expect(prompt.indexOf("helped: 380")).toBeLessThan(prompt.indexOf("changed nothing: 400 -> 402"));

    for (const user of ["gus", "ivy"]) {
      const listed = await memory.interventions.list(user);
      expect(listed.every((each) => each.userId === user && !each.sessionId.startsWith("hal"))).toBe(true);
      expect((await memory.interventions.search(user, "go to bed 30 minutes earlier")).some((each) => each.sessionId.startsWith("hal"))).toBe(false);
    }
    const tool = createHealthTools({ client: test.client, keys: new KeySchema(), store: new HealthStore(test.client, new KeySchema()), memory, timeZone: TIME_ZONE, now: NOW }).get_past_advice;
    const asIvy = JSON.parse(String(await tool.invoke({ about: "bed earlier" }, { configurable: { userId: "ivy" } }))) as { advice: unknown[] };
    expect(asIvy.advice).toEqual([]);
    const asGus = JSON.parse(String(await tool.invoke({ metric: "sleep", outcome: "improved" }, { configurable: { userId: "gus" } }))) as { advice: { id: string; after: string }[] };
    expect(asGus.advice.map((each) => each.id)).toEqual([improved.id]);
    expect(asGus.advice[0]?.after).toContain("change 40 (10.5%)");
    await expect(memory.interventions.get("gus", (await memory.interventions.list("hal"))[0]?.id ?? "")).resolves.toBeUndefined();
  });

  it("writes one reflection per idle session as an insight, keeps it queued through a model outage and writes it once the model is back", async () => {
    let down = true;
    const reflectModel = new ScriptedChatModel(() => {
      if (down) throw new Error("connect ECONNREFUSED 127.0.0.1:11434");
      return new AIMessage("The user cared about sleeping more; follow up on the earlier bedtime next time.");
    });
    const chat = new ScriptedChatModel(() => new AIMessage("Try going to bed 30 minutes earlier."));
    const { keys, memory, checkpointer, ask } = setup(chat);
    await ask("How can I sleep more?", "jo-1", "jo");
    let clock = Date.now() + 60 * 60_000;
    const waits: number[] = [];
    const reflections = new Reflections({
      client: test.client,
      keys,
      memory,
      model: reflectModel,
      transcript: checkpointTranscript(checkpointer),
      ttlSeconds: 3600,
      retry: { attempts: 3, sleep: (ms) => Promise.resolve(void waits.push(ms)) },
      now: () => clock,
    });

    expect(await reflections.pass()).toEqual([]);
    expect(waits).toHaveLength(2);
    expect(waits.every((ms) => ms > 0 && ms <= 15_000)).toBe(true);
    const queued = await test.client.zRangeWithScores(keys.reflectionsDue(), 0, -1);
    expect(queued.map((entry) => entry.value)).toEqual([JSON.stringify(["jo", "jo-1"])]);
    expect(queued[0]?.score).toBeGreaterThan(clock);
    expect(await test.client.hGet(keys.reflection("jo", "jo-1"), "attempts")).toBe("1");
    expect(await memory.episodic.list("jo", "insight")).toEqual([]);
    await expect(reflections.reflect("jo", "jo-1")).rejects.toBeInstanceOf(ReflectionFailedError);

    down = false;
    expect(await reflections.pass()).toEqual([]);
    clock = (queued[0]?.score ?? clock) + 6 * 3_600_000;
    const [insight] = await reflections.pass();
    expect(insight).toMatchObject({ type: "insight", description: "The user cared about sleeping more; follow up on the earlier bedtime next time.", metadata: { sessionId: "jo-1" } });
    expect(await reflections.pass()).toEqual([]);
    clock += 24 * 3_600_000;
    expect(await reflections.pass()).toEqual([]);
    expect(await memory.episodic.list("jo", "insight")).toHaveLength(1);
    expect(await test.client.zCard(keys.reflectionsDue())).toBe(0);
    expect(reflectModel.calls.filter((call) => text(call.messages[1]).includes("How can I sleep more?"))).toHaveLength(7);

    const question = "what did the user care about? sleeping more, follow up on the earlier bedtime";
    expect((await memory.recall("jo", question)).insights.map((each) => each.id)).toEqual([insight?.id]);
    await ask(question, "jo-2", "jo");
    expect(systemText(chat.calls.at(-1))).toContain(`(insight from a past conversation, ${insight?.timestamp.slice(0, 10)}) The user cared about sleeping more`);
  });
});
