import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventBus, type StoredEvent } from "../../src/events/index.js";
import { closeRedis, connectRedis, importExport, KeySchema, LearningWorker, Memory, TurnLearner, type RedisClient } from "../../src/index.js";
import { twoWeeks } from "../support/health-fixture.js";
import { HashingEmbeddings } from "../support/hashing-embeddings.js";
import { connectTestRedis, type TestConnection } from "../support/redis.js";
import { spawnPrivateRedis } from "../support/test-redis.js";

async function until(predicate: () => boolean, what: string, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const types = (events: readonly StoredEvent[]) => events.map((stored) => stored.event.type);

describe("what emits events", () => {
  let test: TestConnection;
  let bus: EventBus;
  const dir = mkdtempSync(join(tmpdir(), "wellness-events-"));
  const blocking: RedisClient[] = [];

  beforeAll(async () => {
    test = await connectTestRedis({ label: "emitters" });
    bus = new EventBus({ client: test.client, keys: test.keys });
  });

  afterAll(async () => {
    for (const client of blocking) await closeRedis(client);
    await bus.close();
    await test.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it("an import: started, progress, finished in order on the user's channel and in the log; another user's subscriber sees none", async () => {
    const path = join(dir, "export.xml");
    writeFileSync(path, twoWeeks());
    const heard: StoredEvent[] = [];
    const overheard: StoredEvent[] = [];
    const stopAmy = await bus.subscribe("amy", (stored) => heard.push(stored));
    const stopBob = await bus.subscribe("bob", (stored) => overheard.push(stored));
    const summary = await importExport({
      client: test.client,
      keys: test.keys,
      userId: "amy",
      path,
      indexTtlSeconds: 3600,
      events: { sink: bus, everyRecords: 10 },
    });
    await bus.drain();
    const logged = await bus.read("amy", "0", 1000);
    await until(() => heard.length === logged.length, "the listener heard what the log holds");
    expect(heard).toEqual(logged);

    const kinds = types(logged);
    expect(kinds[0]).toBe("import.started");
    expect(kinds.at(-1)).toBe("import.finished");
    expect(kinds.filter((kind) => kind === "import.progress").length).toBeGreaterThanOrEqual(1);
    expect(new Set(kinds.slice(1, -1))).toEqual(new Set(["import.progress"]));
    expect(logged[0]?.event).toEqual({ type: "import.started", file: "export.xml", bytes: summary.bytes });
    expect(logged.at(-1)?.event).toMatchObject({ type: "import.finished", records: summary.records, workouts: 4, sleepNights: 2, firstDate: "2024-10-07" });
    const records = logged.flatMap((stored) => (stored.event.type === "import.progress" ? [stored.event.records] : []));
    expect(records).toEqual([...records].sort((a, b) => a - b));
    expect(overheard).toEqual([]);
    expect(await bus.read("bob")).toEqual([]);
    await stopAmy();
    await stopBob();
  });

  it("a failed import: import.failed with the error's code", async () => {
    const path = join(dir, "notes.txt");
    writeFileSync(path, "not an export");
    await expect(importExport({ client: test.client, keys: test.keys, userId: "fay", path, indexTtlSeconds: 3600, events: { sink: bus } })).rejects.toMatchObject({
      code: "ERR_IMPORT_NOT_AN_EXPORT",
    });
    await bus.drain();
    expect((await bus.read("fay")).map((stored) => stored.event)).toEqual([{ type: "import.failed", code: "ERR_IMPORT_NOT_AN_EXPORT", message: expect.any(String) as string }]);
  });

  it("memory: stored, replaced (a goal superseded by a new one) and forgotten", async () => {
    const memory = new Memory({ client: test.client, keys: test.keys, embeddings: new HashingEmbeddings(64), ttlSeconds: 3600, embeddingCacheTtlSeconds: 60, events: bus });
    const preference = await memory.episodic.store("gus", { type: "preference", description: "likes morning runs" });
    const first = await memory.episodic.setGoal("gus", { metric: "StepCount", value: 8000, unit: "steps/day" });
    const second = await memory.episodic.setGoal("gus", { metric: "StepCount", value: 10000, unit: "steps/day" });
    expect(await memory.episodic.forget("gus", preference.id)).toBe(true);
    await bus.drain();
    expect((await bus.read("gus")).map((stored) => stored.event)).toEqual([
      { type: "memory.stored", memoryId: preference.id, memoryType: "preference", description: "likes morning runs" },
      { type: "memory.stored", memoryId: first.id, memoryType: "goal", description: first.description },
      { type: "memory.stored", memoryId: second.id, memoryType: "goal", description: second.description },
      { type: "memory.replaced", memoryId: first.id, memoryType: "goal", replacedBy: second.id },
      { type: "memory.forgotten", memoryId: preference.id, memoryType: "preference" },
    ]);
  });

  it("the learning worker: worker.dead_lettered for the entry's user", async () => {
    const keys = new KeySchema(`${test.prefix}dead:`);
    const memory = new Memory({ client: test.client, keys, embeddings: new HashingEmbeddings(64), ttlSeconds: 3600, embeddingCacheTtlSeconds: 60 });
    const consumer = await connectRedis({ url: test.url, commandTimeoutMs: 0 });
    blocking.push(consumer);
    const poison = await test.client.xAdd(keys.learningQueue(), "*", { user: "hal", tools: "not json", success: "1", duration_ms: "5" });
    const worker = new LearningWorker(consumer, keys, new TurnLearner({ memory, client: test.client, keys }), {
      consumer: "w",
      blockMs: 20,
      claimIdleMs: 0,
      maxDeliveries: 2,
      events: bus,
    });
    for (let pass = 0; pass < 3; pass++) await worker.runOnce();
    await bus.drain();
    expect((await bus.read("hal")).map((stored) => stored.event)).toEqual([
      { type: "worker.dead_lettered", entryId: poison, deliveries: 2, error: expect.stringMatching(/unreadable learning entry/u) as string },
    ]);
  });

  it("a bus whose Redis is down fails nothing: memory is stored and the import finishes", async () => {
    const server = await spawnPrivateRedis();
    const downClient = await connectRedis({ url: server.url, commandTimeoutMs: 500, reconnect: { initialDelayMs: 20, maxDelayMs: 100 } });
    const down = new EventBus({ client: downClient, keys: new KeySchema("down:") });
    try {
      await server.stop();
      const memory = new Memory({ client: test.client, keys: test.keys, embeddings: new HashingEmbeddings(64), ttlSeconds: 3600, embeddingCacheTtlSeconds: 60, events: down });
      const stored = await memory.episodic.store("ivy", { type: "health_event", description: "sprained ankle" });
      expect((await memory.episodic.list("ivy")).map((record) => record.id)).toEqual([stored.id]);
      const path = join(dir, "ivy.xml");
      writeFileSync(path, twoWeeks());
      const summary = await importExport({ client: test.client, keys: test.keys, userId: "ivy", path, indexTtlSeconds: 3600, events: { sink: down, everyRecords: 1 } });
      expect(summary.workouts).toBe(4);
      await down.drain();
      expect(down.stats().failed).toBeGreaterThan(0);
    } finally {
      await down.close();
      await closeRedis(downClient);
      await server.cleanup();
    }
  });
});
