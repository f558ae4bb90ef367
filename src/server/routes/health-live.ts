import { listInstances, type InstanceInfo } from "../../instances/registry.js";
import { learningStreamStats, type LearningStreamStats } from "../../learning/stats.js";
import { ModelRegistry, type ModelStats } from "../../models/registry.js";
import type { RedisClient } from "../../redis/client.js";
import type { KeySchema } from "../../redis/keys.js";

export interface LiveStatusDependencies {
  client: RedisClient;
  keys: KeySchema;
}

/** The live system: which processes run, how far the learning worker is behind, which models answer and how. */
export type LiveStatus =
  | { ok: true; instances: InstanceInfo[]; workers: InstanceInfo[]; learning: LearningStreamStats; models: ModelStats[] }
  | { ok: false; error: string };

/**
 * The block `/health` and `wellness status` show beside Redis's own health: live `serve`
 * instances and `worker`s (from the instance registry), the learning stream's length, lag,
 * pending and dead-letter counts, and every model in use with its statistics. Never throws: when
 * Redis does not answer it says so, as the Redis health check does.
 *
 * @example
 * ```ts
 * const live = await liveStatus({ client: redis, keys });
 * if (live.ok) console.log(live.instances.length, live.learning.lag);
 * ```
 */
export async function liveStatus({ client, keys }: LiveStatusDependencies): Promise<LiveStatus> {
  try {
    const [instances, learning, models] = await Promise.all([listInstances(client, keys), learningStreamStats(client, keys), new ModelRegistry({ client, keys }).list()]);
    return {
      ok: true,
      instances: instances.filter((instance) => instance.role === "serve"),
      workers: instances.filter((instance) => instance.role === "worker"),
      learning,
      models,
    };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}
