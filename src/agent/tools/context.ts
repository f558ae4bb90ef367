import type { RunnableConfig } from "@langchain/core/runnables";
import { WellnessError } from "../../errors.js";
import type { HealthStore } from "../../health/store/health-store.js";
import type { Memory } from "../../memory/index.js";
import type { RedisClient } from "../../redis/client.js";
import { validateId } from "../../redis/ids.js";
import type { KeySchema } from "../../redis/keys.js";
import type { ToolOutputCache } from "../../cache/tool-cache.js";
import { runUser, type CurrentUser } from "../caller.js";
import { resolvePeriod, type DateRange } from "../time-range.js";

/** What the tools read from: the user's permanent health data, its indexes, and memory. */
export interface ToolDependencies {
  client: RedisClient;
  keys: KeySchema;
  store: HealthStore;
  memory: Memory;
  /** USER_TIMEZONE: where "today" and "last week" are. */
  timeZone: string;
  /** The clock, injectable for tests. */
  now?: () => Date;
  /** Caches deterministic answers per user, input and data version; none means always compute. */
  toolCache?: ToolOutputCache;
  /** Set by hosts that authenticate callers: then configurable.userId is ignored (see runUser). */
  currentUser?: CurrentUser;
}

/** A tool was called without a user (the graph passes configurable.userId). */
export class ToolContextError extends WellnessError {
  constructor(message: string) {
    super("ERR_TOOL_CONTEXT", message);
  }
}

/** The user a tool call is for (see runUser), never anything the model wrote. */
export function userOf(config: RunnableConfig | undefined, currentUser?: CurrentUser): string {
  const userId = runUser(config?.configurable, currentUser);
  if (userId === undefined) throw new ToolContextError("The tool call has no configurable.userId; invoke the graph with { configurable: { userId } }.");
  return validateId("user id", userId);
}

export function period(deps: ToolDependencies, phrase: string): DateRange {
  return resolvePeriod(phrase, { timeZone: deps.timeZone, ...(deps.now ? { now: deps.now() } : {}) });
}

/** Compact JSON for the model. */
export function result(value: unknown): string {
  return JSON.stringify(value);
}

/**
 * Bad input (an unknown metric, an unreadable period) goes back to the model as a message it can
 * act on, not as an exception; anything else is a real failure and is thrown.
 */
export function guarded<T>(run: () => Promise<T>): Promise<T | string> {
  return run().catch((error: unknown) => {
    if (error instanceof WellnessError && ["ERR_PERIOD", "ERR_INVALID_ID", "ERR_UNKNOWN_METRIC", "ERR_CACHE_PATTERN"].includes(error.code)) {
      return result({ error: error.message });
    }
    throw error;
  });
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/**
 * A deterministic tool's answer, from the tool-output cache when it has one for this user, input
 * and data version. The resolved date ranges are part of the cached input ("last week" moves), and
 * an answer whose period includes today gets the short TTL.
 */
export function cachedResult(
  deps: ToolDependencies,
  tool: string,
  userId: string,
  input: unknown,
  ranges: readonly DateRange[],
  compute: () => Promise<string>,
): Promise<string> {
  if (!deps.toolCache) return compute();
  const today = period(deps, "today").to;
  const includesToday = ranges.some((range) => range.to >= today);
  return deps.toolCache.run(tool, userId, { input, ranges: ranges.map((range) => [range.from, range.to]) }, includesToday, compute);
}
