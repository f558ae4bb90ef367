import { MessagesZodState } from "@langchain/langgraph";
import { z } from "zod";

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
    input: MessagesZodState,
    output: MessagesZodState,
    context: z.object({
      userId: z
        .string()
        .min(1)
        .default(defaultUserId)
        .describe("The user whose health data and memories the agent reads (DEFAULT_USER_ID when left out)"),
    }),
  };
}
