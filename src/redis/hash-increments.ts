import type { RedisClient } from "./client.js";
import { RedisScript } from "./script.js";

/** HINCRBY of each field by its amount. KEYS: the HASH. ARGV: field, amount, field, amount... */
const INCREMENT_FIELDS = new RedisScript(`
for i = 1, #ARGV, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end
return 1
`);

/**
 * Adds to several counters of one hash in one command: HINCRBY takes one field, so counting a
 * request and a hit (or a tool's calls, time and good turns) would otherwise be a command, a
 * reply and a promise each. Amounts are rounded to integers; zero and non-finite amounts are left
 * out (HINCRBY would refuse them part-way through).
 *
 * @example
 * ```ts
 * await incrementHash(redis, keys.cacheStats(), { requests: 1, hits: 1 });
 * ```
 */
export async function incrementHash(client: RedisClient, key: string, increments: Readonly<Record<string, number>>): Promise<void> {
  const fields = Object.entries(increments)
    .map(([field, by]) => [field, Number.isFinite(by) ? Math.round(by) : 0] as const)
    .filter(([, by]) => by !== 0);
  const [first] = fields;
  if (!first) return;
  if (fields.length === 1) {
    await client.hIncrBy(key, first[0], first[1]);
    return;
  }
  await INCREMENT_FIELDS.run(client, [key], fields.flatMap(([field, by]) => [field, String(by)]));
}
