import { isToolMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import type { AgentStateType, AgentUpdate } from "../state.js";

/** A tool answered with an error (ours return {"error": ...}; ToolNode marks thrown ones). */
function failed(content: unknown, status: string | undefined): boolean {
  return status === "error" || (typeof content === "string" && content.startsWith('{"error"'));
}

/**
 * tools: runs the model's tool calls (a failing tool becomes a tool message the model reads,
 * never an exception) and notes each call for this turn's procedural record.
 */
export function toolsNode(tools: readonly StructuredToolInterface[]) {
  const node = new ToolNode([...tools], { handleToolErrors: true });
  return async (state: AgentStateType, config: RunnableConfig): Promise<AgentUpdate> => {
    const output = (await node.invoke(state, config)) as { messages: AgentStateType["messages"] };
    const calls = output.messages.filter((message) => isToolMessage(message));
    return {
      messages: output.messages,
      turnToolCalls: calls.map((message) => ({
        name: isToolMessage(message) ? (message.name ?? "unknown") : "unknown",
        failed: isToolMessage(message) ? failed(message.content, message.status) : true,
      })),
    };
  };
}
