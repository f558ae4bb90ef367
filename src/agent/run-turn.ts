import type { BaseMessage } from "@langchain/core/messages";
import type { FaithfulnessResult } from "./faithfulness/index.js";

/** What `runTurn` needs of a compiled graph: its stream of updates and values. */
export interface TurnStreamable {
  stream(input: { messages: BaseMessage[] }, options: { configurable: Record<string, string>; streamMode: ["updates", "values"] }): Promise<AsyncIterable<unknown>>;
}

/** One finished turn: the conversation after it, and the numeric check of its answer. */
export interface TurnResult {
  messages: BaseMessage[];
  faithfulness: FaithfulnessResult | null;
}

/**
 * Runs one turn of either graph and returns the conversation and the numeric check. The graphs
 * publish only the conversation as output, so the check is read from `check_answer`'s update.
 *
 * @example
 * ```ts
 * const { messages, faithfulness } = await runTurn(graph, { messages: [new HumanMessage("Steps last week?")] }, { thread_id: "s1", userId: "ann" });
 * ```
 */
export async function runTurn(graph: unknown, input: { messages: BaseMessage[] }, configurable: Record<string, string>): Promise<TurnResult> {
  let faithfulness: FaithfulnessResult | null = null;
  let messages: BaseMessage[] = [];
  for await (const chunk of await (graph as TurnStreamable).stream(input, { configurable, streamMode: ["updates", "values"] })) {
    const [mode, payload] = chunk as [string, unknown];
    if (mode === "updates") {
      const check = (payload as { check_answer?: { faithfulness?: FaithfulnessResult | null } }).check_answer;
      if (check?.faithfulness !== undefined) faithfulness = check.faithfulness;
    } else {
      messages = (payload as { messages: BaseMessage[] }).messages;
    }
  }
  return { messages, faithfulness };
}
