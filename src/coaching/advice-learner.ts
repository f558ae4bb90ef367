import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { todayIn } from "../agent/time-range.js";
import { dateOfDayNumber } from "../health/import/normalize.js";
import type { HealthStore } from "../health/store/health-store.js";
import type { Adherence, Intervention, Interventions } from "../memory/interventions.js";
import { AdherenceJudge, mentionsAdvice, readAdherence } from "./adherence.js";
import { AdviceExtractor, findAdvice, mayHoldAdvice, type AdviceCandidate } from "./advice.js";
import { MetricAverages } from "./metric-average.js";
import { adviceMetric, metricOfText } from "./metrics.js";

/** The tool through which the model records advice itself; when it ran, extraction leaves the answer alone. */
export const RECORD_ADVICE_TOOL = "record_advice";

/** Advice older than this is not what "I tried it" refers to. */
const RECENT_DAYS = 60;
/** A message at least this similar to one piece of advice is about that one; otherwise the newest. */
const TARGET_SIMILARITY = 0.35;

/** One finished turn, as far as advice is concerned. */
export interface AdviceTurn {
  userId: string;
  sessionId: string;
  /** The user's message. */
  query: string;
  /** The agent's answer. */
  answer: string;
  /** Tools the turn called. */
  tools: readonly string[];
}

export interface AdviceLearnerOptions {
  interventions: Interventions;
  store: HealthStore;
  /** The chat model for structured extraction and judgement; keyword rules alone without it. */
  model?: BaseChatModel;
  /** USER_TIMEZONE: which day the advice was given on. */
  timeZone?: string;
  now?: () => Date;
}

/**
 * What a finished turn teaches about advice, after its answer: what the user says about earlier
 * advice becomes its adherence (keyword rules, and the chat model's judgement when there is a
 * model), and the concrete metric-tied suggestions in the answer become pending interventions
 * with their baseline (the model's structured output when there is one, keyword rules otherwise
 * or when it finds nothing). One path per turn: when the model called `record_advice`, the
 * answer is not searched again; the store drops the same advice given twice.
 *
 * @example
 * ```ts
 * const learner = new AdviceLearner({ interventions: memory.interventions, store, model, timeZone });
 * await learner.learn({ userId, sessionId, query: "How can I sleep more?", answer: "Try going to bed 30 minutes earlier.", tools: [] });
 * ```
 */
export class AdviceLearner {
  private readonly averages: MetricAverages;
  private readonly extractor: AdviceExtractor | undefined;
  private readonly judge: AdherenceJudge | undefined;
  private readonly timeZone: string;
  private readonly now: () => Date;

  constructor(private readonly options: AdviceLearnerOptions) {
    this.averages = new MetricAverages(options.store);
    const structured = options.model?.withStructuredOutput ? options.model : undefined;
    this.extractor = structured ? new AdviceExtractor(structured) : undefined;
    this.judge = structured ? new AdherenceJudge(structured) : undefined;
    this.timeZone = options.timeZone ?? "UTC";
    this.now = options.now ?? (() => new Date());
  }

  private today(): string {
    return dateOfDayNumber(todayIn(this.timeZone, this.now()));
  }

  /** Adherence first (it is about earlier advice), then the answer's new advice. */
  async learn(turn: AdviceTurn): Promise<{ adherence: Intervention[]; recorded: Intervention[] }> {
    const adherence = await this.adherence(turn);
    const recorded = await this.advice(turn);
    return { adherence, recorded };
  }

  /** Records a piece of advice with its baseline from the user's data (the record_advice tool uses this too). */
  async record(turn: Pick<AdviceTurn, "userId" | "sessionId">, advice: AdviceCandidate, source: "tool" | "extraction"): Promise<Intervention> {
    const date = this.today();
    const baseline = await this.averages.baseline(turn.userId, advice.metric, date);
    return this.options.interventions.record(turn.userId, {
      sessionId: turn.sessionId,
      suggestion: advice.suggestion,
      metric: advice.metric,
      direction: advice.direction,
      ...(baseline ? { baseline } : {}),
      date,
      source,
    });
  }

  private async advice(turn: AdviceTurn): Promise<Intervention[]> {
    if (turn.tools.includes(RECORD_ADVICE_TOOL) || turn.answer.trim() === "") return [];
    const candidates = await this.candidates(turn);
    const recorded: Intervention[] = [];
    for (const candidate of candidates) recorded.push(await this.record(turn, candidate, "extraction"));
    return recorded;
  }

  private async candidates(turn: AdviceTurn): Promise<AdviceCandidate[]> {
    const rules = findAdvice(turn.answer);
    if (!this.extractor || !mayHoldAdvice(turn.answer)) return rules;
    let items: AdviceCandidate[];
    try {
      items = await this.extractor.extract(turn.answer);
    } catch {
      return rules;
    }
    const manifest = await this.options.store.manifest(turn.userId);
    const named = items.flatMap((item) => {
      let metric: string | undefined;
      try {
        metric = adviceMetric(item.metric, manifest);
      } catch {
        metric = metricOfText(item.suggestion);
      }
      return metric ? [{ ...item, metric }] : [];
    });
    return named.length > 0 ? named : rules;
  }

  private async adherence(turn: AdviceTurn): Promise<Intervention[]> {
    if (!mentionsAdvice(turn.query) && !readAdherence(turn.query)) return [];
    const since = dateOfDayNumber(todayIn(this.timeZone, this.now()) - RECENT_DAYS);
    const recent = (await this.options.interventions.list(turn.userId)).filter((each) => each.date >= since);
    if (recent.length === 0) return [];
    const at = this.now().toISOString();
    const quote = turn.query.trim().slice(0, 200);
    const base = { quote, sessionId: turn.sessionId, at };
    const judged = await this.judged(turn.query, recent);
    const updates: [Intervention, Adherence][] = judged
      .map((item) => [recent.find((each) => each.id === item.intervention_id) as Intervention, { ...base, followed: item.followed, helped: item.helped, source: "model" as const }] as [Intervention, Adherence])
      .filter(([, adherence]) => adherence.followed !== "unknown" || adherence.helped !== "unknown");
    if (updates.length === 0) {
      const reading = readAdherence(turn.query);
      if (!reading) return [];
      updates.push([await this.target(turn, recent), { ...base, ...reading, source: "rules" }]);
    }
    const written: Intervention[] = [];
    for (const [intervention, adherence] of updates) {
      if (await this.options.interventions.recordAdherence(turn.userId, intervention.id, adherence)) written.push({ ...intervention, adherence });
    }
    return written;
  }

  private async judged(message: string, recent: readonly Intervention[]) {
    if (!this.judge) return [];
    try {
      return await this.judge.judge(message, recent);
    } catch {
      return [];
    }
  }

  /** The advice a message is about: the recent one it resembles most, else the newest. */
  private async target(turn: AdviceTurn, recent: readonly Intervention[]): Promise<Intervention> {
    const ids = new Set(recent.map((each) => each.id));
    const similar = await this.options.interventions.search(turn.userId, turn.query, { k: 5 });
    const match = similar.find((each) => ids.has(each.id) && (each.similarity ?? 0) >= TARGET_SIMILARITY);
    return recent.find((each) => each.id === match?.id) ?? (recent[0] as Intervention);
  }
}
