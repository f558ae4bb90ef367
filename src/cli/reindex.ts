import { loadConfig } from "../config.js";
import { ImportError } from "../errors.js";
import { HealthStore } from "../health/store/health-store.js";
import { HealthIndexes } from "../health/store/indexes.js";
import { createLogger } from "../logger.js";
import { INDEX_LOCK_LEASE_MS } from "../health/store/index-repair.js";
import { RedisLock, renewWhileHeld } from "../redis/lock.js";
import { withRuntime } from "./connection.js";

/**
 * `wellness reindex [--user ID]`: rebuilds the TTL'd indexes from the permanent data, no export
 * file needed, under the import lock (a short lease renewed while it runs), so it never runs
 * beside an import or an automatic repair of the same user.
 */
export async function reindexCommand(options: { user?: string; json?: boolean }): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const userId = options.user ?? config.defaultUserId;
  const counts = await withRuntime(config, log, async ({ redis: client, keys }) => {
    const lock = await new RedisLock(client, keys).acquire("import", userId, INDEX_LOCK_LEASE_MS);
    if (!lock) throw new ImportError("ERR_IMPORT_IN_PROGRESS", `An import or reindex for user ${userId} is running; wait for it to finish.`);
    const stopRenewing = renewWhileHeld(lock, INDEX_LOCK_LEASE_MS);
    try {
      const store = new HealthStore(client, keys);
      if (!(await store.manifest(userId))) {
        throw new ImportError("ERR_IMPORT_NOTHING_TO_REINDEX", `User ${userId} has no imported health data; run wellness import <export.zip> first.`);
      }
      return await new HealthIndexes(client, keys, store, config.memoryTtlSeconds).rebuild(userId);
    } finally {
      stopRenewing();
      await lock.release();
    }
  });
  process.stdout.write(
    options.json
      ? `${JSON.stringify({ userId, ...counts })}\n`
      : `Rebuilt the indexes of ${userId}: ${counts.metrics} metric summaries, ${counts.workouts} workouts, ${counts.sleepNights} nights of sleep.\n`,
  );
}
