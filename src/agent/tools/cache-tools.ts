import type { CurrentUser } from "../caller.js";
import { tool } from "@langchain/core/tools";
import { z } from "zod";
import type { CacheAside } from "../../cache/cache.js";
import type { ToolOutputCache } from "../../cache/tool-cache.js";
import { guarded, result, userOf } from "./context.js";

export interface CacheToolDependencies {
  cache: CacheAside;
  toolCache: ToolOutputCache;
  currentUser?: CurrentUser;
}

/** get_cache_stats: how well the caches work (shared counters of every instance). */
export function getCacheStatsTool(deps: CacheToolDependencies) {
  return tool(async () => result({ cache: await deps.cache.stats(), tools: await deps.toolCache.stats() }), {
    name: "get_cache_stats",
    description: "Statistics of the answer caches: requests, hits, misses and hit rate overall and per tool, entries and memory used. Only when the user asks about caching or performance.",
    schema: z.object({}),
  });
}

/** clear_user_cache: drops every cached answer of the calling user. */
export function clearUserCacheTool(deps: CacheToolDependencies) {
  return tool(async (_input, config) => result({ deleted: await deps.cache.clearUserCache(userOf(config, deps.currentUser)) }), {
    name: "clear_user_cache",
    description: "Forgets every cached answer for this user, so the next questions are computed afresh. Only when the user asks for it.",
    schema: z.object({}),
  });
}

/** invalidate_cache: drops the calling user's cached answers that match a pattern. */
export function invalidateCacheTool(deps: CacheToolDependencies) {
  return tool(
    (input, config) => guarded(async () => result({ deleted: await deps.cache.invalidatePattern(input.pattern, { userId: userOf(config, deps.currentUser) }) })),
    {
      name: "invalidate_cache",
      description: "Forgets this user's cached answers whose names match a glob pattern, e.g. 'tool:*' for all tool answers or 'profile'. Only when the user asks for it.",
      schema: z.object({ pattern: z.string().min(1).max(200).describe("Glob pattern inside the user's cache, e.g. 'tool:*'; braces are not allowed") }),
    },
  );
}

export function createCacheTools(deps: CacheToolDependencies) {
  return {
    get_cache_stats: getCacheStatsTool(deps),
    clear_user_cache: clearUserCacheTool(deps),
    invalidate_cache: invalidateCacheTool(deps),
  };
}
