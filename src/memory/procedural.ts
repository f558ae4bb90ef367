import { createHash } from "node:crypto";
import { InvalidIdError } from "../errors.js";
import { validateId } from "../redis/ids.js";
import { RedisScript } from "../redis/script.js";
import type { MemoryDependencies } from "./context.js";
import { NOTE_CHANGE_LUA } from "./vector/core-index.js";
import type { KnnRequest, VectorMatch, VectorScope } from "./vector/vector-index.js";

export const QUERY_CATEGORIES = ["metrics", "workouts", "sleep", "goals", "comparison", "knowledge", "other"] as const;
export type QueryCategory = (typeof QUERY_CATEGORIES)[number];

/** Patterns scoring below this are not worth repeating and are not stored. */
export const MIN_SUCCESS_SCORE = 0.7;

const RULES: [QueryCategory, RegExp][] = [
  ["comparison", /\b(compare|compared|comparison|versus|vs\.?|than (last|the previous|before)|difference between|change from)\b/iu],
  ["goals", /\b(goal|goals|target|aim|aiming|want to (reach|hit|get to|lose|gain|walk|run|sleep))\b/iu],
  ["sleep", /\b(sleep|slept|sleeping|bed ?time|nap|rem|deep sleep|insomnia|woke|wake)\b/iu],
  ["workouts", /\b(workout|workouts|work out|working out|worked out|exercise|exercised|run|ran|running|cycling|ride|swim|yoga|training|gym|lift)\b/iu],
  ["knowledge", /\b(what is|what's a|what are|why does|explain|meaning of|normal range|is it normal|healthy range)\b/iu],
  ["metrics", /\b(steps|heart rate|hrv|resting|weight|bmi|calories|energy|vo2|blood pressure|oxygen|distance|average|trend)\b/iu],
];

/** Sorts a question into the kind of question it is, by keywords (cheap, deterministic, no model). */
export function classifyQuery(query: string): QueryCategory {
  for (const [category, pattern] of RULES) if (pattern.test(query)) return category;
  return "other";
}

/** Lower case, digits and dates folded, punctuation dropped: "How did I sleep on 2024-10-01?" and "...on 2024-11-02?" match. */
export function normalizeQuery(query: string): string {
  return query
    .toLowerCase()
    .replace(/\d{4}-\d{2}-\d{2}/gu, "<date>")
    .replace(/\d+([.,]\d+)?/gu, "<n>")
    .replace(/[^\p{L}\p{N}<> ]+/gu, " ")
    .replace(/\s+/gu, " ")
    .trim();
}

export interface ProcedureInput {
  query: string;
  tools: readonly string[];
  latencyMs: number;
  /** 0..1: how well the turn went. */
  success: number;
}

export interface Procedure {
  patternHash: string;
  query: string;
  category: QueryCategory;
  tools: string[];
  executionCount: number;
  avgExecutionTimeMs: number;
  avgSuccessScore: number;
  createdAt: string;
  lastUsed: string;
}

export interface SuggestedPlan {
  tools: string[];
  /** Similarity of the past question times its success score, 0..1. */
  confidence: number;
  typicalLatencyMs: number;
  basedOn: { query: string; executions: number };
}

/**
 * Updates a pattern's running averages atomically and keeps it searchable.
 * KEYS: pattern hash, scope members, scope version, scope change log. ARGV: ttl, latency,
 * success, now, then field/value pairs set on every record (query, tools, category, embedding, ...).
 * Returns the pattern's fields (without the embedding) as a flat name/value list.
 */
const RECORD = new RedisScript(`${NOTE_CHANGE_LUA}
local count = redis.call('HINCRBY', KEYS[1], 'execution_count', 1)
local latency = tonumber(ARGV[2])
local success = tonumber(ARGV[3])
local avg_time = tonumber(redis.call('HGET', KEYS[1], 'avg_execution_time_ms') or '0')
local avg_success = tonumber(redis.call('HGET', KEYS[1], 'avg_success_score') or '0')
avg_time = avg_time + (latency - avg_time) / count
avg_success = avg_success + (success - avg_success) / count
redis.call('HSET', KEYS[1], 'avg_execution_time_ms', tostring(avg_time), 'avg_success_score', tostring(avg_success), 'last_used', ARGV[4])
redis.call('HSETNX', KEYS[1], 'created_at', ARGV[4])
for i = 5, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('SADD', KEYS[2], KEYS[1])
note_change(KEYS[3], KEYS[4], KEYS[1])
local ttl = tonumber(ARGV[1])
if ttl > 0 then
  for i = 1, 4 do redis.call('EXPIRE', KEYS[i], ttl) end
end
local fields = {}
for _, name in ipairs({'pattern_hash', 'query', 'category', 'tools', 'execution_count', 'avg_execution_time_ms', 'avg_success_score', 'created_at', 'last_used'}) do
  table.insert(fields, name)
  table.insert(fields, redis.call('HGET', KEYS[1], name) or '')
end
return fields
`);

function toProcedure(fields: Record<string, string>): Procedure {
  return {
    patternHash: fields.pattern_hash ?? "",
    query: fields.query ?? "",
    category: (fields.category ?? "other") as QueryCategory,
    tools: JSON.parse(fields.tools ?? "[]") as string[],
    executionCount: Number(fields.execution_count ?? 0),
    avgExecutionTimeMs: Math.round(Number(fields.avg_execution_time_ms ?? 0) * 10) / 10,
    avgSuccessScore: Math.round(Number(fields.avg_success_score ?? 0) * 1000) / 1000,
    createdAt: fields.created_at ?? "",
    lastUsed: fields.last_used ?? "",
  };
}

/**
 * Which tool sequences answered which kinds of question well, per user
 * (`procedure:{user}:{hash of normalized query + tools}`), with execution count and running
 * averages of latency and success updated atomically by one script, so concurrent records lose
 * nothing. A new question gets the plan of the most similar successful past question.
 *
 * @example
 * ```ts
 * const procedural = new ProceduralMemory(memory);
 * await procedural.record("alice", { query: "How did I sleep?", tools: ["get_sleep_analysis"], latencyMs: 850, success: 1 });
 * await procedural.suggest("alice", "how was my sleep last week?");
 * ```
 */
export class ProceduralMemory {
  constructor(private readonly deps: MemoryDependencies) {}

  private scope(userId: string): VectorScope {
    return { tag: validateId("user id", userId), name: "procedure" };
  }

  /** Records a turn's tool sequence; returns the pattern, or undefined when the score is below 0.7. */
  async record(userId: string, input: ProcedureInput): Promise<Procedure | undefined> {
    validateId("user id", userId);
    if (!(input.success >= 0 && input.success <= 1)) throw new InvalidIdError("success score", "expected a number from 0 to 1", "");
    if (!(input.latencyMs >= 0)) throw new InvalidIdError("latency", "expected a non-negative number of milliseconds", "");
    if (input.tools.length === 0 || input.success < MIN_SUCCESS_SCORE) return undefined;
    await this.deps.guard.check("write");
    const normalized = normalizeQuery(input.query);
    const patternHash = createHash("sha256").update(`${normalized}\u0000${input.tools.join(">")}`).digest("hex").slice(0, 32);
    // The question as asked, not normalized: the turn already embedded it (the cache has it).
    const [vector] = await this.deps.embeddings.embed([input.query]);
    const key = this.deps.keys.procedure(userId, patternHash);
    const members = this.deps.keys.vectorMembers(userId, "procedure");
    const version = this.deps.keys.vectorVersion(userId, "procedure");
    const changes = this.deps.keys.vectorChanges(userId, "procedure");
    const embedding = vector as Float32Array;
    const [flat] = await Promise.all([
      RECORD.run<string[]>(this.deps.client, [key, members, version, changes], [
        String(this.deps.ttlSeconds),
        String(input.latencyMs),
        String(input.success),
        new Date().toISOString(),
        "pattern_hash",
        patternHash,
        "user_id",
        userId,
        "query",
        input.query,
        "text",
        input.query,
        "tools",
        JSON.stringify(input.tools),
        "category",
        classifyQuery(input.query),
        "embedding",
        Buffer.from(embedding.buffer, embedding.byteOffset, embedding.byteLength),
      ]),
      this.deps.client.sAdd(this.deps.keys.vectorScopes(), JSON.stringify([userId, "procedure"])),
    ]);
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
    return toProcedure(fields);
  }

  /** The plan of the most similar successful past question of this user, if any is close enough. */
  async suggest(userId: string, query: string, options: { minSimilarity?: number } = {}): Promise<SuggestedPlan | undefined> {
    const request = this.suggestRequest(userId, options);
    await this.deps.guard.check("read");
    const [vector] = await this.deps.embeddings.embed([query]);
    return this.plan(await this.deps.index.knn(request.scopes, vector as Float32Array, request.options));
  }

  /** The search `suggest` runs, for batching with other searches of the same question (Memory.recall). */
  suggestRequest(userId: string, options: { minSimilarity?: number } = {}): KnnRequest {
    return { scopes: [this.scope(userId)], options: { k: 5, minSimilarity: options.minSimilarity ?? 0.6, where: { user_id: userId } } };
  }

  /** The best plan among search matches: similarity times success, then how often it ran. */
  plan(matches: readonly VectorMatch[]): SuggestedPlan | undefined {
    const ranked = matches
      .map((match) => ({ procedure: toProcedure(match.fields), confidence: match.similarity * Number(match.fields.avg_success_score ?? 0) }))
      .sort((a, b) => b.confidence - a.confidence || b.procedure.executionCount - a.procedure.executionCount);
    const best = ranked[0];
    if (!best) return undefined;
    return {
      tools: best.procedure.tools,
      confidence: Math.round(best.confidence * 1000) / 1000,
      typicalLatencyMs: Math.round(best.procedure.avgExecutionTimeMs),
      basedOn: { query: best.procedure.query, executions: best.procedure.executionCount },
    };
  }

  async list(userId: string): Promise<Procedure[]> {
    const documents = await this.deps.index.documents(this.scope(userId));
    return documents
      .filter((document) => document.fields.user_id === userId)
      .map((document) => toProcedure(document.fields))
      .sort((a, b) => b.executionCount - a.executionCount);
  }

  async count(userId: string): Promise<number> {
    return this.deps.index.count(this.scope(userId));
  }
}
