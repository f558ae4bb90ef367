import { randomBytes } from "node:crypto";
import { InvalidIdError, ISSUED_ID_HINT } from "../errors.js";
import { validateId } from "../redis/ids.js";
import { RedisScript } from "../redis/script.js";
import type { MemoryDependencies } from "./context.js";
import { NOTE_CHANGE_LUA } from "./vector/core-index.js";
import type { KnnRequest, VectorMatch, VectorScope } from "./vector/vector-index.js";

/** What the data said after the evaluation window; "pending" until then. */
export const OUTCOMES = ["pending", "improved", "unchanged", "worse", "insufficient_data"] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Which way of the metric counts as better for this piece of advice. */
export const DIRECTIONS = ["increase", "decrease"] as const;
export type Direction = (typeof DIRECTIONS)[number];

export const FOLLOWED = ["yes", "no", "partly", "unknown"] as const;
export const HELPED = ["yes", "no", "unknown"] as const;

/** The metric's value over the weeks before the advice, from the user's own data. */
export interface Baseline {
  value: number;
  unit: string;
  /** First and last day averaged (YYYY-MM-DD). */
  from: string;
  to: string;
  /** Days with data in that range. */
  days: number;
}

/** The outcome measured from the data: the window's average against the baseline. */
export interface DataOutcome {
  status: Exclude<Outcome, "pending">;
  baseline: number;
  /** The metric's average over the evaluation window (absent when it had too few days). */
  observed?: number;
  change?: number;
  changePercent?: number;
  unit: string;
  from: string;
  to: string;
  days: number;
  evaluatedAt: string;
}

/** What the user said about the advice: whether they followed it and whether it helped. */
export interface Adherence {
  followed: (typeof FOLLOWED)[number];
  helped: (typeof HELPED)[number];
  /** Keyword rules, or the chat model's judgement. */
  source: "rules" | "model";
  /** The user's words (shortened). */
  quote: string;
  sessionId: string;
  at: string;
}

export interface InterventionInput {
  sessionId: string;
  suggestion: string;
  metric: string;
  direction: Direction;
  baseline?: Baseline;
  /** The day the advice was given (YYYY-MM-DD, the user's time zone). */
  date: string;
  /** The record_advice tool, or extraction from the answer after the turn. */
  source: "tool" | "extraction";
}

export interface Intervention {
  id: string;
  userId: string;
  sessionId: string;
  suggestion: string;
  metric: string;
  direction: Direction;
  baseline?: Baseline;
  date: string;
  /** Last day of the evaluation window: the data outcome is measured once the data reaches it. */
  evaluateAfter: string;
  outcome: Outcome;
  dataOutcome?: DataOutcome;
  adherence?: Adherence;
  source: "tool" | "extraction";
  createdAt: string;
  /** Only on search results: cosine similarity to the query, and the rank score (similarity plus the outcome's weight). */
  similarity?: number;
  score?: number;
}

export interface InterventionFilter {
  metric?: string;
  outcome?: Outcome;
}

export interface InterventionsOptions {
  /** How long an intervention is kept once its data outcome is known (default 90 days). */
  ttlAfterResolveSeconds?: number;
  /** Days after the advice before its data outcome is measured (default 14). */
  evaluationDays?: number;
}

export const DEFAULT_INTERVENTION_TTL_SECONDS = 90 * 86_400;
export const DEFAULT_EVALUATION_DAYS = 14;

/** A pending duplicate: this similar a suggestion for the same metric is the same advice. */
const DUPLICATE_SIMILARITY = 0.9;

/**
 * How much an outcome moves a past intervention up or down in retrieval: what worked comes first
 * among equally similar advice, what changed nothing or made things worse last.
 */
const OUTCOME_WEIGHT: Record<Outcome, number> = { improved: 0.15, pending: 0, insufficient_data: 0, unchanged: -0.05, worse: -0.1 };
const HELPED_WEIGHT: Record<Adherence["helped"], number> = { yes: 0.05, unknown: 0, no: -0.05 };

/**
 * Writes a whole intervention. KEYS: hash, scope members, scope version, scope change log.
 * ARGV: ttl, member, field/value pairs. The scope's keys only ever get a longer TTL, so an
 * intervention kept longer than the newest one (resolved late) never outlives its scope.
 */
const WRITE = new RedisScript(`${NOTE_CHANGE_LUA}
redis.call('DEL', KEYS[1])
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('SADD', KEYS[2], ARGV[2])
note_change(KEYS[3], KEYS[4], ARGV[2])
local ttl = tonumber(ARGV[1])
redis.call('EXPIRE', KEYS[1], ttl)
for i = 2, 4 do
  local current = redis.call('TTL', KEYS[i])
  if current == -1 or current < ttl then redis.call('EXPIRE', KEYS[i], ttl) end
end
return 1
`);

/**
 * Changes fields of a stored intervention (never its vector). KEYS: hash, scope members, scope
 * version, scope change log. ARGV: ttl (0: keep the current one), field/value pairs. 0 if gone.
 */
const PATCH = new RedisScript(`${NOTE_CHANGE_LUA}
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
note_change(KEYS[3], KEYS[4], KEYS[1])
local ttl = tonumber(ARGV[1])
if ttl > 0 then
  redis.call('EXPIRE', KEYS[1], ttl)
  for i = 2, 4 do
    local current = redis.call('TTL', KEYS[i])
    if current == -1 or current < ttl then redis.call('EXPIRE', KEYS[i], ttl) end
  end
end
return 1
`);

const ID_PATTERN = /^[0-9a-z]{9}[0-9a-f]{10}$/u;

function newId(): string {
  return `${Date.now().toString(36).padStart(9, "0")}${randomBytes(5).toString("hex")}`;
}

function checkId(id: string): string {
  if (!ID_PATTERN.test(id)) throw new InvalidIdError("intervention id", "it is not an id this store issued", ISSUED_ID_HINT);
  return id;
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function parseJson<T>(text: string | undefined): T | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

function round(value: number, digits = 3): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function toIntervention(userId: string, fields: Record<string, string>): Intervention {
  const baseline = parseJson<Baseline>(fields.baseline);
  const dataOutcome = parseJson<DataOutcome>(fields.data_outcome);
  const adherence = parseJson<Adherence>(fields.adherence);
  return {
    id: fields.id ?? "",
    userId,
    sessionId: fields.session_id ?? "",
    suggestion: fields.suggestion ?? "",
    metric: fields.metric ?? "",
    direction: fields.direction === "decrease" ? "decrease" : "increase",
    ...(baseline ? { baseline } : {}),
    date: fields.date ?? "",
    evaluateAfter: fields.evaluate_after ?? "",
    outcome: (OUTCOMES as readonly string[]).includes(fields.outcome ?? "") ? (fields.outcome as Outcome) : "pending",
    ...(dataOutcome ? { dataOutcome } : {}),
    ...(adherence ? { adherence } : {}),
    source: fields.source === "tool" ? "tool" : "extraction",
    createdAt: fields.created_at ?? "",
  };
}

/** The member of the due set for one intervention. */
function dueMember(userId: string, id: string): string {
  return JSON.stringify([userId, id]);
}

/**
 * The advice the agent gave each user (`intervention:{user}:{id}`, searchable in the user's
 * `interventions` vector scope) and what became of it: the data outcome measured against the
 * baseline after the evaluation window, and the adherence the user reported. The two are
 * separate fields, written by separate calls, so neither ever overwrites the other. A pending
 * intervention is kept for the evaluation window plus the resolved TTL; once its data outcome
 * is known, for the resolved TTL from then on. Pending ones are listed in `interventions:due`
 * by the end of their window, for the outcome check.
 *
 * @example
 * ```ts
 * const interventions = new Interventions(deps);
 * const advice = await interventions.record("alice", { sessionId, suggestion: "Go to bed 30 minutes earlier", metric: "SleepDuration", direction: "increase", baseline, date: "2025-03-01", source: "tool" });
 * await interventions.search("alice", "how can I sleep more?"); // improved advice first
 * ```
 */
export class Interventions {
  readonly ttlAfterResolveSeconds: number;
  readonly evaluationDays: number;

  constructor(
    private readonly deps: MemoryDependencies,
    options: InterventionsOptions = {},
  ) {
    this.ttlAfterResolveSeconds = options.ttlAfterResolveSeconds ?? DEFAULT_INTERVENTION_TTL_SECONDS;
    this.evaluationDays = options.evaluationDays ?? DEFAULT_EVALUATION_DAYS;
  }

  private scope(userId: string): VectorScope {
    return { tag: validateId("user id", userId), name: "interventions" };
  }

  private scriptKeys(userId: string, id: string): string[] {
    const { keys } = this.deps;
    return [keys.intervention(userId, id), keys.vectorMembers(userId, "interventions"), keys.vectorVersion(userId, "interventions"), keys.vectorChanges(userId, "interventions")];
  }

  /**
   * Records a piece of advice, pending. The same advice given again while the first is pending
   * (same metric, a suggestion at least 0.9 similar) returns the one already held.
   */
  async record(userId: string, input: InterventionInput): Promise<Intervention> {
    validateId("user id", userId);
    const suggestion = input.suggestion.trim();
    if (suggestion === "") throw new InvalidIdError("suggestion", "it is empty", "");
    const metric = validateId("metric", input.metric);
    if (!/^\d{4}-\d{2}-\d{2}$/u.test(input.date)) throw new InvalidIdError("advice date", "expected YYYY-MM-DD", "");
    await this.deps.guard.check("write");
    const text = `${suggestion} (${metric})`;
    const [vector] = (await this.deps.embeddings.embed([text])) as [Float32Array];
    const [same] = await this.deps.index.knn([this.scope(userId)], vector, {
      k: 1,
      minSimilarity: DUPLICATE_SIMILARITY,
      where: { user_id: userId, metric, outcome: "pending" },
    });
    if (same) return toIntervention(userId, same.fields);
    const id = newId();
    const evaluateAfter = addDays(input.date, this.evaluationDays);
    const fields: Record<string, string> = {
      id,
      user_id: userId,
      session_id: input.sessionId,
      suggestion,
      metric,
      direction: input.direction,
      baseline: input.baseline ? JSON.stringify(input.baseline) : "",
      date: input.date,
      evaluate_after: evaluateAfter,
      outcome: "pending",
      data_outcome: "",
      adherence: "",
      followed: "unknown",
      source: input.source,
      created_at: new Date().toISOString(),
      text,
    };
    const keys = this.scriptKeys(userId, id);
    const ttl = this.evaluationDays * 86_400 + this.ttlAfterResolveSeconds;
    const dueAt = Date.parse(`${evaluateAfter}T00:00:00Z`) + 86_400_000;
    await Promise.all([
      WRITE.run(this.deps.client, keys, [String(ttl), keys[0] as string, ...Object.entries(fields).flat(), "embedding", Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength)]),
      this.deps.client.zAdd(this.deps.keys.interventionsDue(), { score: dueAt, value: dueMember(userId, id) }),
      this.deps.client.sAdd(this.deps.keys.vectorScopes(), JSON.stringify([userId, "interventions"])),
    ]);
    return toIntervention(userId, fields);
  }

  /**
   * Stores the outcome measured from the data; the adherence the user reported stays as it is.
   * From now on the intervention is kept for the resolved TTL. False if it is gone.
   */
  async resolve(userId: string, id: string, outcome: DataOutcome): Promise<boolean> {
    checkId(id);
    const fields = { outcome: outcome.status, data_outcome: JSON.stringify(outcome) };
    const [patched] = await Promise.all([
      PATCH.run<number>(this.deps.client, this.scriptKeys(userId, id), [String(this.ttlAfterResolveSeconds), ...Object.entries(fields).flat()]),
      this.deps.client.zRem(this.deps.keys.interventionsDue(), dueMember(userId, id)),
    ]);
    return patched === 1;
  }

  /** Stores what the user said about following the advice; the data outcome stays as it is. False if it is gone. */
  async recordAdherence(userId: string, id: string, adherence: Adherence): Promise<boolean> {
    checkId(id);
    const fields = { adherence: JSON.stringify(adherence), followed: adherence.followed };
    return (await PATCH.run<number>(this.deps.client, this.scriptKeys(userId, id), ["0", ...Object.entries(fields).flat()])) === 1;
  }

  /** The user's interventions, newest first, optionally of one metric or outcome. */
  async list(userId: string, filter: InterventionFilter = {}): Promise<Intervention[]> {
    const documents = await this.deps.index.documents(this.scope(userId));
    return documents
      .filter((document) => document.fields.user_id === userId)
      .map((document) => toIntervention(userId, document.fields))
      .filter((each) => (filter.metric === undefined || each.metric === filter.metric) && (filter.outcome === undefined || each.outcome === filter.outcome))
      .sort((a, b) => b.id.localeCompare(a.id));
  }

  async get(userId: string, id: string): Promise<Intervention | undefined> {
    checkId(id);
    return (await this.list(userId)).find((each) => each.id === id);
  }

  /** Past advice similar to `query`, what worked first among equally similar advice. */
  async search(userId: string, query: string, options: InterventionFilter & { k?: number } = {}): Promise<Intervention[]> {
    const request = this.searchRequest(userId, options);
    await this.deps.guard.check("read");
    const [vector] = await this.deps.embeddings.embed([query]);
    return this.ranked(userId, await this.deps.index.knn(request.scopes, vector as Float32Array, request.options), options.k ?? 5);
  }

  /**
   * The search `search` runs, for batching with the turn's other searches (Memory.recall). It
   * asks for three times `k` candidates, so re-ranking by outcome has something to reorder.
   */
  searchRequest(userId: string, options: InterventionFilter & { k?: number; minSimilarity?: number } = {}): KnnRequest {
    validateId("user id", userId);
    return {
      scopes: [this.scope(userId)],
      options: {
        k: (options.k ?? 5) * 3,
        minSimilarity: options.minSimilarity ?? 0.25,
        where: { user_id: userId, ...(options.metric ? { metric: options.metric } : {}), ...(options.outcome ? { outcome: options.outcome } : {}) },
      },
    };
  }

  /** Matches ranked by similarity plus the weight of their outcome (and of what the user said), best `k`. */
  ranked(userId: string, matches: readonly VectorMatch[], k: number): Intervention[] {
    return matches
      .map((match) => {
        const intervention = toIntervention(userId, match.fields);
        const score = match.similarity + OUTCOME_WEIGHT[intervention.outcome] + HELPED_WEIGHT[intervention.adherence?.helped ?? "unknown"];
        return { ...intervention, similarity: round(match.similarity), score: round(score) };
      })
      .sort((a, b) => b.score - a.score)
      .slice(0, k);
  }

  /** Interventions whose evaluation window ended before `now` (epoch ms), oldest first. */
  async due(now: number, limit = 100): Promise<{ userId: string; id: string }[]> {
    const members = await this.deps.client.zRangeByScore(this.deps.keys.interventionsDue(), "-inf", now, { LIMIT: { offset: 0, count: limit } });
    return members.flatMap((member) => {
      const parsed = parseJson<unknown>(member);
      return Array.isArray(parsed) && typeof parsed[0] === "string" && typeof parsed[1] === "string" ? [{ userId: parsed[0], id: parsed[1] }] : [];
    });
  }

  /** Drops a due entry whose intervention no longer exists (forgotten or expired). */
  async dropDue(userId: string, id: string): Promise<void> {
    await this.deps.client.zRem(this.deps.keys.interventionsDue(), dueMember(userId, id));
  }

  /** Deletes one of the user's interventions; false if there is none with that id. */
  async forget(userId: string, id: string): Promise<boolean> {
    checkId(id);
    const [deleted] = await Promise.all([
      this.deps.index.delete(this.scope(userId), this.deps.keys.intervention(userId, id)),
      this.dropDue(userId, id),
    ]);
    return deleted;
  }

  async count(userId: string): Promise<number> {
    return this.deps.index.count(this.scope(userId));
  }
}
