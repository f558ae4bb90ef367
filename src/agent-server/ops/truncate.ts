import { isCluster, type RedisClient } from "../../redis/client.js";

/**
 * Deletes every key matching `pattern` (SCAN on every master, UNLINK in batches). For test
 * servers only (POST /internal/truncate with WELLNESS_ALLOW_TRUNCATE=1): never on a hot path.
 */
export async function deleteMatching(client: RedisClient, pattern: string): Promise<number> {
  const nodes = isCluster(client)
    ? await Promise.all(client.masters.map((master) => (client).nodeClient(master)))
    : [client];
  let deleted = 0;
  for (const node of nodes) {
    for await (const batch of node.scanIterator({ MATCH: pattern, COUNT: 1_000 })) {
      for (const key of batch) deleted += await client.unlink([key]);
    }
  }
  return deleted;
}
