import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import { z } from "zod";

/** What the user stated about themselves in one message. */
export const StatedFacts = z.object({
  items: z
    .array(
      z.object({
        type: z.enum(["goal", "preference"]).describe("goal: a target the user set; preference: how they like things"),
        description: z.string().describe("The goal or preference in the user's words"),
        metric: z.string().optional().describe("For a measurable goal: the metric, e.g. StepCount"),
        value: z.number().optional().describe("For a measurable goal: the target value"),
        unit: z.string().optional().describe("For a measurable goal: the unit"),
        target_date: z.string().optional().describe("For a goal with a deadline: YYYY-MM-DD"),
      }),
    )
    .describe("Goals and preferences the user stated; empty if none"),
});
export type StatedFact = z.infer<typeof StatedFacts>["items"][number];

const EXTRACT_PROMPT =
  "List the goals and preferences the user states about themselves in this message. A goal is a target they set (\"my goal is 10k steps\", \"I want to sleep 8 hours a night\"). A question is not a goal: \"I want to know how I slept\" states nothing. Return an empty list when nothing is stated.";

/** A sentence that asks about the data rather than telling anything: a question, or a request such as "Compare my steps". */
const ASKS = /^(?:how|what|when|where|which|who|whom|whose|why|did|do|does|is|are|was|were|am|can|could|will|would|should|shall|has|have|had|may|might|show|compare|tell|list|give|summari[sz]e|plot|chart|find|check|explain|describe|any|i wonder|i (?:want|wanna|would like|'d like) to (?:know|see|check|find|understand|learn))\b|\?$/iu;

/** What states a goal or preference even inside a question ("Can you always use kilometres?", "I want to sleep 8 hours, how?"). */
const STATES =
  /\b(?:goals?|targets?|aim(?:ing)?|prefer(?:ence|s|red)?|rather|trying to|plan(?:ning)? to|(?:want|wanna|would like|'d like) to (?!know|see|check|find|understand|learn)|always|never|call me|remind me|from now on|i (?:like|love|hate|dislike|enjoy)|i'?m (?:a|an|vegan|vegetarian|training|pregnant)|i am (?:a|an|vegan|vegetarian|training|pregnant))\b/iu;

/**
 * Whether a message may state a goal or preference: false only when every sentence of it asks
 * about the data and nothing in it sounds like a goal or preference. Most turns are questions,
 * so the extractor skips them without a model call (with a local 7B model, a second model call
 * per turn); anything else still goes to the model.
 */
export function mayStateFacts(message: string): boolean {
  if (STATES.test(message)) return true;
  const sentences = message
    .split(/(?<=[.!?])\s+|\n+/u)
    .map((sentence) => sentence.trim())
    .filter((sentence) => sentence !== "");
  return sentences.some((sentence) => !ASKS.test(sentence));
}

/**
 * Asks the chat model, with structured output, which goals and preferences a message states.
 * Runs after the turn (in the learning worker or a background task), never before the answer,
 * and only for messages that {@link mayStateFacts}.
 *
 * @example
 * ```ts
 * const extractor = new StatedFactsExtractor(chatModel);
 * await extractor.extract("My goal is 10000 steps a day"); // [{ type: "goal", metric: "StepCount", value: 10000, ... }]
 * ```
 */
export class StatedFactsExtractor {
  private readonly runnable;

  constructor(model: BaseChatModel) {
    this.runnable = model.withStructuredOutput(StatedFacts, { name: "stated_facts" });
  }

  async extract(message: string): Promise<StatedFact[]> {
    if (!mayStateFacts(message)) return [];
    return StatedFacts.parse(await this.runnable.invoke([new SystemMessage(EXTRACT_PROMPT), new HumanMessage(message)])).items;
  }
}
