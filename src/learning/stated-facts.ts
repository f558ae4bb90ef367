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

/**
 * Asks the chat model, with structured output, which goals and preferences a message states.
 * Runs after the turn (in the learning worker or a background task), never before the answer.
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
    if (message.trim() === "") return [];
    return StatedFacts.parse(await this.runnable.invoke([new SystemMessage(EXTRACT_PROMPT), new HumanMessage(message)])).items;
  }
}
