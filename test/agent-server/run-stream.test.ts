import { randomUUID } from "node:crypto";
import type { Run } from "@langchain/langgraph-api/storage";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RedisOps } from "../../src/agent-server/ops/index.js";
import { LocalTail, RunStreamWriter } from "../../src/agent-server/ops/run-stream-writer.js";
import { compareStreamIds } from "../../src/events/stream-id.js";
import type { TurnRunner } from "../../src/agent-server/ops/runs.js";
import { connectTestRedis, type TestConnection } from "../support/redis.js";
import { serverStorageOn } from "../support/server-storage.js";

/**
 * A chat turn as the TurnExecutor runs one, with the graph left out: it publishes `events`, one
 * by one, waiting for `gate` before the last, then records the run's and the thread's end.
 */
function scriptedTurns(ops: RedisOps, events: { event: string; data: unknown }[], gate: () => Promise<void> = () => Promise.resolve()): TurnRunner {
  return {
    async execute(run: Run) {
      for (const [index, { event, data }] of events.entries()) {
        if (index === events.length - 1) await gate();
        await ops.runs.stream.publish({ runId: run.run_id, resumable: false, event, data });
      }
      await ops.runs.setStatus(run.run_id, "success");
      await ops.runs.closeFinished(run.thread_id);
    },
  };
}

async function queueTurn(ops: RedisOps): Promise<{ runId: string; threadId: string }> {
  const runId = randomUUID();
  const threadId = randomUUID();
  await ops.runs.put(runId, "stream-test", { input: null }, { threadId, ifNotExists: "create", status: "pending", executor: "turn" }, undefined);
  return { runId, threadId };
}

/** Reads a run's stream to its end; `queuedHere` as the chat route reads the turn it queued. */
async function read(ops: RedisOps, runId: string, threadId: string, queuedHere = false): Promise<{ id?: string; event: string; data: unknown }[]> {
  const events: { id?: string; event: string; data: unknown }[] = [];
  for await (const event of ops.runs.stream.join(runId, threadId, { lastEventId: undefined, queuedHere }, undefined)) events.push(event);
  return events;
}

const EVENTS = [
  { event: "metadata", data: { run_id: "r" } },
  { event: "messages", data: [{ content: "Your", type: "AIMessageChunk" }, { langgraph_node: "agent" }] },
  { event: "messages", data: [{ content: " sleep", type: "AIMessageChunk" }, { langgraph_node: "agent" }] },
  { event: "updates", data: { agent: { messages: [{ content: "Your sleep", type: "ai" }] } } },
];

describe("a chat turn's run stream", () => {
  let test: TestConnection;
  let here: RedisOps;
  let there: RedisOps;
  let workers: Promise<void>[];

  beforeEach(async () => {
    test = await connectTestRedis({ label: "stream" });
    here = serverStorageOn(test);
    there = serverStorageOn(test);
    workers = [];
    await here.assistants.put("stream-test", { graph_id: "stream-test", config: {}, context: {}, if_exists: "do_nothing" }, undefined);
  });

  afterEach(async () => {
    here.runs.close();
    there.runs.close();
    await Promise.all(workers);
    await test.dispose();
  });

  /** Starts a queue worker of `ops` (chat turns go to its runner). */
  function work(ops: RedisOps): void {
    workers.push(
      (async () => {
        for await (const _ of ops.runs.next()) throw new Error("only chat turns are queued here");
      })(),
    );
  }

  it("reaches the request in the process that executes it without being written to Redis", async () => {
    here.runs.executeTurnsWith(scriptedTurns(here, EVENTS));
    const { runId, threadId } = await queueTurn(here);
    const reading = read(here, runId, threadId, true);
    work(here);
    const events = await reading;
    expect(events.map(({ event, data }) => ({ event, data }))).toEqual(EVENTS);
    expect(new Set(events.map(({ id }) => id)).size).toBe(EVENTS.length);
    // Only the entry that closes the stream: the events themselves stayed in the process.
    const entries = await test.client.xRange(test.keys.agentRunStream(runId), "-", "+");
    expect(entries.map((entry) => entry.message.event)).toEqual(["__done__"]);
  });

  it("reaches a reader in another process, events before it joined included, under the same ids", async () => {
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    here.runs.executeTurnsWith(scriptedTurns(here, EVENTS, () => released));
    const { runId, threadId } = await queueTurn(here);
    const local = read(here, runId, threadId, true);
    work(here);
    await expect.poll(async () => (await here.runs.get(runId, threadId, undefined))?.status).toBe("running");
    const remote = read(there, runId, threadId);
    // The reader elsewhere asks for the events; the executing process sends them on its next lease renewal.
    await expect.poll(() => test.client.xLen(test.keys.agentRunStream(runId)), { timeout: 5_000 }).toBe(EVENTS.length - 1);
    release();
    const [seenHere, seenThere] = await Promise.all([local, remote]);
    expect(seenThere.map(({ event, data }) => ({ event, data }))).toEqual(EVENTS);
    expect(seenThere.map(({ id }) => id)).toEqual(seenHere.map(({ id }) => id));
  });

  it("reaches a reader in another process when the turn ends before the executing process renews its lease", async () => {
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    here.runs.executeTurnsWith(scriptedTurns(here, EVENTS, () => released));
    const { runId, threadId } = await queueTurn(here);
    work(here);
    await expect.poll(async () => (await here.runs.get(runId, threadId, undefined))?.status).toBe("running");
    const remote = read(there, runId, threadId);
    await expect.poll(() => test.client.hGet(test.keys.agentRun(threadId, runId), "watched")).toBe("1");
    release();
    expect((await remote).map(({ event, data }) => ({ event, data }))).toEqual(EVENTS);
  });

  it("reaches the process that queued the turn when another process executes it", async () => {
    there.runs.executeTurnsWith(scriptedTurns(there, EVENTS));
    const { runId, threadId } = await queueTurn(here);
    const reading = read(here, runId, threadId, true);
    work(there);
    expect((await reading).map(({ event, data }) => ({ event, data }))).toEqual(EVENTS);
  });

  it("reaches a reader in another process that joined while the turn was queued", async () => {
    here.runs.executeTurnsWith(scriptedTurns(here, EVENTS));
    const { runId, threadId } = await queueTurn(here);
    const local = read(here, runId, threadId, true);
    const remote = read(there, runId, threadId);
    await expect.poll(() => test.client.hGet(test.keys.agentRun(threadId, runId), "watched")).toBe("1");
    work(here);
    const [seenHere, seenThere] = await Promise.all([local, remote]);
    expect(seenThere.map(({ event, data }) => ({ event, data }))).toEqual(EVENTS);
    expect(seenHere.map(({ event, data }) => ({ event, data }))).toEqual(EVENTS);
  });
});

describe("a kept run stream's writer", () => {
  it("sends what it kept to Redis before its tail drops an entry a slow reader may still need", async () => {
    const test = await connectTestRedis({ label: "tail" });
    try {
      const key = test.keys.agentRunStream(randomUUID());
      const tail = new LocalTail(3);
      const writer = new RunStreamWriter(test.client, key, { maxEntries: 3, ttlSeconds: 60, tail, onWritten: () => undefined, local: true });
      for (let index = 0; index < 3; index++) await writer.add("messages", undefined, { index });
      await writer.settled();
      expect(await test.client.exists(key)).toBe(0);
      const first = tail.entries[0]?.id as string;
      await writer.add("messages", undefined, { index: 3 });
      await writer.settled();
      expect(writer.shared).toBe(true);
      const entries = await test.client.xRange(key, "-", "+");
      expect(entries.map((entry) => JSON.parse(entry.message.data ?? "null") as unknown)).toEqual([{ index: 0 }, { index: 1 }, { index: 2 }, { index: 3 }]);
      expect(entries[0]?.id).toBe(first);
      // The tail no longer holds the first entry; a reader past it goes to Redis, which has it.
      expect(tail.after(undefined)).toBeUndefined();
    } finally {
      await test.dispose();
    }
  });
});

describe("a run stream's local tail", () => {
  it("returns the entries after any cursor, in order, whichever way the ids differ", () => {
    const tail = new LocalTail(100);
    const ids = ["1718000000000-0", "1718000000000-1", "1718000000000-10", "1718000000001-2", "1718000000100-0"];
    tail.append(ids.map((id) => ({ id, event: "messages", value: id })));
    expect(tail.after("1718000000000-1")?.map((entry) => entry.id)).toEqual(ids.slice(2));
    expect(tail.after("1718000000000-9")?.map((entry) => entry.id)).toEqual(ids.slice(2));
    expect(tail.after("1718000000000")?.map((entry) => entry.id)).toEqual(ids.slice(1));
    expect(tail.after("1718000000100-0")).toEqual([]);
    expect(tail.after("0-0")?.map((entry) => entry.id)).toEqual(ids);
  });
});

describe("compareStreamIds", () => {
  it("orders ids numerically by time then sequence, with or without a sequence, at any length", () => {
    expect(compareStreamIds("9-0", "10-0")).toBe(-1);
    expect(compareStreamIds("10-2", "10-10")).toBe(-1);
    expect(compareStreamIds("10", "10-0")).toBe(0);
    expect(compareStreamIds("10-1", "10")).toBe(1);
    expect(compareStreamIds("99999999999999999999-0", "99999999999999999998-5")).toBe(1);
    expect(compareStreamIds("1718000000000-18446744073709551615", "1718000000000-18446744073709551614")).toBe(1);
    const sorted = ["3-1", "1-0", "12-0", "2-11", "2-2"].sort(compareStreamIds);
    expect(sorted).toEqual(["1-0", "2-2", "2-11", "3-1", "12-0"]);
  });
});
