import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import { z } from "zod";
import { DIRECTIONS, type Direction } from "../memory/interventions.js";
import { defaultDirection, metricOfText } from "./metrics.js";

/** A concrete suggestion found in an answer, tied to the metric it should move. */
export interface AdviceCandidate {
  suggestion: string;
  /** A stored metric name (StepCount, SleepDuration, ...) or the model's name for it. */
  metric: string;
  direction: Direction;
}

/** Phrasings that make a sentence a suggestion to the user rather than a description. */
const SUGGESTS = new RegExp(
  [
    "^(?:try|aim|consider|add|go|get|walk|cut|reduce|increase|start|swap|take|schedule|keep|set|move|skip|avoid|limit|stop|shift|plan|make|put|turn|head|stand|switch)\\b",
    "\\b(?:try|aim for|aim to|consider|I(?:['’]d| would) suggest|I suggest|I recommend|I(?:['’]d| would) recommend|you (?:could|might|should|can) (?:try|aim|add|go|walk|cut|get|start|take|set|move)|you may want to|it may help to|it might help to|how about|a good (?:next )?step (?:is|would be))\\b",
  ].join("|"),
  "iu",
);

/** A concrete suggestion names an amount or a change: numbers, times, "earlier", "more", "fewer". */
const CONCRETE = /\d|\b(?:earlier|later|more|less|fewer|extra|each|every|daily|nightly|a day|a night|per day|per week|before bed|after (?:lunch|dinner)|half an hour|an hour|minutes?|hours?)\b/iu;

const MAX_PER_ANSWER = 3;

function sentences(text: string): string[] {
  return text
    .replace(/[*_`#>]+/gu, " ")
    .split(/(?<=[.!?])\s+|\n+|^\s*[-•]\s+/mu)
    .map((sentence) => sentence.replace(/^\s*(?:[-•]|\d+[.)])\s*/u, "").replace(/\s+/gu, " ").trim())
    .filter((sentence) => sentence.length >= 12 && sentence.length <= 300);
}

/**
 * Keyword rules for the concrete, metric-tied suggestions in an answer ("Try to walk 2,000 more
 * steps on weekdays.", "Go to bed 30 minutes earlier."): sentences that suggest, name an amount
 * or change, and name a metric; one per metric, at most three, questions left out.
 */
export function findAdvice(answer: string): AdviceCandidate[] {
  const found = new Map<string, AdviceCandidate>();
  for (const sentence of sentences(answer)) {
    if (found.size >= MAX_PER_ANSWER) break;
    if (sentence.endsWith("?") || !SUGGESTS.test(sentence) || !CONCRETE.test(sentence)) continue;
    const metric = metricOfText(sentence);
    if (!metric || found.has(metric)) continue;
    const direction = /\b(?:less|fewer|reduce|cut|lower|limit|drop|lose)\b/iu.test(sentence) && metric === "BodyMass" ? "decrease" : defaultDirection(metric);
    found.set(metric, { suggestion: sentence, metric, direction });
  }
  return [...found.values()];
}

/** Whether an answer holds anything that might be advice (cheap; gates the model's extraction). */
export function mayHoldAdvice(answer: string): boolean {
  return sentences(answer).some((sentence) => SUGGESTS.test(sentence) && CONCRETE.test(sentence));
}

/** The model's list of the suggestions in an answer. */
export const AdviceItems = z.object({
  items: z
    .array(
      z.object({
        suggestion: z.string().describe("The suggestion, in one sentence, as given to the user"),
        metric: z.string().describe("The health metric it should change, e.g. StepCount, SleepDuration, RestingHeartRate"),
        direction: z.enum(DIRECTIONS).optional().describe("Whether the suggestion aims to increase or decrease that metric"),
      }),
    )
    .describe("Concrete suggestions tied to a measurable metric; empty if the answer gives none"),
});

const EXTRACT_PROMPT =
  "List the concrete suggestions this assistant answer gives the user that are tied to a measurable health metric (\"walk 2,000 more steps on weekdays\" -> StepCount, \"go to bed 30 minutes earlier\" -> SleepDuration). General information, questions and descriptions of the user's data are not suggestions. Return an empty list when there are none.";

/**
 * Asks the chat model (structured output) for the metric-tied suggestions in an answer.
 *
 * @example
 * ```ts
 * const extractor = new AdviceExtractor(chatModel);
 * await extractor.extract("Try going to bed 30 minutes earlier."); // [{ suggestion, metric: "SleepDuration", direction: "increase" }]
 * ```
 */
export class AdviceExtractor {
  private readonly runnable;

  constructor(model: BaseChatModel) {
    this.runnable = model.withStructuredOutput(AdviceItems, { name: "advice_items" });
  }

  async extract(answer: string): Promise<AdviceCandidate[]> {
    const reply = AdviceItems.parse(await this.runnable.invoke([new SystemMessage(EXTRACT_PROMPT), new HumanMessage(answer)]));
    return reply.items
      .filter((item) => item.suggestion.trim() !== "" && item.metric.trim() !== "")
      .slice(0, MAX_PER_ANSWER)
      .map((item) => ({ suggestion: item.suggestion.trim(), metric: item.metric.trim(), direction: item.direction ?? defaultDirection(item.metric.trim()) }));
  }
}
