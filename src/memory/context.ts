import type { EventSink } from "../events/types.js";
import type { RedisClient } from "../redis/client.js";
import type { KeySchema } from "../redis/keys.js";
import type { Embeddings } from "./embeddings/provider.js";
import type { ModelGuard } from "./model-guard.js";
import type { VectorIndex } from "./vector/vector-index.js";

/** What every memory store needs, created once by `createMemory` and shared. */
export interface MemoryDependencies {
  client: RedisClient;
  keys: KeySchema;
  embeddings: Embeddings;
  index: VectorIndex;
  guard: ModelGuard;
  /** TTL of every memory key. */
  ttlSeconds: number;
  /** Hears memory.stored / replaced / forgotten for the user's own memories. */
  events?: EventSink;
}
