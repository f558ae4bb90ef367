import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { isAIMessage, SystemMessage, HumanMessage } from "@langchain/core/messages";
import { z } from "zod";
import type { Logger } from "../../logger.js";
import type { LearningQueue } from "../../learning/queue.js";
import type { Memory } from "../../memory/index.js";
import type { AgentStateType, AgentUpdate } from "../state.js";
import { lastHumanText } from "./turn.js";

/** What the user stated about themselves in one message. */
export const StatedFacts = z.object({
  items: z
    .array(
      z.object({
        type: z.enum(["goal", "preference"]).describe("goal: a target the user set; preference: how they like things"),
        description: z.string().describe("The goal or preference in the user's words"),
        metric: z.string().optional().describe("For a measurable goal: the metric, e.g. StepCount"),
        value: z.number().optional().describe("For a measurable goal: the target value"),
        unit: z.string().optional().describe("For a measurable goal: the unit"),
        target_date: z.string().optional().describe("For a goal with a deadline: YYYY-MM-DD"),
      }),
    )
    .describe("Goals and preferences the user stated; empty if none"),
});

const EXTRACT_PROMPT =
  "List the goals and preferences the user states about themselves in this message. A goal is a target they set (\"my goal is 10k steps\", \"I want to sleep 8 hours a night\"). A question is not a goal: \"I want to know how I slept\" states nothing. Return an empty list when nothing is stated.";

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
 * record: remembers how this turn went (its tool sequence, latency and score, in procedural
 * memory, or only appended to the learning stream when a queue is given, so the turn does not
 * wait for the memory write) and what the user stated about their goals and preferences
 * (episodic memory, via the model's structured output). Both are best effort: a failure is
 * logged, the turn still succeeds.
 */
export function recordNode(memory: Memory, model: BaseChatModel, log: Logger, queue?: LearningQueue) {
  return async (state: AgentStateType): Promise<AgentUpdate> => {
    const query = lastHumanText(state.messages);
    const latencyMs = Math.max(0, Date.now() - state.turnStartedAt);
    const tools = state.turnToolCalls.map((call) => call.name);
    const success = turnScore(state);
    const procedural = async () => {
      if (tools.length === 0) return;
      if (queue) {
        await queue.enqueue({ timestamp: Date.now(), sessionId: state.sessionId, userId: state.userId, query, tools, success, durationMs: latencyMs });
      } else {
        await memory.procedural.record(state.userId, { query, tools, latencyMs, success });
      }
    };
    const episodic = async () => {
      if (query.trim() === "" || !model.withStructuredOutput) return;
      const extractor = model.withStructuredOutput(StatedFacts, { name: "stated_facts" });
      // "nostream": the extraction is bookkeeping, not part of the answer a client streams.
      const stated = StatedFacts.parse(await extractor.invoke([new SystemMessage(EXTRACT_PROMPT), new HumanMessage(query)], { tags: ["nostream"] }));
      for (const item of stated.items) {
        if (item.type === "goal" && item.metric && item.value !== undefined && item.unit) {
          await memory.episodic.setGoal(state.userId, {
            metric: item.metric,
            value: item.value,
            unit: item.unit,
            description: item.description,
            ...(item.target_date ? { targetDate: item.target_date } : {}),
          });
        } else {
          await memory.episodic.store(state.userId, { type: item.type, description: item.description, context: `said in session ${state.sessionId}` });
        }
      }
    };
    const results = await Promise.allSettled([procedural(), episodic()]);
    for (const outcome of results) {
      if (outcome.status === "rejected") log.warn(`record: ${(outcome.reason as Error).message}`);
    }
    return {};
  };
}
