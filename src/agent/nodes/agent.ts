import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, HumanMessage, SystemMessage } from "@langchain/core/messages";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { recentHistory } from "../history.js";
import { callModel } from "../model.js";
import { ROUND_LIMIT_PROMPT, systemPrompt } from "../prompts.js";
import type { AgentStateType, AgentUpdate } from "../state.js";

export interface AgentNodeOptions {
  model: BaseChatModel;
  tools: readonly StructuredToolInterface[];
  timeZone: string;
  /** Model replies with tool calls allowed per turn; then it must answer. */
  maxToolRounds: number;
  /** History kept for the model, in approximate tokens (4 characters each). */
  historyTokenBudget: number;
  now?: () => Date;
}

/**
 * agent: the chat model with the tools bound, the memory context and plan in the system prompt,
 * and the history trimmed to the token budget. The trim always starts at a human message, so an
 * AI message's tool calls are never separated from their tool results. After `maxToolRounds`
 * tool rounds it is asked, without tools, for a final answer from what it has.
 */
export function agentNode(options: AgentNodeOptions) {
  // One formatter for the node's life: building an Intl.DateTimeFormat costs more than the rest of the prompt.
  const dayFormat = new Intl.DateTimeFormat("en-CA", { timeZone: options.timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
  return async (state: AgentStateType): Promise<AgentUpdate> => {
    const today = dayFormat.format(options.now ? options.now() : new Date());
    const limitReached = state.toolRounds >= options.maxToolRounds;
    const history = recentHistory(state.messages, options.historyTokenBudget);
    const system = new SystemMessage(
      systemPrompt({ timeZone: options.timeZone, today, memoryContext: state.memoryContext, suggestedPlan: state.suggestedPlan, tools: !limitReached }),
    );
    const messages = limitReached ? [system, ...history, new HumanMessage(ROUND_LIMIT_PROMPT)] : [system, ...history];
    const reply = await callModel(options.model, messages, limitReached ? undefined : options.tools);
    const calledTools = (reply.tool_calls?.length ?? 0) > 0;
    if (limitReached && calledTools) {
      const text = typeof reply.content === "string" ? reply.content : "";
      return { messages: [new AIMessage(text || "I could not finish checking everything for this question within my tool budget; please ask a narrower question.")] };
    }
    return { messages: [reply], toolRounds: calledTools ? state.toolRounds + 1 : state.toolRounds };
  };
}
