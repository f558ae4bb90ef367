import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emptyCheckpoint, uuid6, type Checkpoint } from "@langchain/langgraph-checkpoint";
import { checkpointerFromConfig, loadConfig, RedisCheckpointSaver, SessionIndex, type RedisClient } from "../../src/index.js";
import { connectTestRedis, uniquePrefix, type TestConnection } from "../support/redis.js";
import { KeySchema } from "../../src/redis/keys.js";

const meta = { source: "loop" as const, step: 0, parents: {} };

function checkpointWith(values: Record<string, unknown>, version = 1): Checkpoint {
  return {
    ...emptyCheckpoint(),
    id: uuid6(-3),
    channel_values: values,
    channel_versions: Object.fromEntries(Object.keys(values).map((channel) => [channel, version])),
  };
}

/** Every key under a prefix (test inspection only). */
async function keysUnder(client: RedisClient, prefix: string): Promise<string[]> {
  const found: string[] = [];
  if ("scanIterator" in client) {
    for await (const batch of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) found.push(...batch);
  }
  return found.sort();
}

describe("RedisCheckpointSaver beyond the conformance suite", () => {
  let test: TestConnection;
  let reader: RedisClient;

  beforeAll(async () => {
    test = await connectTestRedis({ label: "saver" });
    reader = (await connectTestRedis()).client;
  });

  afterAll(async () => {
    await reader.close();
    await test.dispose();
  });

  function saver(options: ConstructorParameters<typeof RedisCheckpointSaver>[1] = {}) {
    const prefix = `${test.prefix}${uniquePrefix("s")}`;
    return { prefix, keys: new KeySchema(prefix), saver: new RedisCheckpointSaver(test.client, { keys: new KeySchema(prefix), ...options }) };
  }

  it("put is atomic: a reader never sees a checkpoint without every blob it references", async () => {
    const { keys } = saver();
    const writer = new RedisCheckpointSaver(test.client, { keys });
    const observer = new RedisCheckpointSaver(reader, { keys });
    const threadId = "atomic-thread";
    const channels = ["a", "b", "c", "d", "e"];
    let config = { configurable: { thread_id: threadId, checkpoint_ns: "" } } as Parameters<RedisCheckpointSaver["put"]>[0];
    let done = false;
    let observed = 0;
    const watch = (async () => {
      while (!done) {
        const tuple = await observer.getTuple({ configurable: { thread_id: threadId } });
        if (!tuple) continue;
        observed++;
        const step = tuple.metadata?.step ?? -1;
        for (const channel of channels) {
          expect(tuple.checkpoint.channel_values[channel]).toBe(`${channel}:${step}:${"x".repeat(20_000)}`);
        }
      }
    })();
    for (let step = 0; step < 60; step++) {
      const values = Object.fromEntries(channels.map((channel) => [channel, `${channel}:${step}:${"x".repeat(20_000)}`]));
      const checkpoint = checkpointWith(values, step + 1);
      config = await writer.put(config, checkpoint, { ...meta, step }, checkpoint.channel_versions);
    }
    done = true;
    await watch;
    expect(observed).toBeGreaterThan(0);
  });

  it("concurrent putWrites of parallel tasks lose nothing and come back in (task path, task id, idx) order", async () => {
    const { saver: checkpointer } = saver();
    const config = await checkpointer.put({ configurable: { thread_id: "parallel", checkpoint_ns: "" } }, checkpointWith({}), meta, {});
    const tasks = Array.from({ length: 20 }, (_, i) => `task-${String(i).padStart(2, "0")}`);
    await Promise.all(
      [...tasks].reverse().map((taskId, i) =>
        checkpointer.putWrites(
          config,
          Array.from({ length: 5 }, (_, idx) => [`channel-${idx}`, `${taskId}/${idx}`] as [string, unknown]),
          taskId,
          `~__pregel_pull, node-${String(19 - i).padStart(2, "0")}`,
        ),
      ),
    );
    const tuple = await checkpointer.getTuple(config);
    expect(tuple?.pendingWrites).toHaveLength(100);
    expect(tuple?.pendingWrites?.map(([, , value]) => value)).toEqual(tasks.flatMap((taskId) => [0, 1, 2, 3, 4].map((idx) => `${taskId}/${idx}`)));
  });

  it("a repeated regular write keeps the first value; a special write (error) is replaced", async () => {
    const { saver: checkpointer } = saver();
    const config = await checkpointer.put({ configurable: { thread_id: "idempotent" } }, checkpointWith({}), meta, {});
    await checkpointer.putWrites(config, [["out", "first"]], "t1");
    await checkpointer.putWrites(config, [["out", "second"]], "t1");
    await checkpointer.putWrites(config, [["__error__", "boom 1"]], "t1");
    await checkpointer.putWrites(config, [["__error__", "boom 2"]], "t1");
    const tuple = await checkpointer.getTuple(config);
    expect(tuple?.pendingWrites).toEqual([
      ["t1", "__error__", "boom 2"],
      ["t1", "out", "first"],
    ]);
  });

  it("round-trips binary values and odd thread ids and namespaces without collisions", async () => {
    const { saver: checkpointer } = saver();
    const threads = ["a:b", "a%3Ab", "{x}", "*", "with space", "Zoë 🙂", "t1", "t10", "[?]\\"];
    const namespaces = ["", "child:1", "child%3A1", "{ns}|grand:2"];
    const bytes = new Uint8Array([0, 255, 10, 13, 0, 1]);
    for (const thread of threads) {
      for (const ns of namespaces) {
        const checkpoint = checkpointWith({ who: `${thread}/${ns}`, bytes });
        const config = await checkpointer.put({ configurable: { thread_id: thread, checkpoint_ns: ns } }, checkpoint, meta, checkpoint.channel_versions);
        await checkpointer.putWrites(config, [["w", `${thread}/${ns}`], ["raw", bytes]], "task");
      }
    }
    for (const thread of threads) {
      for (const ns of namespaces) {
        const tuple = await checkpointer.getTuple({ configurable: { thread_id: thread, checkpoint_ns: ns } });
        expect(tuple?.checkpoint.channel_values.who).toBe(`${thread}/${ns}`);
        expect(tuple?.checkpoint.channel_values.bytes).toEqual(bytes);
        expect(tuple?.pendingWrites).toEqual([
          ["task", "w", `${thread}/${ns}`],
          ["task", "raw", bytes],
        ]);
        expect(tuple?.pendingWrites?.[1]?.[2]).toBeInstanceOf(Uint8Array);
        expect(Buffer.isBuffer(tuple?.pendingWrites?.[1]?.[2])).toBe(false);
        expect(tuple?.config.configurable).toMatchObject({ thread_id: thread, checkpoint_ns: ns });
      }
      const listed = [];
      for await (const tuple of checkpointer.list({ configurable: { thread_id: thread } })) listed.push(tuple);
      expect(listed.map((tuple) => tuple.checkpoint.channel_values.who).sort()).toEqual(namespaces.map((ns) => `${thread}/${ns}`).sort());
    }
    const all = [];
    for await (const tuple of checkpointer.list({})) all.push(tuple);
    expect(all).toHaveLength(threads.length * namespaces.length);
  });

  it("deleteThread removes every key of the thread and nothing of its neighbours", async () => {
    const { saver: checkpointer, prefix } = saver();
    for (const thread of ["t1", "t10", "t1:", "a:b", "a%3Ab"]) {
      for (const ns of ["", "sub"]) {
        const checkpoint = checkpointWith({ v: thread });
        const config = await checkpointer.put({ configurable: { thread_id: thread, checkpoint_ns: ns } }, checkpoint, meta, checkpoint.channel_versions);
        await checkpointer.putWrites(config, [["w", 1]], "task");
      }
    }
    const before = await keysUnder(test.client, prefix);
    await checkpointer.deleteThread("t1");
    await checkpointer.deleteThread("a:b");
    const after = await keysUnder(test.client, prefix);
    const removed = before.filter((key) => !after.includes(key));
    expect(removed.length).toBeGreaterThan(0);
    expect(removed.every((key) => key.includes("{t1}") || key.includes("{a%3Ab}"))).toBe(true);
    expect(after.some((key) => key.includes("{t1}") || key.includes("{a%3Ab}"))).toBe(false);
    for (const survivor of ["t10", "t1:", "a%3Ab"]) {
      expect(await checkpointer.getTuple({ configurable: { thread_id: survivor, checkpoint_ns: "sub" } })).toBeDefined();
    }
    expect(await checkpointer.getTuple({ configurable: { thread_id: "t1" } })).toBeUndefined();
    const listed = [];
    for await (const tuple of checkpointer.list({})) listed.push(tuple.config.configurable?.thread_id as string);
    expect(new Set(listed)).toEqual(new Set(["t10", "t1:", "a%3Ab"]));
  });

  it("applies the TTL to every key a checkpoint writes, and refreshes it on read when asked", async () => {
    const { saver: checkpointer, prefix } = saver({ ttlSeconds: 1000, refreshOnRead: true });
    const checkpoint = checkpointWith({ v: 1 });
    const config = await checkpointer.put({ configurable: { thread_id: "ttl" } }, checkpoint, meta, checkpoint.channel_versions);
    await checkpointer.putWrites(config, [["w", 1]], "task");
    const threadKeys = await keysUnder(test.client, prefix);
    expect(threadKeys).toHaveLength(5);
    for (const key of threadKeys) {
      const ttl = await test.client.ttl(key);
      expect(ttl).toBeGreaterThan(990);
      expect(ttl).toBeLessThanOrEqual(1000);
      await test.client.expire(key, 50);
    }
    await checkpointer.getTuple(config);
    for (const key of threadKeys) expect(await test.client.ttl(key)).toBeGreaterThan(990);

    const { saver: noRefresh, prefix: otherPrefix } = saver({ ttlSeconds: 1000 });
    const other = await noRefresh.put({ configurable: { thread_id: "ttl" } }, checkpoint, meta, checkpoint.channel_versions);
    const otherKeys = (await keysUnder(test.client, otherPrefix)).filter((key) => key.includes("{ttl}"));
    for (const key of otherKeys) await test.client.expire(key, 50);
    await noRefresh.getTuple(other);
    for (const key of otherKeys) expect(await test.client.ttl(key)).toBeLessThanOrEqual(50);
  });

  it("keeps the newest N checkpoints with their writes, and only the blobs they reference", async () => {
    const { saver: checkpointer, keys } = saver({ maxCheckpointsPerThread: 2 });
    let config = { configurable: { thread_id: "retained", checkpoint_ns: "" } } as Parameters<RedisCheckpointSaver["put"]>[0];
    const ids: string[] = [];
    for (let step = 1; step <= 5; step++) {
      const checkpoint: Checkpoint = {
        ...emptyCheckpoint(),
        id: uuid6(-3),
        channel_values: { constant: "same", changing: step },
        channel_versions: { constant: 1, changing: step },
      };
      config = await checkpointer.put(config, checkpoint, { ...meta, step }, step === 1 ? { constant: 1, changing: 1 } : { changing: step });
      await checkpointer.putWrites(config, [["w", step]], "task");
      ids.push(checkpoint.id);
    }
    const listed = [];
    for await (const tuple of checkpointer.list({ configurable: { thread_id: "retained" } })) listed.push(tuple);
    expect(listed.map((tuple) => tuple.checkpoint.id)).toEqual([ids[4], ids[3]]);
    expect(listed.map((tuple) => tuple.checkpoint.channel_values)).toEqual([
      { constant: "same", changing: 5 },
      { constant: "same", changing: 4 },
    ]);
    expect(listed.map((tuple) => tuple.pendingWrites)).toEqual([[["task", "w", 5]], [["task", "w", 4]]]);
    expect(await checkpointer.getTuple({ configurable: { thread_id: "retained", checkpoint_id: ids[0] } })).toBeUndefined();
    const base = keys.checkpointNamespaceBase("retained", "");
    expect((await test.client.hKeys(`${base}blobs`)).sort()).toEqual(['["changing","4"]', '["changing","5"]', '["constant","1"]']);
    expect(await test.client.zCard(`${base}writes`)).toBe(2);
    expect((await test.client.hKeys(`${base}data`)).filter((field) => field.startsWith("w:"))).toHaveLength(2);
  });

  it("rejects bad configs with typed errors", async () => {
    const { saver: checkpointer } = saver();
    await expect(checkpointer.put({}, checkpointWith({}), meta, {})).rejects.toMatchObject({ code: "ERR_CHECKPOINT_CONFIG" });
    await expect(checkpointer.put({ configurable: { thread_id: 42 } }, checkpointWith({}), meta, {})).rejects.toThrow(/non-empty string/);
    await expect(checkpointer.putWrites({ configurable: { thread_id: "x" } }, [], "t")).rejects.toThrow(/checkpoint_id/);
    await expect(checkpointer.deleteThread("")).rejects.toMatchObject({ code: "ERR_CHECKPOINT_CONFIG" });
    expect(() => new RedisCheckpointSaver(test.client, { ttlSeconds: -1 })).toThrow(RangeError);
    expect(() => new RedisCheckpointSaver(test.client, { maxCheckpointsPerThread: 1.5 })).toThrow(RangeError);
  });
});

describe("SessionIndex", () => {
  let test: TestConnection;

  beforeAll(async () => {
    test = await connectTestRedis({ label: "sessions" });
  });

  afterAll(async () => {
    await test.dispose();
  });

  it("lists a user's sessions newest first, trimmed to the bound, with the TTL applied", async () => {
    const sessions = new SessionIndex(test.client, test.keys, { maxSessions: 3, ttlSeconds: 600 });
    for (let i = 1; i <= 5; i++) await sessions.touch("alice", `s${i}`, 1_000 * i);
    await sessions.touch("bob", "b1", 10_000);
    expect(await sessions.forUser("alice")).toEqual([
      { sessionId: "s5", lastActivity: new Date(5_000) },
      { sessionId: "s4", lastActivity: new Date(4_000) },
      { sessionId: "s3", lastActivity: new Date(3_000) },
    ]);
    expect((await sessions.recent(2)).map((entry) => entry.sessionId)).toEqual(["b1", "s5"]);
    expect(await test.client.ttl(test.keys.userSessions("alice"))).toBeGreaterThan(590);
    await expect(sessions.forUser("bad*user")).rejects.toMatchObject({ code: "ERR_INVALID_ID" });
  });

  it("owes nothing to a client's configurable: put records no owner, deleteThread removes the session", async () => {
    const sessions = new SessionIndex(test.client, test.keys);
    const checkpointer = new RedisCheckpointSaver(test.client, { keys: test.keys, sessionIndex: sessions });
    await checkpointer.put({ configurable: { thread_id: "chat-0", userId: "mallory" } }, checkpointWith({}), meta, {});
    expect(await sessions.ownerOf("chat-0")).toBeUndefined();
    await sessions.touch("carol", "chat-1", 1_000);
    await sessions.touch("carol", "chat-2", 2_000);
    await checkpointer.put({ configurable: { thread_id: "chat-2" } }, checkpointWith({}), meta, {});
    expect((await sessions.forUser("carol")).map((entry) => entry.sessionId)).toEqual(["chat-2", "chat-1"]);
    await checkpointer.deleteThread("chat-2");
    expect((await sessions.forUser("carol")).map((entry) => entry.sessionId)).toEqual(["chat-1"]);
    expect((await sessions.recent(10)).map((entry) => entry.sessionId)).not.toContain("chat-2");
  });
});

describe("checkpointerFromConfig", () => {
  let test: TestConnection;

  beforeAll(async () => {
    test = await connectTestRedis({ label: "fromconfig" });
  });

  afterAll(async () => {
    await test.dispose();
  });

  it("wires the configured prefix, memory TTL, retention and session index", async () => {
    const config = loadConfig({
      REDIS_KEY_PREFIX: test.prefix,
      MEMORY_TTL_SECONDS: "7200",
      CHECKPOINT_MAX_PER_THREAD: "1",
      SESSION_INDEX_MAX: "5",
    });
    const { checkpointer, sessions } = checkpointerFromConfig(test.client, config);
    const first = checkpointWith({ v: 1 });
    const config1 = await checkpointer.put({ configurable: { thread_id: "wired", userId: "erin" } }, first, meta, first.channel_versions);
    const second = checkpointWith({ v: 2 }, 2);
    await checkpointer.put({ configurable: { ...config1.configurable, userId: "erin" } }, second, meta, second.channel_versions);
    const listed = [];
    for await (const tuple of checkpointer.list({ configurable: { thread_id: "wired" } })) listed.push(tuple.checkpoint.id);
    expect(listed).toEqual([second.id]);
    const ttl = await test.client.ttl(test.keys.checkpointNamespaces("wired"));
    expect(ttl).toBeGreaterThan(7100);
    expect(ttl).toBeLessThanOrEqual(7200);
    await sessions.touch("erin", "wired");
    expect(await test.client.ttl(test.keys.userSessions("erin"))).toBeGreaterThan(7100);
    await checkpointer.deleteThread("wired");
    expect(await sessions.forUser("erin")).toEqual([]);
  });
});
