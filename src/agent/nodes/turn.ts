import { isHumanMessage, type BaseMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import { validateId } from "../../redis/ids.js";
import { ToolContextError } from "../tools/context.js";

/**
 * The user and session (thread_id) a turn runs for: configurable.userId, or the authenticated
 * caller of the request being served (the LangGraph API routes drop any configurable the client
 * sends, so the caller cannot be spoofed there).
 */
export function userAndSession(config: RunnableConfig | undefined, currentUser?: () => string | undefined): { userId: string; sessionId: string } {
  const userId: unknown = config?.configurable?.userId ?? currentUser?.();
  if (typeof userId !== "string") {
    throw new ToolContextError("Invoke the agent with { configurable: { userId, thread_id } }: the user id is missing.");
  }
  const sessionId: unknown = config?.configurable?.thread_id;
  return { userId: validateId("user id", userId), sessionId: typeof sessionId === "string" ? sessionId : "" };
}

/** The text of the newest human message: this turn's question. */
export function lastHumanText(messages: BaseMessage[]): string {
  const message = [...messages].reverse().find((each) => isHumanMessage(each));
  if (!message) return "";
  return typeof message.content === "string"
    ? message.content
    : message.content.map((part) => ("text" in part && typeof part.text === "string" ? part.text : "")).join(" ");
}
