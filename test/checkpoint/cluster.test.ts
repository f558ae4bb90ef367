import { describe, expect, it } from "vitest";
import { emptyCheckpoint, uuid6 } from "@langchain/langgraph-checkpoint";
import { isCluster, keySlot, RedisCheckpointSaver, SessionIndex } from "../../src/index.js";
import { KeySchema } from "../../src/redis/keys.js";
import { useTestCluster } from "../support/cluster.js";
import { uniquePrefix } from "../support/redis.js";

describe("RedisCheckpointSaver on a 3-master Redis Cluster", () => {
  const setup = useTestCluster();

  /** Every key under the prefix, with the master that holds it. */
  async function keysByNode(prefix: string): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    if (!isCluster(setup.client)) return found;
    for (const master of setup.client.masters) {
      const node = await setup.client.nodeClient(master);
      for await (const batch of node.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
        for (const key of batch) found.set(key, `${master.host}:${master.port}`);
      }
    }
    return found;
  }

  it("keeps every key of one thread on one slot and one node, and deleteThread removes them all", async () => {
    const prefix = uniquePrefix("cluster");
    const keys = new KeySchema(prefix);
    const checkpointer = new RedisCheckpointSaver(setup.client, { keys, sessionIndex: new SessionIndex(setup.client, keys) });
    const threads = ["thread {one}: *", "thread-two", "Zoë"];
    for (const thread of threads) {
      for (const ns of ["", "child:1", "child:2|grand:3"]) {
        const checkpoint = { ...emptyCheckpoint(), id: uuid6(-3), channel_values: { v: thread }, channel_versions: { v: 1 } };
        const config = await checkpointer.put(
          { configurable: { thread_id: thread, checkpoint_ns: ns, userId: "alice" } },
          checkpoint,
          { source: "loop", step: 0, parents: {} },
          { v: 1 },
        );
        await checkpointer.putWrites(config, [["w", 1], ["x", 2]], "task", "path");
      }
    }
    const found = await keysByNode(prefix);
    const shared = new Set([keys.recentSessions(), keys.userSessions("alice")]);
    for (const thread of threads) {
      const tag = keys.checkpointNamespaces(thread).match(/\{[^}]*\}/u)?.[0] ?? "";
      const threadKeys = [...found.keys()].filter((key) => key.includes(tag) && !shared.has(key) && !key.startsWith(`${prefix}session:`));
      expect(threadKeys.length).toBe(1 + 3 * 4);
      const slots = new Set(threadKeys.map((key) => keySlot(key)));
      expect(slots.size).toBe(1);
      const nodes = new Set(threadKeys.map((key) => found.get(key)));
      expect(nodes.size).toBe(1);
      if (!isCluster(setup.client)) throw new Error("expected a cluster setup.client");
      const [master] = setup.client.masters;
      if (!master) throw new Error("cluster has no masters");
      const node = await setup.client.nodeClient(master);
      for (const key of threadKeys) expect(await node.clusterKeySlot(key)).toBe(keySlot(key));
    }
    const all = [];
    for await (const tuple of checkpointer.list({})) all.push(tuple);
    expect(all).toHaveLength(9);

    await checkpointer.deleteThread(threads[0]!);
    const tag = keys.checkpointNamespaces(threads[0]!).match(/\{[^}]*\}/u)?.[0] ?? "";
    const left = await keysByNode(prefix);
    expect([...left.keys()].filter((key) => key.includes(tag))).toEqual([]);
    expect(await checkpointer.getTuple({ configurable: { thread_id: threads[1]!, checkpoint_ns: "child:1" } })).toBeDefined();
    for (const key of left.keys()) await setup.client.unlink(key);
  });
});
