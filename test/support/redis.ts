import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { closeRedis, connectRedis, isCluster, KeySchema, type RedisClient } from "../../src/index.js";

export interface TestConnection {
  /** URL of the server (the run's private one unless given). */
  url: string;
  client: RedisClient;
  keys: KeySchema;
  /** A prefix no other test uses: everything this test writes lives under it. */
  prefix: string;
  /** Deletes the keys under this test's prefix (and nothing else), then closes the client. */
  dispose(): Promise<void>;
}

/** A fresh random key prefix, so tests never see or delete each other's data. */
export function uniquePrefix(label = "t"): string {
  return `test:${label}:${randomBytes(6).toString("hex")}:`;
}

/** Deletes every key under a prefix on every master (test clean-up only; never on a hot path). */
export async function deletePrefix(client: RedisClient, prefix: string): Promise<void> {
  const nodes = isCluster(client) ? await Promise.all(client.masters.map((master) => client.nodeClient(master))) : [client];
  for (const node of nodes) {
    for await (const batch of node.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
      for (const key of batch) await client.unlink(key);
    }
  }
}

/** Connects to the run's private Redis (or a given URL / cluster) with its own key prefix. */
export async function connectTestRedis(
  options: { url?: string; clusterNodes?: readonly string[]; label?: string } = {},
): Promise<TestConnection> {
  const url = options.url ?? inject("redisUrl");
  const client = await connectRedis({ url, clusterNodes: options.clusterNodes ?? [] });
  const prefix = uniquePrefix(options.label);
  return {
    url,
    client,
    keys: new KeySchema(prefix),
    prefix,
    dispose: async () => {
      try {
        await deletePrefix(client, prefix);
      } finally {
        await closeRedis(client);
      }
    },
  };
}
