import type { RedisClient } from "../../src/index.js";

/** Every key under a prefix with its type and value (not its TTL), sorted: for byte-for-byte comparisons. */
export async function snapshot(client: RedisClient, prefix: string): Promise<Record<string, unknown>> {
  const keys: string[] = [];
  if ("scanIterator" in client) {
    for await (const batch of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) keys.push(...batch);
  }
  const result: Record<string, unknown> = {};
  for (const key of keys.sort()) {
    const type = await client.type(key);
    if (type === "string") result[key] = await client.get(key);
    else if (type === "hash") result[key] = Object.entries(await client.hGetAll(key)).sort();
    else if (type === "zset") result[key] = await client.zRangeWithScores(key, 0, -1);
    else if (type === "set") result[key] = (await client.sMembers(key)).sort();
    else if (type === "list") result[key] = await client.lRange(key, 0, -1);
    else result[key] = type;
  }
  return result;
}
