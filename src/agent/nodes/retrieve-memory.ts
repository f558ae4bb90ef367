import type { CurrentUser } from "../caller.js";
import { RemoveMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import { describeOutcome } from "../../coaching/advice-summary.js";
import type { Logger } from "../../logger.js";
import type { UserContext } from "../../cache/user-context.js";
import type { Intervention, Memory } from "../../memory/index.js";
import type { AgentStateType, AgentUpdate } from "../state.js";
import { lastHumanText, unansweredMessageIds, userAndSession } from "./turn.js";

/** The user's current goals are always in context: there are few, and they frame every answer. */
const MAX_GOALS = 5;

/** Lookups that failed in one turn, by reason, so one cause (say a model switch) is one warning. */
type Failures = Map<string, string[]>;

/** Settles a memory lookup: on failure, nothing (and a note in `failures`), never a failed turn. */
async function orNothing<T>(what: string, failures: Failures, run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run();
  } catch (error) {
    const reason = (error as Error).message;
    failures.set(reason, [...(failures.get(reason) ?? []), what]);
    return undefined;
  }
}

function warnFailures(log: Logger, failures: Failures): void {
  for (const [reason, what] of failures) {
    log.warn(`retrieve_memory: ${what.join(", ")} unavailable (${reason}); continuing without ${what.length > 1 ? "them" : "it"}`);
  }
}

/** Past advice similar to the question, what helped first, so the model builds on it and does not repeat what did not. */
function pastAdvice(advice: readonly Intervention[]): string[] {
  if (advice.length === 0) return [];
  return ["- Advice you gave this user before (build on what helped; do not repeat what changed nothing or did not help):", ...advice.map((each) => `  - ${describeOutcome(each)}`)];
}

/**
 * retrieve_memory: the user's current goals, the preferences and events relevant to the question,
 * the latest relevant insights from past conversations, past advice with its outcome (what
 * worked first), general knowledge, and a tool plan from a similar past question (Memory.recall: the question
 * embedded once, every scope checked in one round trip), beside the cached context line. Starts
 * the turn's bookkeeping, and drops earlier turns that failed before an answer (see
 * unansweredMessageIds), so the history the model gets has no dangling question.
 */
export function retrieveMemoryNode(memory: Memory, log: Logger, userContext?: UserContext, currentUser?: CurrentUser) {
  return async (state: AgentStateType, config: RunnableConfig): Promise<AgentUpdate> => {
    const { userId, sessionId } = userAndSession(config, currentUser);
    const query = lastHumanText(state.messages);
    const failures = new Map<string, string[]>();
    const [about, recalled] = await Promise.all([
      userContext ? orNothing("user context", failures, () => userContext.contextLine(userId)) : Promise.resolve(undefined),
      orNothing("memory", failures, () => memory.recall(userId, query, { goals: MAX_GOALS })),
    ]);
    warnFailures(log, failures);
    const lines = [
      ...(about ? [`- ${about}`] : []),
      ...[...(recalled?.goals ?? []), ...(recalled?.episodic ?? [])].map((record) => `- (${record.type.replace("_", " ")}, ${record.timestamp.slice(0, 10)}) ${record.description}`),
      ...(recalled?.insights ?? []).map((insight) => `- (insight from a past conversation, ${insight.timestamp.slice(0, 10)}) ${insight.description}`),
      ...(recalled?.facts ?? []).map((fact) => `- (knowledge: ${fact.category}) ${fact.content}`),
      ...pastAdvice(recalled?.interventions ?? []),
    ];
    const plan = recalled?.plan;
    const failed = unansweredMessageIds(state.messages);
    return {
      ...(failed.length > 0 ? { messages: failed.map((id) => new RemoveMessage({ id })) } : {}),
      userId,
      sessionId,
      memoryContext: lines.join("\n"),
      suggestedPlan: plan ? `${plan.tools.join(" then ")} (confidence ${plan.confidence}, usually ${plan.typicalLatencyMs} ms)` : "",
      turnToolCalls: [],
      toolRounds: 0,
      turnStartedAt: Date.now(),
    };
  };
}
