import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AdviceLearner } from "../coaching/advice-learner.js";
import { OutcomeCheck } from "../coaching/outcomes.js";
import { HealthStore } from "../health/store/health-store.js";
import type { Memory } from "../memory/index.js";
import type { RedisClient } from "../redis/client.js";
import type { KeySchema } from "../redis/keys.js";
import type { LearningEntry } from "./queue.js";
import { StatedFactsExtractor, type StatedFact } from "./stated-facts.js";
import { incrementHash } from "../redis/hash-increments.js";

/** The tool through which the model records a goal itself; when it ran, extraction leaves goals alone. */
const GOAL_TOOL = "set_goal";

export interface TurnLearnerOptions {
  memory: Memory;
  client: RedisClient;
  keys: KeySchema;
  /**
   * The chat model for extracting stated goals and preferences (without it nothing is
   * extracted) and for reading advice and adherence (keyword rules alone without it).
   */
  model?: BaseChatModel;
  /** USER_TIMEZONE: the day advice was given on (UTC by default). */
  timeZone?: string;
  now?: () => Date;
}

/**
 * What one finished turn teaches, written after its answer: the tool sequence in procedural
 * memory, per-tool analytics (`tool:stats`), the goals and preferences the user stated
 * (episodic memory, via the chat model's structured output), and advice: suggestions in the
 * answer and what the user says about earlier ones (see AdviceLearner). Goals have one path each turn: the
 * `set_goal` tool when the model called it, extraction otherwise; either way a goal already held
 * for the same metric and value is not stored again. Used by the learning worker and, without
 * one, by the serving process's after-turn tasks.
 *
 * @example
 * ```ts
 * const learner = new TurnLearner({ memory, client, keys, model });
 * await learner.learn({ timestamp: Date.now(), sessionId, userId, query, tools: ["get_sleep_analysis"], success: 1, durationMs: 840 });
 * ```
 */
export class TurnLearner {
  private readonly extractor: StatedFactsExtractor | undefined;
  private readonly advice: AdviceLearner;
  private readonly outcomes: OutcomeCheck;

  constructor(private readonly options: TurnLearnerOptions) {
    this.extractor = options.model?.withStructuredOutput ? new StatedFactsExtractor(options.model) : undefined;
    const store = new HealthStore(options.client, options.keys);
    const interventions = options.memory.interventions;
    const clock = options.now ? { now: options.now } : {};
    this.advice = new AdviceLearner({ interventions, store, ...(options.model ? { model: options.model } : {}), ...(options.timeZone ? { timeZone: options.timeZone } : {}), ...clock });
    this.outcomes = new OutcomeCheck({ interventions, store, ...clock });
  }

  /** A turn: its procedure, analytics, stated facts and advice. A data import: the outcomes of the user's advice. */
  async learn(entry: LearningEntry): Promise<void> {
    if (entry.kind === "data_imported") {
      await this.outcomes.forUser(entry.userId);
      return;
    }
    await Promise.all([this.procedure(entry), this.analytics(entry), this.statedFacts(entry), this.coaching(entry)]);
  }

  private async coaching(entry: LearningEntry): Promise<void> {
    await this.advice.learn({ userId: entry.userId, sessionId: entry.sessionId, query: entry.query, answer: entry.answer ?? "", tools: entry.tools });
  }

  private async procedure(entry: LearningEntry): Promise<void> {
    if (entry.tools.length === 0) return;
    await this.options.memory.procedural.record(entry.userId, { query: entry.query, tools: entry.tools, latencyMs: entry.durationMs, success: entry.success });
  }

  private async analytics(entry: LearningEntry): Promise<void> {
    const { client, keys } = this.options;
    const stats = keys.toolStats();
    const increments: Record<string, number> = {};
    for (const tool of entry.tools) {
      increments[`${tool}:calls`] = (increments[`${tool}:calls`] ?? 0) + 1;
      increments[`${tool}:turn_ms`] = (increments[`${tool}:turn_ms`] ?? 0) + Math.round(entry.durationMs);
      if (entry.success >= 0.7) increments[`${tool}:good_turns`] = (increments[`${tool}:good_turns`] ?? 0) + 1;
    }
    await incrementHash(client, stats, increments);
  }

  private async statedFacts(entry: LearningEntry): Promise<void> {
    if (!this.extractor || entry.query.trim() === "") return;
    const items = await this.extractor.extract(entry.query);
    const goalRecorded = entry.tools.includes(GOAL_TOOL);
    for (const item of items) {
      if (item.type === "goal" && goalRecorded) continue;
      await this.store(entry, item);
    }
  }

  private async store(entry: LearningEntry, item: StatedFact): Promise<void> {
    const episodic = this.options.memory.episodic;
    const metric = item.metric?.replace(/[^A-Za-z0-9]+/gu, "") ?? "";
    if (item.type === "goal" && metric !== "" && item.value !== undefined && item.unit) {
      await episodic.setGoal(entry.userId, {
        metric,
        value: item.value,
        unit: item.unit,
        description: item.description,
        ...(item.target_date ? { targetDate: item.target_date } : {}),
      });
      return;
    }
    const description = item.description.trim();
    if (description === "") return;
    const held = await episodic.list(entry.userId, item.type);
    if (held.some((record) => record.description.toLowerCase() === description.toLowerCase() && !record.supersededBy)) return;
    await episodic.store(entry.userId, { type: item.type, description, context: `said in session ${entry.sessionId}` });
  }
}
