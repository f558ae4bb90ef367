import type { RedisClient } from "../../redis/client.js";
import type { KeySchema } from "../../redis/keys.js";

export interface AuthFailureLimiterOptions {
  /** Failures from one address within a window after which it is refused. */
  limit: number;
  /** Length of the fixed window, in seconds, starting at the window's first failure. */
  windowSeconds: number;
}

/** Whether an address may try to authenticate now, and if not, for how long it must wait. */
export type AuthFailureVerdict = { limited: false; failures: number } | { limited: true; failures: number; retryAfterSeconds: number };

/**
 * Counts failed authentications per client address in Redis, so the count holds across every
 * server process, and says when an address has failed too often. A fixed window per address
 * (`ratelimit:auth:{address}`): the first failure creates the counter with the window's expiry and
 * later ones increment it in the same MULTI (SET NX EX, then INCR, which keeps the expiry; this
 * works on Redis 6.2, which has no EXPIRE NX). Checking is one round trip (GET and PTTL).
 *
 * @example
 * ```ts
 * const limiter = new AuthFailureLimiter(redis, keys, { limit: 10, windowSeconds: 300 });
 * const verdict = await limiter.check(address);
 * if (verdict.limited) return tooManyRequests(verdict.retryAfterSeconds);
 * if (!tokenIsValid) await limiter.recordFailure(address);
 * ```
 */
export class AuthFailureLimiter {
  constructor(
    private readonly client: RedisClient,
    private readonly keys: KeySchema,
    private readonly options: AuthFailureLimiterOptions,
  ) {}

  /** The window, in seconds (for messages). */
  get windowSeconds(): number {
    return this.options.windowSeconds;
  }

  /** Whether `address` has used up its failures in the current window. */
  async check(address: string): Promise<AuthFailureVerdict> {
    const key = this.keys.authFailures(address);
    const [count, ttl] = (await this.client.multi().get(key).pTTL(key).execAsPipeline()) as unknown as [string | null, number];
    const failures = Number(count ?? 0);
    if (failures < this.options.limit) return { limited: false, failures };
    return { limited: true, failures, retryAfterSeconds: Math.max(1, Math.ceil((ttl > 0 ? ttl : this.options.windowSeconds * 1000) / 1000)) };
  }

  /** Counts one failed authentication from `address`; returns the failures in its window so far. */
  async recordFailure(address: string): Promise<number> {
    const key = this.keys.authFailures(address);
    const replies = (await this.client.multi().set(key, "0", { NX: true, EX: this.options.windowSeconds }).incr(key).exec()) as unknown as [unknown, number];
    return Number(replies[1]);
  }
}
