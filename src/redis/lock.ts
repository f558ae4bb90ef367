import { randomBytes } from "node:crypto";
import type { RedisClient } from "./client.js";
import type { KeySchema } from "./keys.js";
import { RedisScript } from "./script.js";

/** Deletes the lock only if it still holds our token, so a lock that expired and was taken by someone else is left alone. */
const RELEASE = new RedisScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/** Pushes the expiry out only while we still hold the lock. */
const EXTEND = new RedisScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`);

/** A held lock: release it when done; extend it while long work goes on. */
export interface HeldLock {
  readonly key: string;
  readonly token: string;
  release(): Promise<boolean>;
  extend(ttlMs: number): Promise<boolean>;
}

/**
 * A single-instance Redis lock (`lock:{resource}:{id}`, SET NX PX with a random token), released
 * only by its owner, so two imports or reindexes for one user never run at once.
 *
 * @example
 * ```ts
 * const lock = await new RedisLock(redis, keys).acquire("import", userId, 30 * 60_000);
 * if (!lock) throw new Error("an import is already running");
 * try { ... } finally { await lock.release(); }
 * ```
 */
export class RedisLock {
  constructor(
    private readonly client: RedisClient,
    private readonly keys: KeySchema,
  ) {}

  /** Takes the lock, or returns undefined when someone else holds it. */
  async acquire(resource: string, id: string, ttlMs: number): Promise<HeldLock | undefined> {
    const key = this.keys.lock(resource, id);
    const token = randomBytes(16).toString("hex");
    const taken = await this.client.set(key, token, { NX: true, PX: ttlMs });
    if (taken !== "OK") return undefined;
    return {
      key,
      token,
      release: async () => (await RELEASE.run<number>(this.client, [key], [token])) === 1,
      extend: async (ms: number) => (await EXTEND.run<number>(this.client, [key], [token, String(ms)])) === 1,
    };
  }
}

/**
 * Keeps a lock held on a short lease: extends it to `leaseMs` every third of the lease until the
 * returned function is called. A process that dies stops renewing, so its lock lapses within one
 * lease. The timer does not keep the process alive.
 *
 * @example
 * ```ts
 * const stopRenewing = renewWhileHeld(lock, 30_000);
 * try { ... } finally { stopRenewing(); await lock.release(); }
 * ```
 */
export function renewWhileHeld(lock: HeldLock, leaseMs: number): () => void {
  const timer = setInterval(() => {
    lock.extend(leaseMs).catch(() => undefined);
  }, Math.max(1, Math.floor(leaseMs / 3)));
  timer.unref();
  return () => clearInterval(timer);
}
