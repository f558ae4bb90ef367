import type { RedisClient } from "../redis/client.js";
import type { KeySchema } from "../redis/keys.js";

/**
 * What one agent turn teaches: the question, the answer, the tools that answered it, and how
 * well. An entry of kind "data_imported" (user only) says new health data arrived, so the
 * outcomes of the user's past advice are checked.
 */
export interface LearningEntry {
  /** "turn" when absent. */
  kind?: "turn" | "data_imported";
  timestamp: number;
  sessionId: string;
  userId: string;
  query: string;
  tools: string[];
  /** 0..1. */
  success: number;
  durationMs: number;
  /** The agent's answer (advice in it is recorded after the turn). */
  answer?: string;
}

/** Flat string fields for XADD. */
export function toFields(entry: LearningEntry): Record<string, string> {
  return {
    timestamp: String(entry.timestamp),
    session: entry.sessionId,
    user: entry.userId,
    query: entry.query,
    tools: JSON.stringify(entry.tools),
    success: String(entry.success),
    duration_ms: String(entry.durationMs),
    ...(entry.answer ? { answer: entry.answer } : {}),
    ...(entry.kind && entry.kind !== "turn" ? { kind: entry.kind } : {}),
  };
}

/**
 * The learning stream (`learning:queue`): one entry per agent turn, appended with XADD and
 * trimmed to about `maxLength` entries (MAXLEN ~), for the learning worker to turn into
 * procedural memory and tool analytics without the turn waiting for those writes.
 *
 * @example
 * ```ts
 * await new LearningQueue(redis, keys).enqueue({ timestamp: Date.now(), sessionId, userId, query, tools, success: 1, durationMs: 840 });
 * ```
 */
export class LearningQueue {
  constructor(
    private readonly client: RedisClient,
    private readonly keys: KeySchema,
    private readonly maxLength = 100_000,
  ) {}

  async enqueue(entry: LearningEntry): Promise<string> {
    return this.client.xAdd(this.keys.learningQueue(), "*", toFields(entry), {
      TRIM: { strategy: "MAXLEN", strategyModifier: "~", threshold: this.maxLength },
    });
  }

  /** Tells the learning worker that a user's health data changed (after an import), so it checks their advice's outcomes. */
  async announceImport(userId: string, now = Date.now()): Promise<string> {
    return this.enqueue({ kind: "data_imported", timestamp: now, sessionId: "", userId, query: "", tools: [], success: 1, durationMs: 0 });
  }

  async length(): Promise<number> {
    return this.client.xLen(this.keys.learningQueue());
  }
}
