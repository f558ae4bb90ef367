import type { CheckpointSaverTestInitializer } from "@langchain/langgraph-checkpoint-validation";
import { closeRedis, connectRedis, KeySchema, RedisCheckpointSaver, type RedisClient } from "../../src/index.js";
import { deletePrefix, uniquePrefix } from "./redis.js";

/**
 * An initializer for the official conformance suite: one connection per suite, and every
 * checkpointer it creates writes under a fresh key prefix, so each starts empty and its
 * clean-up deletes only its own keys.
 */
export function redisSaverInitializer(
  name: string,
  target: () => { url: string; clusterNodes?: readonly string[] },
  before?: () => Promise<void>,
  after?: () => Promise<void>,
): CheckpointSaverTestInitializer<RedisCheckpointSaver> {
  let client: RedisClient | undefined;
  const prefixes = new WeakMap<RedisCheckpointSaver, string>();
  return {
    checkpointerName: name,
    beforeAllTimeout: 60_000,
    async beforeAll() {
      await before?.();
      const { url, clusterNodes = [] } = target();
      client = await connectRedis({ url, clusterNodes });
    },
    async afterAll() {
      if (client) await closeRedis(client);
      await after?.();
    },
    createCheckpointer() {
      if (!client) throw new Error("beforeAll did not connect");
      const prefix = uniquePrefix("cp");
      const saver = new RedisCheckpointSaver(client, { keys: new KeySchema(prefix) });
      prefixes.set(saver, prefix);
      return saver;
    },
    async destroyCheckpointer(saver) {
      const prefix = prefixes.get(saver);
      if (client && prefix) await deletePrefix(client, prefix);
    },
  };
}
