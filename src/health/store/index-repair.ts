import { silentLogger, type Logger } from "../../logger.js";
import type { RedisClient } from "../../redis/client.js";
import type { KeySchema } from "../../redis/keys.js";
import { RedisLock, renewWhileHeld } from "../../redis/lock.js";
import { HealthStore } from "./health-store.js";
import { HealthIndexes } from "./indexes.js";

/**
 * The lease of the import lock that an import, a reindex or a repair holds, renewed every third of
 * it while the work runs: a killed process blocks the user's next import for at most this long.
 */
export const INDEX_LOCK_LEASE_MS = 30_000;

export interface RepairPendingIndexesOptions {
  client: RedisClient;
  keys: KeySchema;
  userId: string;
  /** TTL of the rebuilt indexes (the memory TTL). */
  indexTtlSeconds: number;
  /** Lease of the import lock while repairing (default 30 s). */
  leaseMs?: number;
}

/**
 * What a repair did: rebuilt the indexes, found nothing pending, or left them to whoever holds the
 * import lock (an import or reindex that is running removes the mark itself; one that died lets
 * its lease lapse, and the next read repairs).
 */
export type RepairOutcome = "repaired" | "not-pending" | "busy";

/**
 * Repairs the indexes of a user whose import was killed after its swap: if the indexes-pending
 * mark is set, rebuilds the TTL'd indexes from the permanent data under the import lock (so an
 * import or reindex never runs beside it) and removes the mark. Safe to call any time, from any
 * number of processes.
 *
 * @example
 * ```ts
 * if ((await repairPendingIndexes({ client, keys, userId, indexTtlSeconds })) === "repaired") log.info("indexes repaired");
 * ```
 */
export async function repairPendingIndexes(options: RepairPendingIndexesOptions): Promise<RepairOutcome> {
  const { client, keys, userId } = options;
  const leaseMs = options.leaseMs ?? INDEX_LOCK_LEASE_MS;
  const lock = await new RedisLock(client, keys).acquire("import", userId, leaseMs);
  if (!lock) return "busy";
  const stopRenewing = renewWhileHeld(lock, leaseMs);
  try {
    const store = new HealthStore(client, keys);
    if (!(await store.indexesPending(userId))) return "not-pending";
    await new HealthIndexes(client, keys, store, options.indexTtlSeconds).rebuild(userId);
    return "repaired";
  } finally {
    stopRenewing();
    await lock.release().catch(() => false);
  }
}

export interface PendingIndexRepairOptions {
  client: RedisClient;
  keys: KeySchema;
  indexTtlSeconds: number;
  log?: Logger;
}

/**
 * Repairs pending indexes in the background of a serving process, off the reader's path: a read
 * that sees the mark calls {@link schedule} and answers from the permanent data as it already
 * does; one repair per user runs at a time. `drain()` waits for running repairs (call it before
 * closing the Redis client).
 *
 * @example
 * ```ts
 * const repairs = new PendingIndexRepair({ client, keys, indexTtlSeconds, log });
 * const store = new HealthStore(client, keys, { onIndexesPending: (userId) => repairs.schedule(userId) });
 * ```
 */
export class PendingIndexRepair {
  private readonly running = new Map<string, Promise<RepairOutcome | undefined>>();
  private readonly log: Logger;

  constructor(private readonly options: PendingIndexRepairOptions) {
    this.log = options.log ?? silentLogger;
  }

  /** Starts a repair for the user unless one is already running in this process. */
  schedule(userId: string): void {
    if (this.running.has(userId)) return;
    const repair = repairPendingIndexes({ ...this.options, userId })
      .then((outcome) => {
        if (outcome === "repaired") this.log.info(`Rebuilt the health indexes of ${userId}, left pending by an interrupted import.`);
        return outcome;
      })
      .catch((error: unknown) => {
        this.log.warn(`Repairing the health indexes of ${userId} failed (${(error as Error).message}); the next read tries again.`);
        return undefined;
      })
      .finally(() => this.running.delete(userId));
    this.running.set(userId, repair);
  }

  /** Waits for every repair started so far. */
  async drain(): Promise<void> {
    await Promise.all([...this.running.values()]);
  }
}
