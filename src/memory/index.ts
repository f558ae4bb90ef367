import type { EventSink } from "../events/types.js";
import type { Logger } from "../logger.js";
import type { RedisClient } from "../redis/client.js";
import type { KeySchema } from "../redis/keys.js";
import type { MemoryDependencies } from "./context.js";
import { CachedEmbeddings } from "./embeddings/cache.js";
import type { Embeddings } from "./embeddings/provider.js";
import { EpisodicMemory, type EpisodicRecord, type EpisodicType } from "./episodic.js";
import { Interventions, type Intervention, type InterventionsOptions } from "./interventions.js";
import { ModelGuard } from "./model-guard.js";
import { ProceduralMemory, type SuggestedPlan } from "./procedural.js";
import { SemanticMemory, type StoredFact } from "./semantic.js";
import { CoreVectorIndex } from "./vector/core-index.js";
import type { VectorIndex } from "./vector/vector-index.js";

export type { MemoryDependencies } from "./context.js";
export * from "./embeddings/index.js";
export { EPISODIC_TYPES, EpisodicMemory, type EpisodicInput, type EpisodicRecord, type EpisodicType, type RetrieveOptions, type StructuredGoal } from "./episodic.js";
export {
  DEFAULT_EVALUATION_DAYS,
  DEFAULT_INTERVENTION_TTL_SECONDS,
  DIRECTIONS,
  FOLLOWED,
  HELPED,
  Interventions,
  OUTCOMES,
  type Adherence,
  type Baseline,
  type DataOutcome,
  type Direction,
  type Intervention,
  type InterventionFilter,
  type InterventionInput,
  type InterventionsOptions,
  type Outcome,
} from "./interventions.js";
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
  /** The interventions' evaluation window and TTL once resolved (14 and 90 days by default). */
  interventions?: InterventionsOptions;
  /** Hears memory.stored / replaced / forgotten (the event bus). */
  events?: EventSink;
  /** Where the embedding cache reports failing counter writes (once per outage). */
  log?: Logger;
}

/** What one question recalls: active goals, relevant preferences and events, facts, and a plan. */
export interface Recollection {
  /** The user's active goals, newest first. */
  goals: EpisodicRecord[];
  /** Preferences and health events similar to the question. */
  episodic: EpisodicRecord[];
  facts: StoredFact[];
  plan: SuggestedPlan | undefined;
  /** Past advice similar to the question, what worked first. */
  interventions: Intervention[];
  /** The latest reflections on past sessions relevant to the question. */
  insights: EpisodicRecord[];
}

export interface RecallOptions {
  goals?: number;
  episodic?: { k?: number; types?: readonly EpisodicType[] };
  facts?: { k?: number };
  interventions?: { k?: number };
  insights?: { k?: number };
}

export interface MemoryStats {
  model: { provider: string; model: string; dimensions: number } | undefined;
  embeddingCache: Awaited<ReturnType<CachedEmbeddings["stats"]>>;
  semanticFacts: number;
  users?: { userId: string; episodic: Record<EpisodicType, number>; procedures: number; interventions: number };
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
  readonly interventions: Interventions;
  readonly embeddings: CachedEmbeddings;
  readonly index: VectorIndex;
  readonly guard: ModelGuard;
  private readonly deps: MemoryDependencies;

  constructor(options: MemoryOptions) {
    this.embeddings = new CachedEmbeddings(options.embeddings, options.client, options.keys, options.embeddingCacheTtlSeconds, options.log ? { log: options.log } : {});
    this.index = options.index ?? new CoreVectorIndex(options.client, options.keys);
    this.guard = new ModelGuard(options.client, options.keys, this.embeddings);
    this.deps = {
      client: options.client,
      keys: options.keys,
      embeddings: this.embeddings,
      index: this.index,
      guard: this.guard,
      ttlSeconds: options.ttlSeconds,
      ...(options.events ? { events: options.events } : {}),
    };
    this.episodic = new EpisodicMemory(this.deps);
    this.semantic = new SemanticMemory(this.deps);
    this.procedural = new ProceduralMemory(this.deps);
    this.interventions = new Interventions(this.deps, options.interventions);
  }

  /** Waits for the embedding cache's counter writes still in flight (call before closing the Redis client). */
  drain(): Promise<void> {
    return this.embeddings.drain();
  }

  /**
   * Everything a turn recalls for one question, with the question embedded once and every scope
   * (goals, preferences and events, knowledge categories, procedures, past advice, insights)
   * checked in one round trip, started together with the embedding cache lookup.
   */
  async recall(userId: string, question: string, options: RecallOptions = {}): Promise<Recollection> {
    const episodicTypes = options.episodic?.types ?? (["preference", "health_event"] as const);
    const requests = [
      this.episodic.activeGoalsRequest(userId),
      this.episodic.searchRequest(userId, { k: options.episodic?.k ?? 5, types: episodicTypes }),
      this.procedural.suggestRequest(userId),
      this.interventions.searchRequest(userId, { k: options.interventions?.k ?? 3 }),
      this.episodic.searchRequest(userId, { k: options.insights?.k ?? 2, types: ["insight"] }),
    ];
    const [facts] = await Promise.all([this.semantic.searchRequest({ k: options.facts?.k ?? 3 }), this.guard.check("read")]);
    const vector = this.embeddings.embed([question]).then(([embedded]) => embedded as Float32Array);
    const [goals = [], episodic = [], procedures = [], advice = [], insights = [], knowledge = []] = await this.index.knnMany(vector, [...requests, facts]);
    return {
      goals: this.episodic
        .records(userId, goals)
        .sort((a, b) => b.id.localeCompare(a.id))
        .slice(0, options.goals ?? 5)
        .map(({ similarity: _similarity, ...goal }) => goal),
      episodic: this.episodic.records(userId, episodic),
      facts: this.semantic.facts(knowledge),
      plan: this.procedural.plan(procedures),
      interventions: this.interventions.ranked(userId, advice, options.interventions?.k ?? 3),
      insights: this.episodic.records(userId, insights).sort((a, b) => b.id.localeCompare(a.id)),
    };
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
      ? { userId, episodic: await this.episodic.count(userId), procedures: await this.procedural.count(userId), interventions: await this.interventions.count(userId) }
      : undefined;
    return { model, embeddingCache, semanticFacts, ...(users ? { users } : {}) };
  }
}
