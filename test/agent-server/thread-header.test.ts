import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { RedisOps } from "../../src/agent-server/ops/index.js";
import { connectTestRedis, type TestConnection } from "../support/redis.js";
import { serverStorageOn } from "../support/server-storage.js";

/** A conversation of `turns` questions and answers, as a thread record's values hold one. */
function conversation(turns: number): Record<string, unknown> {
  const messages = Array.from({ length: turns }, (_, index) => [
    { type: "human", content: `Question ${index}`, id: `h${index}` },
    { type: "ai", content: `Answer ${index} `.repeat(40), id: `a${index}` },
  ]).flat();
  return { messages };
}

describe("a thread's header (everything but its values)", () => {
  let test: TestConnection;
  let ops: RedisOps;

  beforeEach(async () => {
    test = await connectTestRedis({ label: "header" });
    ops = serverStorageOn(test);
    await ops.assistants.put("header-test", { graph_id: "header-test", config: {}, context: {}, if_exists: "do_nothing" }, undefined);
  });

  afterEach(async () => {
    ops.runs.close();
    await test.dispose();
  });

  it("is the stored thread without values and interrupts, and is not found for an unknown id", async () => {
    const threadId = randomUUID();
    await ops.threads.put(threadId, { metadata: { owner: "ana", topic: "sleep" }, if_exists: "raise" }, undefined);
    await ops.threads.setStatus(threadId, { checkpoint: { values: conversation(3), next: [], tasks: [], metadata: {} as never } });
    const full = await ops.threads.load(threadId);
    const header = await ops.threads.loadHeader(threadId);
    expect(full?.values).toEqual(conversation(3));
    const { values: _values, interrupts: _interrupts, ...rest } = full ?? {};
    expect(header).toEqual(rest);
    expect(header).not.toHaveProperty("values");
    expect(await ops.threads.loadHeader(randomUUID())).toBeUndefined();
    expect(await ops.threads.getHeader(threadId, undefined)).toEqual(rest);
    await expect(ops.threads.getHeader(randomUUID(), undefined)).rejects.toMatchObject({ status: 404 });
  });

  it("is all a run on a long thread reads of the thread record: its conversation stays in Redis", async () => {
    const threadId = randomUUID();
    await ops.threads.put(threadId, { metadata: { owner: "ana" }, if_exists: "raise" }, undefined);
    await ops.threads.setStatus(threadId, { checkpoint: { values: conversation(40), next: [], tasks: [], metadata: {} as never } });
    const hGetAll = vi.spyOn(test.client, "hGetAll");
    try {
      const runId = randomUUID();
      const [run] = await ops.runs.put(runId, "header-test", { input: null }, { threadId, status: "pending", multitaskStrategy: "enqueue" }, undefined);
      expect(run?.run_id).toBe(runId);
      expect(run?.metadata).toMatchObject({ owner: "ana" });
      expect(await ops.runs.get(runId, threadId, undefined)).toMatchObject({ run_id: runId, thread_id: threadId });
      const threadKey = test.keys.agentThread(threadId);
      expect(hGetAll.mock.calls.filter(([key]) => key === threadKey)).toEqual([]);
    } finally {
      hGetAll.mockRestore();
    }
  });
});
