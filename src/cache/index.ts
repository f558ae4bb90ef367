export { CacheAside, CachePatternError, type CacheStats, type SetOptions } from "./cache.js";
export { ToolOutputCache, type ToolCachePolicy } from "./tool-cache.js";
export { UserContext, type UserProfile } from "./user-context.js";
