import { randomBytes } from "node:crypto";
import { InvalidIdError, ISSUED_ID_HINT } from "../errors.js";
import { validateId } from "../redis/ids.js";
import type { MemoryDependencies } from "./context.js";
import type { KnnRequest, VectorMatch, VectorScope } from "./vector/vector-index.js";

/** insight: a reflection the agent wrote on a finished session (see src/coaching/reflections.ts). */
export const EPISODIC_TYPES = ["goal", "preference", "health_event", "insight"] as const;
export type EpisodicType = (typeof EPISODIC_TYPES)[number];

/** A measurable goal: "10,000 steps a day", "7.5 hours of sleep by 2025-01-01". */
export interface StructuredGoal {
  metric: string;
  value: number;
  unit: string;
  targetDate?: string;
}

export interface EpisodicInput {
  type: EpisodicType;
  description: string;
  context?: string;
  metadata?: Record<string, unknown>;
  goal?: StructuredGoal;
}

export interface EpisodicRecord {
  id: string;
  userId: string;
  type: EpisodicType;
  description: string;
  context: string;
  metadata: Record<string, unknown>;
  /** ISO time it was stored. */
  timestamp: string;
  goal?: StructuredGoal;
  /** Set when a newer goal for the same metric replaced this one. */
  supersededBy?: string;
  /** Only on search results. */
  similarity?: number;
}

export interface RetrieveOptions {
  types?: readonly EpisodicType[];
  k?: number;
  minSimilarity?: number;
  /** Include goals that a newer goal for the same metric replaced. */
  includeSuperseded?: boolean;
}

const ID_PATTERN = /^[0-9a-z]{9}[0-9a-f]{10}$/u;

/** Time-ordered and collision-free: base-36 milliseconds, then 40 random bits. */
function newId(): string {
  return `${Date.now().toString(36).padStart(9, "0")}${randomBytes(5).toString("hex")}`;
}

function checkId(id: string): string {
  if (!ID_PATTERN.test(id)) throw new InvalidIdError("memory id", "it is not an id this store issued", ISSUED_ID_HINT);
  return id;
}

function toRecord(userId: string, fields: Record<string, string>, similarity?: number): EpisodicRecord {
  const goal: StructuredGoal | undefined =
    fields.goal_metric !== undefined
      ? {
          metric: fields.goal_metric,
          value: Number(fields.goal_value),
          unit: fields.goal_unit ?? "",
          ...(fields.goal_target_date ? { targetDate: fields.goal_target_date } : {}),
        }
      : undefined;
  return {
    id: fields.id ?? "",
    userId,
    type: (fields.type ?? "health_event") as EpisodicType,
    description: fields.description ?? "",
    context: fields.context ?? "",
    metadata: JSON.parse(fields.metadata ?? "{}") as Record<string, unknown>,
    timestamp: fields.timestamp ?? "",
    ...(goal ? { goal } : {}),
    ...(fields.superseded_by ? { supersededBy: fields.superseded_by } : {}),
    ...(similarity !== undefined ? { similarity: Math.round(similarity * 1000) / 1000 } : {}),
  };
}

/**
 * One user's goals, preferences and health events (`episodic:{user}:{type}:{id}`), embedded for
 * search and kept for the memory TTL. Every read and write names the user, and keys are built
 * from the validated user id, so one user can never reach another's memories. A new structured
 * goal for a metric supersedes the previous one for retrieval; the old one stays in history.
 *
 * @example
 * ```ts
 * const episodic = new EpisodicMemory(memory);
 * await episodic.setGoal("alice", { metric: "StepCount", value: 10000, unit: "steps/day" });
 * await episodic.retrieve("alice", "what is my step goal?");
 * ```
 */
export class EpisodicMemory {
  constructor(private readonly deps: MemoryDependencies) {}

  private scope(userId: string, type: EpisodicType): VectorScope {
    return { tag: validateId("user id", userId), name: `episodic:${type}` };
  }

  async store(userId: string, input: EpisodicInput): Promise<EpisodicRecord> {
    validateId("user id", userId);
    if (!EPISODIC_TYPES.includes(input.type)) {
      throw new InvalidIdError("event type", `expected one of ${EPISODIC_TYPES.join(", ")}`, "");
    }
    const description = input.description.trim();
    if (description === "") throw new InvalidIdError("description", "it is empty", "");
    await this.deps.guard.check("write");
    const id = newId();
    const context = input.context?.trim() ?? "";
    const text = context ? `${description} (${context})` : description;
    const [vector] = await this.deps.embeddings.embed([text]);
    const fields: Record<string, string> = {
      id,
      user_id: userId,
      type: input.type,
      description,
      context,
      text,
      metadata: JSON.stringify(input.metadata ?? {}),
      timestamp: new Date().toISOString(),
      superseded: "0",
      ...(input.goal
        ? {
            goal_metric: validateId("goal metric", input.goal.metric),
            goal_value: String(input.goal.value),
            goal_unit: input.goal.unit,
            ...(input.goal.targetDate ? { goal_target_date: input.goal.targetDate } : {}),
          }
        : {}),
    };
    const scope = this.scope(userId, input.type);
    const key = this.deps.keys.episodic(userId, input.type, id);
    await this.deps.index.upsert(scope, { key, vector: vector as Float32Array, fields }, this.deps.ttlSeconds);
    this.deps.events?.publish(userId, { type: "memory.stored", memoryId: id, memoryType: input.type, description });
    return toRecord(userId, fields);
  }

  /**
   * Stores a structured goal; an active goal for the same metric is marked superseded by it. A
   * goal the user already holds (same metric and value) is returned as it is, not stored again,
   * so saying it twice, or the tool and extraction both seeing it, leaves one goal.
   */
  async setGoal(userId: string, goal: StructuredGoal & { description?: string }): Promise<EpisodicRecord> {
    const previous = (await this.list(userId, "goal")).filter((record) => record.goal?.metric === goal.metric && !record.supersededBy);
    const same = previous.find((record) => record.goal?.value === goal.value && (record.goal.targetDate ?? "") === (goal.targetDate ?? ""));
    if (same) return same;
    const description =
      goal.description ?? `Goal: ${goal.metric} ${goal.value} ${goal.unit}${goal.targetDate ? ` by ${goal.targetDate}` : ""}`;
    const { description: _ignored, ...structured } = goal;
    const stored = await this.store(userId, { type: "goal", description, goal: structured });
    const scope = this.scope(userId, "goal");
    await Promise.all(
      previous.map((record) =>
        this.deps.index.update(scope, this.deps.keys.episodic(userId, "goal", record.id), { superseded: "1", superseded_by: stored.id }),
      ),
    );
    for (const record of previous) this.deps.events?.publish(userId, { type: "memory.replaced", memoryId: record.id, memoryType: "goal", replacedBy: stored.id });
    return stored;
  }

  /** The user's memories most similar to `query`, always within that user's own scopes. */
  async retrieve(userId: string, query: string, options: RetrieveOptions = {}): Promise<EpisodicRecord[]> {
    const request = this.searchRequest(userId, options);
    await this.deps.guard.check("read");
    const [vector] = await this.deps.embeddings.embed([query]);
    return this.records(userId, await this.deps.index.knn(request.scopes, vector as Float32Array, request.options));
  }

  /** The search `retrieve` runs, for batching with other searches of the same question (Memory.recall). */
  searchRequest(userId: string, options: RetrieveOptions = {}): KnnRequest {
    validateId("user id", userId);
    return {
      scopes: (options.types ?? EPISODIC_TYPES).map((type) => this.scope(userId, type)),
      options: {
        k: options.k ?? 5,
        minSimilarity: options.minSimilarity ?? 0.3,
        where: { user_id: userId },
        ...(options.includeSuperseded ? {} : { whereNot: { superseded: "1" } }),
      },
    };
  }

  /** The user's active goals (up to `limit`), as a search request that accepts every goal. */
  activeGoalsRequest(userId: string, limit = 100): KnnRequest {
    return { scopes: [this.scope(userId, "goal")], options: { k: limit, minSimilarity: -2, where: { user_id: userId }, whereNot: { superseded: "1" } } };
  }

  /** Search matches as records (similarity rounded). */
  records(userId: string, matches: readonly VectorMatch[]): EpisodicRecord[] {
    return matches.map((match) => toRecord(userId, match.fields, match.similarity));
  }

  /** The user's memories, newest first, optionally of one type (superseded goals included). */
  async list(userId: string, type?: EpisodicType): Promise<EpisodicRecord[]> {
    const types = type ? [type] : EPISODIC_TYPES;
    const documents = await Promise.all(types.map((each) => this.deps.index.documents(this.scope(userId, each))));
    return documents
      .flat()
      .filter((document) => document.fields.user_id === userId)
      .map((document) => toRecord(userId, document.fields))
      .sort((a, b) => b.id.localeCompare(a.id));
  }

  async get(userId: string, id: string): Promise<EpisodicRecord | undefined> {
    checkId(id);
    return (await this.list(userId)).find((record) => record.id === id);
  }

  /** Deletes one of the user's memories; false if the user has no memory with that id. */
  async forget(userId: string, id: string): Promise<boolean> {
    checkId(id);
    const record = await this.get(userId, id);
    if (!record) return false;
    const deleted = await this.deps.index.delete(this.scope(userId, record.type), this.deps.keys.episodic(userId, record.type, id));
    if (deleted) this.deps.events?.publish(userId, { type: "memory.forgotten", memoryId: id, memoryType: record.type });
    return deleted;
  }

  async count(userId: string): Promise<Record<EpisodicType, number>> {
    const counts = await Promise.all(EPISODIC_TYPES.map((type) => this.deps.index.count(this.scope(userId, type))));
    return Object.fromEntries(EPISODIC_TYPES.map((type, index) => [type, counts[index] ?? 0])) as Record<EpisodicType, number>;
  }
}
