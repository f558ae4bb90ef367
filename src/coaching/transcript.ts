import { isBaseMessage, type BaseMessage } from "@langchain/core/messages";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";

/**
 * A session's messages as its latest checkpoint holds them (thread_id = session id, root
 * namespace): what a reflection reads. A session with no checkpoint has no messages.
 *
 * @example
 * ```ts
 * const transcript = checkpointTranscript(checkpointer);
 * await transcript("session-42"); // [HumanMessage, AIMessage, ...]
 * ```
 */
export function checkpointTranscript(saver: BaseCheckpointSaver): (sessionId: string) => Promise<BaseMessage[]> {
  return async (sessionId) => {
    const tuple = await saver.getTuple({ configurable: { thread_id: sessionId, checkpoint_ns: "" } });
    const messages: unknown = tuple?.checkpoint.channel_values.messages;
    return Array.isArray(messages) ? messages.filter((message): message is BaseMessage => isBaseMessage(message)) : [];
  };
}
