import { isAIMessage, isHumanMessage, type BaseMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import { validateId } from "../../redis/ids.js";
import { ToolContextError } from "../tools/context.js";
import { runUser, type CurrentUser } from "../caller.js";

/** The user (see {@link runUser}) and session (thread_id) a turn runs for. */
export function userAndSession(config: RunnableConfig | undefined, currentUser?: CurrentUser): { userId: string; sessionId: string } {
  const userId = runUser(config?.configurable, currentUser);
  if (userId === undefined) {
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

/**
 * Ids of the messages of earlier turns that never got an answer (the model failed mid-turn):
 * each such turn runs from its question to the next question without an AI reply that calls no
 * tool. The newest question (this turn's) is never included. Removing them leaves the thread as
 * it was before the failed turn, so a retry is one question, not two.
 */
export function unansweredMessageIds(messages: BaseMessage[]): string[] {
  const ids: string[] = [];
  let turn: BaseMessage[] = [];
  let answered = true;
  const close = () => {
    if (!answered) for (const message of turn) if (message.id) ids.push(message.id);
  };
  for (const message of messages) {
    if (isHumanMessage(message)) {
      close();
      turn = [message];
      answered = false;
    } else {
      turn.push(message);
      if (isAIMessage(message) && (message.tool_calls?.length ?? 0) === 0) answered = true;
    }
  }
  return ids;
}
