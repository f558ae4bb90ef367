import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, HumanMessage, isAIMessage, isHumanMessage, isToolMessage, SystemMessage, type BaseMessage } from "@langchain/core/messages";
import { checkNumbers, markUnsupported, type FaithfulnessResult } from "../faithfulness/index.js";
import { callModel } from "../model.js";
import { systemPrompt } from "../prompts.js";
import type { AgentStateType, AgentUpdate } from "../state.js";
import { resolvePeriod } from "../time-range.js";
import { lastHumanText } from "./turn.js";

export interface CheckAnswerOptions {
  /** The chat model, asked once more (without tools) when the answer states unsupported numbers. */
  model: BaseChatModel;
  timeZone: string;
  now?: () => Date;
}

function textOf(message: BaseMessage): string {
  return typeof message.content === "string"
    ? message.content
    : message.content.map((part) => ("text" in part && typeof part.text === "string" ? part.text : "")).join("");
}

/** How the correction note begins (a scripted model recognises it by this). */
export const CORRECTION_NOTE_START = "Your answer states numbers that this turn's tool results and what you remember do not support:";

/** What the model is told when its answer states numbers the turn's sources do not support. */
export function correctionNote(unsupported: readonly string[]): string {
  return [
    `${CORRECTION_NOTE_START} ${unsupported.map((each) => `"${each}"`).join(", ")}.`,
    "Rewrite the whole answer for the user. Use only numbers that appear in the tool results above, or that you compute from them (say how, e.g. a difference or an average); leave out anything you cannot support.",
  ].join(" ");
}

/** This turn's messages: from the newest human message to the end. */
function thisTurn(messages: readonly BaseMessage[]): BaseMessage[] {
  const start = messages.findLastIndex((message) => isHumanMessage(message));
  return messages.slice(Math.max(0, start));
}

/** The answer (same id, so it replaces the draft) with the check on its response_metadata and, when rewritten, its new text. */
function withCheck(answer: AIMessage, faithfulness: FaithfulnessResult, content?: string): AIMessage {
  return new AIMessage({
    content: content ?? answer.content,
    ...(answer.id ? { id: answer.id } : {}),
    ...(answer.name ? { name: answer.name } : {}),
    ...(content === undefined && answer.usage_metadata ? { usage_metadata: answer.usage_metadata } : {}),
    additional_kwargs: answer.additional_kwargs,
    response_metadata: { ...answer.response_metadata, faithfulness },
  });
}

/**
 * check_answer: checks every number the agent's final answer states against this turn's tool
 * results, its memory context, the question and today's date (see src/agent/faithfulness). When
 * all are supported it adds no model call. Otherwise the model is asked once, without tools, to
 * rewrite the answer with a note naming the unsupported numbers; the rewrite replaces the answer
 * when it is fully supported ("corrected"), else (also when that call fails: the turn still ends
 * with an answer) the answer is sent with the remaining numbers marked "[unverified]" ("flagged").
 * The result goes to state.faithfulness and onto the answer's response_metadata, so every stored
 * turn keeps its own check.
 */
export function checkAnswerNode(options: CheckAnswerOptions) {
  return async (state: AgentStateType): Promise<AgentUpdate> => {
    const answer = state.messages.at(-1);
    if (!answer || !isAIMessage(answer)) return { faithfulness: { status: "supported", checked: 0, unsupported: [], flagged: [] } };
    const turn = thisTurn(state.messages);
    const today = resolvePeriod("today", { timeZone: options.timeZone, ...(options.now ? { now: options.now() } : {}) }).from;
    const sources = {
      toolResults: turn.filter((message) => isToolMessage(message)).map(textOf),
      memoryContext: state.memoryContext,
      question: lastHumanText(state.messages),
      today,
    };
    const draft = textOf(answer);
    const first = checkNumbers(draft, sources);
    if (first.unsupported.length === 0) {
      const faithfulness: FaithfulnessResult = { status: "supported", checked: first.stated.length, unsupported: [], flagged: [] };
      return { ...(answer.id ? { messages: [withCheck(answer, faithfulness)] } : {}), faithfulness };
    }
    const unsupported = first.unsupported.map((each) => each.text);
    const system = new SystemMessage(systemPrompt({ timeZone: options.timeZone, today, memoryContext: state.memoryContext, suggestedPlan: "", tools: false }));
    const revised = await callModel(options.model, [system, ...turn, new HumanMessage(correctionNote(unsupported))], undefined).then(
      (reply) => textOf(reply).trim(),
      () => "",
    );
    const second = revised ? checkNumbers(revised, sources) : first;
    const faithfulness: FaithfulnessResult =
      revised && second.unsupported.length === 0
        ? { status: "corrected", checked: second.stated.length, unsupported, flagged: [] }
        : { status: "flagged", checked: second.stated.length, unsupported, flagged: second.unsupported.map((each) => each.text) };
    const content = faithfulness.status === "corrected" ? revised : markUnsupported(revised || draft, second.unsupported);
    return { messages: [withCheck(answer, faithfulness, content)], faithfulness };
  };
}
