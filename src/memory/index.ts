import type { Config } from "../config.js";
import type { RedisClient } from "../redis/client.js";
import { KeySchema } from "../redis/keys.js";
import type { MemoryDependencies } from "./context.js";
import { CachedEmbeddings } from "./embeddings/cache.js";
import { embeddingsFromConfig } from "./embeddings/index.js";
import type { Embeddings } from "./embeddings/provider.js";
import { EpisodicMemory, type EpisodicType } from "./episodic.js";
import { ModelGuard } from "./model-guard.js";
import { ProceduralMemory } from "./procedural.js";
import { SemanticMemory } from "./semantic.js";
import { CoreVectorIndex } from "./vector/core-index.js";
import type { VectorIndex } from "./vector/vector-index.js";

export type { MemoryDependencies } from "./context.js";
export * from "./embeddings/index.js";
export { EPISODIC_TYPES, EpisodicMemory, type EpisodicInput, type EpisodicRecord, type EpisodicType, type RetrieveOptions, type StructuredGoal } from "./episodic.js";
export { KNOWLEDGE_PACK } from "./knowledge-pack.js";
export { ModelGuard } from "./model-guard.js";
export {
  classifyQuery,
  MIN_SUCCESS_SCORE,
  normalizeQuery,
  ProceduralMemory,
  QUERY_CATEGORIES,
  type Procedure,
  type ProcedureInput,
  type QueryCategory,
  type SuggestedPlan,
} from "./procedural.js";
export { factId, SemanticMemory, type Fact, type StoredFact } from "./semantic.js";
export { CoreVectorIndex } from "./vector/core-index.js";
export type { KnnOptions, KnnRequest, VectorDocument, VectorIndex, VectorMatch, VectorScope } from "./vector/vector-index.js";

export interface MemoryOptions {
  client: RedisClient;
  keys: KeySchema;
  /** The provider to use; it is wrapped in the Redis embedding cache. */
  embeddings: Embeddings;
  /** TTL of every memory key (MEMORY_TTL_SECONDS). */
  ttlSeconds: number;
  /** TTL of cached embeddings (EMBEDDING_CACHE_TTL_SECONDS). */
  embeddingCacheTtlSeconds: number;
  /** Another VectorIndex implementation (e.g. on the Query Engine); the core one by default. */
  index?: VectorIndex;
}

export interface MemoryStats {
  model: { provider: string; model: string; dimensions: number } | undefined;
  embeddingCache: Awaited<ReturnType<CachedEmbeddings["stats"]>>;
  semanticFacts: number;
  users?: { userId: string; episodic: Record<EpisodicType, number>; procedures: number };
}

/**
 * The long-term memory of the agent: episodic (per user), semantic (shared) and procedural (per
 * user), on one vector index and one cached embedding provider.
 *
 * @example
 * ```ts
 * const memory = new Memory({ client: redis, keys, embeddings: new LocalEmbeddings(), ttlSeconds, embeddingCacheTtlSeconds: 3600 });
 * await memory.semantic.load(KNOWLEDGE_PACK);
 * await memory.episodic.store("alice", { type: "preference", description: "prefers morning workouts" });
 * ```
 */
export class Memory {
  readonly episodic: EpisodicMemory;
  readonly semantic: SemanticMemory;
  readonly procedural: ProceduralMemory;
  readonly embeddings: CachedEmbeddings;
  readonly index: VectorIndex;
  readonly guard: ModelGuard;
  private readonly deps: MemoryDependencies;

  constructor(options: MemoryOptions) {
    this.embeddings = new CachedEmbeddings(options.embeddings, options.client, options.keys, options.embeddingCacheTtlSeconds);
    this.index = options.index ?? new CoreVectorIndex(options.client, options.keys);
    this.guard = new ModelGuard(options.client, options.keys, this.embeddings);
    this.deps = {
      client: options.client,
      keys: options.keys,
      embeddings: this.embeddings,
      index: this.index,
      guard: this.guard,
      ttlSeconds: options.ttlSeconds,
    };
    this.episodic = new EpisodicMemory(this.deps);
    this.semantic = new SemanticMemory(this.deps);
    this.procedural = new ProceduralMemory(this.deps);
  }

  /**
   * Re-embeds every stored memory with the current provider (after EMBEDDING_PROVIDER or
   * EMBEDDING_MODEL changed), then records the current model so the guard lets work resume.
   */
  async reindex(batchSize = 64): Promise<{ scopes: number; memories: number }> {
    let memories = 0;
    const scopes = await this.index.scopes();
    for (const scope of scopes) {
      const documents = await this.index.documents(scope);
      for (let start = 0; start < documents.length; start += batchSize) {
        const batch = documents.slice(start, start + batchSize);
        const vectors = await this.embeddings.embed(batch.map((document) => document.fields.text ?? ""));
        await Promise.all(
          batch.map((document, index) =>
            this.index.upsert(scope, { key: document.key, vector: vectors[index] as Float32Array, fields: document.fields }, this.deps.ttlSeconds),
          ),
        );
        memories += batch.length;
      }
    }
    await this.guard.adopt();
    return { scopes: scopes.length, memories };
  }

  async stats(userId?: string): Promise<MemoryStats> {
    const [model, embeddingCache, semanticFacts] = await Promise.all([this.guard.stored(), this.embeddings.stats(), this.semantic.count()]);
    const users = userId
      ? { userId, episodic: await this.episodic.count(userId), procedures: await this.procedural.count(userId) }
      : undefined;
    return { model, embeddingCache, semanticFacts, ...(users ? { users } : {}) };
  }
}

/** The memory the app runs with: the configured provider, prefix and TTLs. */
export function memoryFromConfig(client: RedisClient, config: Config): Memory {
  return new Memory({
    client,
    keys: new KeySchema(config.redis.keyPrefix),
    embeddings: embeddingsFromConfig(config),
    ttlSeconds: config.memoryTtlSeconds,
    embeddingCacheTtlSeconds: config.embeddingCacheTtlSeconds,
  });
}
