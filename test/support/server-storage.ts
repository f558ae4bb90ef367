import { RedisOps, type OpsContext } from "../../src/agent-server/ops/index.js";
import { RedisCheckpointSaver } from "../../src/index.js";
import type { TestConnection } from "./redis.js";

/**
 * One server process's storage on a test's Redis: its own RedisOps (queue workers, run streams,
 * in-memory state), so that two of them on one connection behave as two `wellness serve`
 * processes sharing a Redis.
 */
export function serverStorageOn(test: TestConnection, options: Pick<OpsContext, "foreignRunGraceMs"> = {}): RedisOps {
  return new RedisOps({ client: test.client, keys: test.keys, checkpointer: new RedisCheckpointSaver(test.client, { keys: test.keys }), threadTtlSeconds: 0, ...options });
}
