import { loadConfig } from "../config.js";
import { ImportError } from "../errors.js";
import { HealthStore } from "../health/store/health-store.js";
import { HealthIndexes } from "../health/store/indexes.js";
import { createLogger } from "../logger.js";
import { KeySchema } from "../redis/keys.js";
import { RedisLock } from "../redis/lock.js";
import { withRedis } from "./connection.js";

/** `wellness reindex [--user ID]`: rebuilds the TTL'd indexes from the permanent data, no export file needed. */
export async function reindexCommand(options: { user?: string; json?: boolean }): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const userId = options.user ?? config.defaultUserId;
  const keys = new KeySchema(config.redis.keyPrefix);
  const counts = await withRedis(config, log, async (client) => {
    const lock = await new RedisLock(client, keys).acquire("import", userId, 10 * 60_000);
    if (!lock) throw new ImportError("ERR_IMPORT_IN_PROGRESS", `An import or reindex for user ${userId} is running; wait for it to finish.`);
    try {
      const store = new HealthStore(client, keys);
      if (!(await store.manifest(userId))) {
        throw new ImportError("ERR_IMPORT_NOTHING_TO_REINDEX", `User ${userId} has no imported health data; run wellness import <export.zip> first.`);
      }
      return await new HealthIndexes(client, keys, store, config.memoryTtlSeconds).rebuild(userId);
    } finally {
      await lock.release();
    }
  });
  process.stdout.write(
    options.json
      ? `${JSON.stringify({ userId, ...counts })}\n`
      : `Rebuilt the indexes of ${userId}: ${counts.metrics} metric summaries, ${counts.workouts} workouts, ${counts.sleepNights} nights of sleep.\n`,
  );
}
