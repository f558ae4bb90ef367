import { Annotation, MessagesAnnotation } from "@langchain/langgraph";
import type { FaithfulnessResult } from "./faithfulness/index.js";

/** One tool call of the current turn, for the procedural record. */
export interface TurnToolCall {
  name: string;
  /** The tool answered with an error message instead of data. */
  failed: boolean;
}

/**
 * The stateful agent's state: the conversation (checkpointed per session) plus what one turn
 * needs. Turn fields are reset when a turn starts, so a turn's record covers that turn only.
 */
export const AgentState = Annotation.Root({
  ...MessagesAnnotation.spec,
  userId: Annotation<string>({ reducer: (_, next) => next, default: () => "" }),
  sessionId: Annotation<string>({ reducer: (_, next) => next, default: () => "" }),
  /** Memory context for the system prompt, built by retrieve_memory. */
  memoryContext: Annotation<string>({ reducer: (_, next) => next, default: () => "" }),
  /** A tool plan from procedural memory, if a similar question went well before. */
  suggestedPlan: Annotation<string>({ reducer: (_, next) => next, default: () => "" }),
  /** Tool calls made in this turn. */
  turnToolCalls: Annotation<TurnToolCall[]>({ reducer: (current, next) => (next.length === 0 ? [] : [...current, ...next]), default: () => [] }),
  /** Tool rounds (model replies with tool calls) in this turn. */
  toolRounds: Annotation<number>({ reducer: (_, next) => next, default: () => 0 }),
  turnStartedAt: Annotation<number>({ reducer: (_, next) => next, default: () => 0 }),
  /** The numeric check of this turn's answer, set by check_answer. */
  faithfulness: Annotation<FaithfulnessResult | null>({ reducer: (_, next) => next, default: () => null }),
});

export type AgentStateType = typeof AgentState.State;
export type AgentUpdate = typeof AgentState.Update;
