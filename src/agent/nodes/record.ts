import { isAIMessage } from "@langchain/core/messages";
import type { ChainValues } from "@langchain/core/utils/types";
import type { LearningEntry } from "../../learning/queue.js";
import type { AgentStateType } from "../state.js";
import { lastHumanText } from "./turn.js";

/** How well the turn went, 0..1: failed tool calls, an empty answer and a slow turn cost points. */
export function turnScore(state: Pick<AgentStateType, "turnToolCalls" | "messages" | "turnStartedAt">, now = Date.now()): number {
  const calls = state.turnToolCalls;
  const failures = calls.filter((call) => call.failed).length;
  const last = state.messages.at(-1);
  const answer = last && isAIMessage(last) && typeof last.content === "string" ? last.content.trim() : "";
  let score = 1;
  if (calls.length > 0) score -= 0.5 * (failures / calls.length);
  if (answer === "") score -= 0.5;
  if (now - state.turnStartedAt > 30_000) score -= 0.1;
  return Math.max(0, Math.min(1, Math.round(score * 1000) / 1000));
}

/**
 * What a finished turn of the stateful graph teaches, from its final state (undefined if it is
 * not one), for `userId`: the run's user, never the state's, which a client can write.
 */
export function completedTurn(values: ChainValues, userId: string, now = Date.now()): LearningEntry | undefined {
  const state = values as Partial<AgentStateType>;
  if (!Array.isArray(state.messages) || userId === "" || !state.turnStartedAt) return undefined;
  const full = { messages: state.messages, turnToolCalls: state.turnToolCalls ?? [], turnStartedAt: state.turnStartedAt };
  const last = full.messages.at(-1);
  const answer = last && isAIMessage(last) && typeof last.content === "string" ? last.content : "";
  return {
    timestamp: now,
    sessionId: state.sessionId ?? "",
    userId,
    query: lastHumanText(full.messages),
    tools: full.turnToolCalls.map((call) => call.name),
    success: turnScore(full, now),
    durationMs: Math.max(0, now - full.turnStartedAt),
    ...(answer ? { answer } : {}),
  };
}
