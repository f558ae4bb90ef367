import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, AIMessageChunk, isHumanMessage, isToolMessage, type BaseMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
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

/** The structured output the record node asks for (goals and preferences stated): none. */
const STATED_FACTS = "stated_facts";

/**
 * The scripted evaluation model as a LangChain chat model: {@link replayResponder} behind
 * `bindTools`, and an empty list of stated goals when the record node asks for structured output.
 * `npm run eval -- --model replay` runs the set with it, to check the harness and to measure the
 * graphs' own time without a language model.
 *
 * @example
 * ```ts
 * const model = new ReplayChatModel(cases, { inventEvery: 8 });
 * const graphs = await buildEvalGraphs({ ...options, model });
 * ```
 */
export class ReplayChatModel extends BaseChatModel {
  private readonly respond: (messages: readonly BaseMessage[]) => AIMessage;
  private tools: string[] = [];

  constructor(cases: readonly EvalCase[], options: ReplayOptions = {}, respond?: (messages: readonly BaseMessage[]) => AIMessage) {
    super({});
    this.respond = respond ?? replayResponder(cases, options);
  }

  _llmType(): string {
    return "replay";
  }

  override bindTools(tools: { name?: string; function?: { name?: string } }[]): ReplayChatModel {
    const bound = new ReplayChatModel([], {}, this.respond);
    bound.tools = tools.map((each) => each.name ?? each.function?.name ?? "");
    return bound;
  }

  _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const reply =
      this.tools.length === 1 && this.tools[0] === STATED_FACTS
        ? new AIMessage({ content: "", tool_calls: [{ id: "call_stated_facts", name: STATED_FACTS, args: { items: [] }, type: "tool_call" }] })
        : this.respond(messages);
    const text = typeof reply.content === "string" ? reply.content : "";
    return Promise.resolve({ generations: [{ text, message: new AIMessageChunk({ content: reply.content, tool_calls: reply.tool_calls ?? [] }) }] });
  }
}
