import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
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

/**
 * Hands a finished turn to `onTurnEnd` once the whole run has ended: the final checkpoint is
 * saved and the answer streamed, so learning from the turn (procedural memory, analytics, stated
 * goals) never delays it. Only the outermost run of the graph counts; a failed run records nothing.
 */
export class TurnEndHandler extends BaseCallbackHandler {
  name = "turn_end";
  override awaitHandlers = true;
  /** The full state the last node of each running turn started from, by the turn's (root) run id. */
  private readonly finalStates = new Map<string, ChainValues>();
  /** The user each running turn acts for, as its last node reported it, by the turn's run id. */
  private readonly users = new Map<string, string>();
  /** Runs of the last node still going, with the turn each belongs to. */
  private readonly lastNodeRuns = new Map<string, string>();

  /**
   * @param lastNode The node every answered turn ends with; its input is the turn's final state
   *   (the graph's own output holds only what its output schema publishes).
   */
  constructor(
    private readonly onTurnEnd: (turn: LearningEntry) => void,
    private readonly lastNode = "check_answer",
  ) {
    super();
  }

  override handleChainStart(
    _chain: unknown,
    inputs: ChainValues,
    runId: string,
    parentRunId?: string,
    _tags?: string[],
    _metadata?: Record<string, unknown>,
    _runType?: string,
    runName?: string,
  ): void {
    if (parentRunId === undefined || runName !== this.lastNode) return;
    this.finalStates.set(parentRunId, inputs);
    this.lastNodeRuns.set(runId, parentRunId);
  }

  override handleChainEnd(outputs: ChainValues, runId: string, parentRunId?: string): void {
    if (parentRunId !== undefined) {
      const turn = this.lastNodeRuns.get(runId);
      this.lastNodeRuns.delete(runId);
      // The last node reports the user it resolved from the run's configuration (see TurnUser).
      const user = (outputs as { userId?: unknown }).userId;
      if (turn !== undefined && typeof user === "string") this.users.set(turn, user);
      return;
    }
    const state = this.finalStates.get(runId);
    const user = this.users.get(runId);
    this.finalStates.delete(runId);
    this.users.delete(runId);
    const turn = state && user !== undefined ? completedTurn(state, user) : undefined;
    if (turn) this.onTurnEnd(turn);
  }

  override handleChainError(_error: unknown, runId: string, parentRunId?: string): void {
    this.lastNodeRuns.delete(runId);
    if (parentRunId !== undefined) return;
    this.finalStates.delete(runId);
    this.users.delete(runId);
  }
}
