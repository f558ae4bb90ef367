import { randomBytes } from "node:crypto";
import { HumanMessage, isAIMessage, isHumanMessage, type BaseMessage } from "@langchain/core/messages";
import type { FaithfulnessResult } from "../src/agent/faithfulness/index.js";
import { runTurn, type TurnStreamable } from "../src/agent/run-turn.js";
import { ModelUnavailableError } from "../src/errors.js";
import type { EvalCase, EvalCategory } from "./cases.js";
import { scoreAnswer } from "./score.js";

export type EvalMode = "stateful" | "stateless";

/** What the harness needs of a compiled graph: its stream of updates and values (see runTurn). */
export type EvalGraph = TurnStreamable;

/** One question answered by one graph. */
export interface QuestionResult {
  caseId: string;
  category: EvalCategory;
  mode: EvalMode;
  answer: string;
  toolsCalled: string[];
  toolsOk: boolean;
  factsFound: number;
  factsTotal: number;
  missing: string[];
  faithfulness: FaithfulnessResult | null;
  latencyMs: number;
  /** The turn failed (other than the model being unreachable, which stops the run). */
  error?: string;
}

export interface EvalRunOptions {
  cases: readonly EvalCase[];
  graphs: Partial<Record<EvalMode, EvalGraph>>;
  userId: string;
  /** Session ids are `<runId>-<mode>-<session>`, so every run starts fresh conversations. */
  runId?: string;
  /** Called after each question, for progress output. */
  onResult?: (result: QuestionResult) => void;
}

function textOf(message: BaseMessage | undefined): string {
  if (!message) return "";
  return typeof message.content === "string" ? message.content : message.content.map((part) => ("text" in part && typeof part.text === "string" ? part.text : "")).join("");
}

/** The tools the model called in the turn that ends the messages (after the newest human message). */
export function toolsOfTurn(messages: readonly BaseMessage[]): string[] {
  const start = messages.findLastIndex((message) => isHumanMessage(message));
  return messages.slice(start + 1).flatMap((message) => (isAIMessage(message) ? (message.tool_calls ?? []).map((call) => call.name) : []));
}

/**
 * Runs every question through each graph given (stateful first, in the cases' order, questions
 * of one session in one conversation) and scores each answer. A model that cannot be reached
 * stops the run at once with its typed error; any other failure is recorded for that question.
 */
export async function runEvaluation(options: EvalRunOptions): Promise<QuestionResult[]> {
  const runId = options.runId ?? `eval-${randomBytes(4).toString("hex")}`;
  const results: QuestionResult[] = [];
  for (const mode of ["stateful", "stateless"] as const) {
    const graph = options.graphs[mode];
    if (!graph) continue;
    for (const evalCase of options.cases) {
      const sessionId = `${runId}-${mode}-${evalCase.session ?? evalCase.id}`;
      const started = performance.now();
      let result: QuestionResult;
      try {
        const state = await runTurn(graph, { messages: [new HumanMessage(evalCase.question)] }, { thread_id: sessionId, userId: options.userId });
        const latencyMs = performance.now() - started;
        const answer = textOf(state.messages.at(-1));
        const toolsCalled = toolsOfTurn(state.messages);
        const score = scoreAnswer(evalCase, answer, toolsCalled);
        result = {
          caseId: evalCase.id,
          category: evalCase.category,
          mode,
          answer,
          toolsCalled,
          ...score,
          factsTotal: evalCase.facts.length,
          faithfulness: state.faithfulness,
          latencyMs,
        };
      } catch (error) {
        if (error instanceof ModelUnavailableError) throw error;
        result = {
          caseId: evalCase.id,
          category: evalCase.category,
          mode,
          answer: "",
          toolsCalled: [],
          toolsOk: false,
          factsFound: 0,
          factsTotal: evalCase.facts.length,
          missing: evalCase.facts.map((fact) => fact.label),
          faithfulness: null,
          latencyMs: performance.now() - started,
          error: (error as Error).message,
        };
      }
      results.push(result);
      options.onResult?.(result);
    }
  }
  return results;
}
