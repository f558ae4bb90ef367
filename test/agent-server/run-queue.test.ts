import { emptyCheckpoint, uuid6 } from "@langchain/langgraph-checkpoint";
import { ClientClosedError } from "@redis/client";
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RedisOps } from "../../src/agent-server/ops/index.js";
import { RedisCheckpointSaver } from "../../src/index.js";
import { connectTestRedis, type TestConnection } from "../support/redis.js";
import { serverStorageOn } from "../support/server-storage.js";

/** Queues a run on a new or existing thread through `ops`, as POST /threads/:id/runs does. */
async function queueRun(ops: RedisOps, threadId: string): Promise<string> {
  const runId = randomUUID();
  const [run] = await ops.runs.put(runId, "queue-test", { input: null }, { threadId, ifNotExists: "create", multitaskStrategy: "enqueue", status: "pending" }, undefined);
  expect(run?.run_id).toBe(runId);
  return runId;
}

/** One queue worker of a process: the runs it claims, in order, until it is stopped. */
function worker(ops: RedisOps, finish: boolean): { claimed: string[]; first: Promise<string>; stop: () => Promise<void> } {
  const claimed: string[] = [];
  let resolveFirst: (runId: string) => void = () => undefined;
  const first = new Promise<string>((resolve) => (resolveFirst = resolve));
  const loop = (async () => {
    for await (const { run } of ops.runs.next()) {
      claimed.push(run.run_id);
      resolveFirst(run.run_id);
      if (finish) await ops.runs.setStatus(run.run_id, "success");
    }
  })();
  return {
    claimed,
    first,
    stop: async () => {
      ops.runs.close();
      await loop;
    },
  };
}

describe("the run queue shared by several server processes", () => {
  let test: TestConnection;
  let here: RedisOps;
  let there: RedisOps;

  beforeEach(async () => {
    test = await connectTestRedis({ label: "queue" });
    here = serverStorageOn(test);
    // Runs another process queued are left to it for a minute: long enough that only a process
    // ignoring the grace period could take one while the process that queued it is running.
    there = serverStorageOn(test, { foreignRunGraceMs: 60_000 });
    await here.assistants.put("queue-test", { graph_id: "queue-test", config: {}, context: {}, if_exists: "do_nothing" }, undefined);
  });

  afterEach(async () => {
    here.runs.close();
    there.runs.close();
    await test.dispose();
  });

  it("has the process that queued a run execute it, though another process's worker watches the queue", async () => {
    const other = worker(there, true);
    const threads = [randomUUID(), randomUUID(), randomUUID()];
    const local = worker(here, true);
    const runIds: string[] = [];
    for (const threadId of threads) runIds.push(await queueRun(here, threadId));
    await expect.poll(() => local.claimed.length).toBe(3);
    expect(local.claimed).toEqual(runIds);
    expect(other.claimed).toEqual([]);
    await Promise.all([other.stop(), local.stop()]);
  });

  it("lets another process take a queued run when the process that queued it does not", async () => {
    const runId = await queueRun(there, randomUUID());
    const other = worker(here, true);
    expect(await other.first).toBe(runId);
    expect((await here.runs.get(runId, undefined, undefined))?.status).toBe("success");
    await other.stop();
  });

  it("has a process's idle workers look at the queue once per interval between them, and take a run another process queued meanwhile", async () => {
    const client = test.client as unknown as { zRangeByScore: (...args: unknown[]) => Promise<unknown> };
    const read = client.zRangeByScore.bind(client);
    let looks = 0;
    client.zRangeByScore = (...args: unknown[]) => {
      looks += 1;
      return read(...args);
    };
    const idle = [worker(here, true), worker(here, true), worker(here, true), worker(here, true), worker(here, true)];
    await new Promise((resolve) => setTimeout(resolve, 300));
    const before = looks;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    // One look per 200 ms for the process, whichever worker makes it (fewer when the machine is
    // busy); five workers each looking would be 25.
    expect(looks - before).toBeGreaterThanOrEqual(1);
    expect(looks - before).toBeLessThanOrEqual(7);
    const runId = await queueRun(there, randomUUID());
    await expect.poll(() => idle.flatMap((each) => each.claimed), { timeout: 3_000 }).toEqual([runId]);
    expect((await here.runs.get(runId, undefined, undefined))?.status).toBe("success");
    await Promise.all(idle.map((each) => each.stop()));
  });

  it("keeps a run queued behind its thread's executing run, and claims it once that one ends", async () => {
    const threadId = randomUUID();
    const first = await queueRun(here, threadId);
    const second = await queueRun(here, threadId);
    const local = worker(here, false);
    expect(await local.first).toBe(first);
    expect((await here.runs.get(second, threadId, undefined))?.status).toBe("pending");
    await here.runs.setStatus(first, "success");
    await expect.poll(() => local.claimed).toEqual([first, second]);
    await local.stop();
  });

  /** The official worker's view of the queue: claims one run at a time and holds it until the next claim. */
  function officialWorker(ops: RedisOps): { claim: () => Promise<string | undefined>; stop: () => Promise<void> } {
    const runs = ops.runs.next();
    return {
      claim: async () => {
        const claimed = await runs.next();
        return claimed.done ? undefined : claimed.value.run.run_id;
      },
      stop: async () => {
        ops.runs.close();
        await runs.return(undefined);
      },
    };
  }

  /** Two runs queued on a new thread, the first claimed and held by an official worker. */
  async function firstOfTwoClaimed(): Promise<{ threadId: string; first: string; next: string; worker: ReturnType<typeof officialWorker> }> {
    const threadId = randomUUID();
    const first = await queueRun(here, threadId);
    const next = await queueRun(here, threadId);
    const held = officialWorker(here);
    expect(await held.claim()).toBe(first);
    return { threadId, first, next, worker: held };
  }

  type ClientCall = (...args: unknown[]) => Promise<unknown>;

  /** Runs `body` with one method of the test's client replaced; `replacement` gets the original. */
  async function intercepting(name: "unlink" | "hmGet", replacement: (original: ClientCall, ...args: unknown[]) => Promise<unknown>, body: () => Promise<void>): Promise<void> {
    const client = test.client as unknown as Record<typeof name, ClientCall>;
    const original = client[name].bind(client);
    client[name] = (...args) => replacement(original, ...args);
    try {
      await body();
    } finally {
      client[name] = original;
    }
  }

  it("deletes a run cancelled with rollback in the step that ends it: a reader sees it running, then not at all", async () => {
    const { threadId, first: rolledBack, next, worker: held } = await firstOfTwoClaimed();
    await here.runs.cancel(threadId, [rolledBack], { action: "rollback" }, undefined);
    expect((await here.runs.get(rolledBack, threadId, undefined))?.status).toBe("running");
    // What a client polling the run reads once its status is written and before the rest of the
    // clean-up: the first UNLINK after the status script is that clean-up.
    const seen: unknown[] = [];
    const observe = async (original: ClientCall, ...args: unknown[]) => {
      seen.push((await here.runs.get(rolledBack, threadId, undefined)) ?? "not found");
      return original(...args);
    };
    await intercepting("unlink", observe, () => here.runs.setStatus(rolledBack, "error"));
    expect(seen[0]).toBe("not found");
    expect(await here.runs.get(rolledBack, undefined, undefined)).toBeNull();
    expect((await here.runs.search(threadId, {}, undefined)).map((run) => run.run_id)).toEqual([next]);
    expect(await held.claim()).toBe(next);
    await held.stop();
  });

  it("ends a rolled-back run whose clean-up met a dropped connection: the retried status write resolves, and the thread's next run goes ahead", async () => {
    const { threadId, first: rolledBack, next, worker: held } = await firstOfTwoClaimed();
    await here.runs.cancel(threadId, [rolledBack], { action: "rollback" }, undefined);
    // The clean-up after the status script fails once as a dropped connection does; setStatus
    // tries again, and the run is gone by then.
    let calls = 0;
    const dropOnce = (original: ClientCall, ...args: unknown[]) => (calls++ === 0 ? Promise.reject(new ClientClosedError()) : original(...args));
    await intercepting("unlink", dropOnce, () => here.runs.setStatus(rolledBack, "error"));
    expect(calls).toBeGreaterThan(1);
    expect(await here.runs.get(rolledBack, undefined, undefined)).toBeNull();
    expect(await test.client.exists(test.keys.agentRunThread(rolledBack))).toBe(0);
    expect(await held.claim()).toBe(next);
    await held.stop();
  });

  it("rolls a run back when the rollback is asked for while its end is being written, before its record goes", async () => {
    const { threadId, first: runId, worker: held } = await firstOfTwoClaimed();
    // The run wrote a checkpoint; the thread had none when it started.
    const saver = new RedisCheckpointSaver(test.client, { keys: test.keys });
    const checkpoint = { ...emptyCheckpoint(), id: uuid6(-3), channel_values: { messages: ["hi"] }, channel_versions: { messages: 1 } };
    await saver.put({ configurable: { thread_id: threadId, checkpoint_ns: "" } }, checkpoint, { source: "loop", step: 0, parents: {} }, { messages: 1 });
    // The rollback arrives just after the status write looked for one.
    let asked = false;
    const rollBackAfter = async (original: ClientCall, ...args: unknown[]) => {
      const reply = await original(...args);
      if (!asked) {
        asked = true;
        await here.runs.cancel(threadId, [runId], { action: "rollback" }, undefined);
      }
      return reply;
    };
    await intercepting("hmGet", rollBackAfter, () => here.runs.setStatus(runId, "success"));
    expect(asked).toBe(true);
    expect(await here.runs.get(runId, undefined, undefined)).toBeNull();
    expect(await saver.getTuple({ configurable: { thread_id: threadId, checkpoint_ns: "" } })).toBeUndefined();
    await held.stop();
  });

  it("ends a run that a client deleted while it executed: its status write resolves and lets go of the thread", async () => {
    const { threadId, first: deleted, next, worker: held } = await firstOfTwoClaimed();
    await here.runs.delete(deleted, threadId, undefined);
    await here.runs.setStatus(deleted, "success");
    expect(await test.client.exists(test.keys.agentThreadActive(threadId))).toBe(0);
    expect(await held.claim()).toBe(next);
    await held.stop();
  });

  it("ends a run whose thread a client deleted while it executed: the run's and the thread's status writes resolve", async () => {
    const { threadId, first: runId, worker: held } = await firstOfTwoClaimed();
    const other = await queueRun(here, randomUUID());
    await here.threads.delete(threadId, undefined);
    await here.runs.setStatus(runId, "success");
    await here.threads.setStatus(threadId, {});
    expect(await test.client.exists(test.keys.agentThread(threadId))).toBe(0);
    expect(await held.claim()).toBe(other);
    await held.stop();
  });

  it("drops a queued run that was cancelled before any worker claimed it", async () => {
    const threadId = randomUUID();
    const cancelled = await queueRun(here, threadId);
    await here.runs.cancel(threadId, [cancelled], { action: "interrupt" }, undefined);
    const kept = await queueRun(here, randomUUID());
    const local = worker(here, true);
    expect(await local.first).toBe(kept);
    expect((await here.runs.get(cancelled, threadId, undefined))?.status).toBe("interrupted");
    expect(await test.client.zCard(test.keys.agentRunQueue())).toBe(0);
    await local.stop();
  });
});
