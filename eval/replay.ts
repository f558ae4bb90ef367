import { AIMessage, isHumanMessage, isToolMessage, type BaseMessage } from "@langchain/core/messages";
import { CORRECTION_NOTE_START } from "../src/agent/nodes/check-answer.js";
import type { EvalCase } from "./cases.js";

/** A number no source holds, put into some drafts so the faithfulness check has something to catch. */
export const INVENTED = "You also averaged 123,457 steps a day last year.";

function textOf(message: BaseMessage): string {
  return typeof message.content === "string" ? message.content : JSON.stringify(message.content);
}

/** "key: value" lines of a tool result, list positions left out (they are not numbers the data holds). */
function readBack(value: unknown, path: string, out: string[]): void {
  if (Array.isArray(value)) {
    for (const item of value) readBack(item, path, out);
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) readBack(item, path ? `${path} ${key}` : key, out);
  } else {
    out.push(`${path}: ${String(value)}`);
  }
}

function answerFrom(toolResults: readonly string[]): string {
  if (toolResults.length === 0) return "I cannot answer that from your health data: it does not hold it.";
  const lines: string[] = [];
  for (const result of toolResults) {
    try {
      readBack(JSON.parse(result) as unknown, "", lines);
    } catch {
      lines.push(result);
    }
  }
  return lines.join("\n");
}

export interface ReplayOptions {
  /** Every n-th question's first draft also states {@link INVENTED}; 0 never. */
  inventEvery?: number;
}

/**
 * The responder of the scripted evaluation model (wrap it in a chat model that emits what it
 * returns): for a question of the set it calls the reference tools, then answers by reading every
 * field of their results back, so tool selection and facts score as the reference does. Drafts of
 * every n-th question add an invented number, which the faithfulness check must catch and have
 * corrected. It measures the harness, never a language model.
 */
export function replayResponder(cases: readonly EvalCase[], options: ReplayOptions = {}) {
  const byQuestion = new Map(cases.map((evalCase, index) => [evalCase.question, { evalCase, index }]));
  let calls = 0;
  return (messages: readonly BaseMessage[]): AIMessage => {
    calls += 1;
    const last = messages.at(-1);
    const correcting = last !== undefined && isHumanMessage(last) && textOf(last).startsWith(CORRECTION_NOTE_START);
    const humans = messages.filter((message) => isHumanMessage(message) && !textOf(message).startsWith(CORRECTION_NOTE_START));
    const question = humans.at(-1);
    const found = question ? byQuestion.get(textOf(question)) : undefined;
    if (!found) return new AIMessage("I can only answer the evaluation's questions.");
    const start = messages.lastIndexOf(question as BaseMessage);
    const turn = messages.slice(start + 1);
    const results = turn.filter((message) => isToolMessage(message)).map(textOf);
    if (!correcting && results.length === 0 && found.evalCase.reference.length > 0) {
      return new AIMessage({
        content: "",
        tool_calls: found.evalCase.reference.map((call, index) => ({ id: `call_${calls}_${index}`, name: call.name, args: call.args, type: "tool_call" as const })),
      });
    }
    const answer = answerFrom(results);
    const invent = !correcting && options.inventEvery !== undefined && options.inventEvery > 0 && found.index % options.inventEvery === 0;
    return new AIMessage(invent ? `${INVENTED}\n${answer}` : answer);
  };
}
