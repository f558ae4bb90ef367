import type { BaseMessage } from "@langchain/core/messages";

/** A message's size in approximate tokens: 4 characters of its JSON content each, plus 4 for the message itself. */
export function approximateTokens(message: BaseMessage): number {
  return Math.ceil(JSON.stringify(message.content).length / 4) + 4;
}

/**
 * The newest messages that fit `budget` approximate tokens, starting at a human message, so an
 * AI message's tool calls are never separated from their tool results. It keeps what
 * LangChain's `trimMessages` keeps with `strategy: "last"` and `startOn: "human"`, and returns
 * the conversation's own message objects. `trimMessages` counts the whole remaining list once
 * for every message it drops, and copies every message. On a long thread that was quadratic in
 * its length, on every model call. This walks back from the newest message and stops at the
 * budget, so its cost is bounded by the budget, not by the thread.
 *
 * @example
 * ```ts
 * const history = recentHistory(state.messages, 6_000); // what the model is given of the thread
 * ```
 */
export function recentHistory(messages: readonly BaseMessage[], budget: number, count: (message: BaseMessage) => number = approximateTokens): BaseMessage[] {
  let start = messages.length;
  let total = 0;
  while (start > 0) {
    const tokens = count(messages[start - 1] as BaseMessage);
    if (total + tokens > budget) break;
    total += tokens;
    start -= 1;
  }
  while (start < messages.length && (messages[start] as BaseMessage).getType() !== "human") start += 1;
  return messages.slice(start);
}
