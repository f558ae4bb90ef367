import type { BaseMessage } from "@langchain/core/messages";
import { MessagesZodState, type Messages } from "@langchain/langgraph";
import { z } from "zod";

/**
 * The conversation with LangGraph's messages reducer (Studio shows it as a chat). Its static type
 * is restated as a plain zod object, so the graphs' published declarations do not name LangGraph's
 * internal zod metadata types (which `tsc` cannot emit portably).
 */
const messagesOnly = MessagesZodState as unknown as z.ZodObject<{ messages: z.ZodType<BaseMessage[], Messages> }>;

/**
 * What the graphs show to callers and to LangGraph Studio: input and output are the conversation
 * only (the turn's bookkeeping fields stay internal), and the configuration names the user, whose
 * default is DEFAULT_USER_ID. The schemas are descriptive; who a run acts for is still decided by
 * the host (an authenticated caller on the server, `configurable.userId` or the default elsewhere).
 *
 * @example
 * ```ts
 * new StateGraph(AgentState, graphSchemas("default"));
 * ```
 */
export function graphSchemas(defaultUserId = "default") {
  return {
    input: messagesOnly,
    output: messagesOnly,
    context: z.object({
      userId: z
        .string()
        .min(1)
        .default(defaultUserId)
        .describe("The user whose health data and memories the agent reads (DEFAULT_USER_ID when left out)"),
    }),
  };
}
