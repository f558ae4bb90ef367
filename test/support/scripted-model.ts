import { BaseChatModel, type BaseChatModelParams } from "@langchain/core/language_models/chat_models";
import { AIMessage, AIMessageChunk, isHumanMessage, type BaseMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";

/** What the scripted model saw on each call: the messages and the tools bound to it. */
export interface ModelCall {
  messages: BaseMessage[];
  tools: string[];
}

/**
 * The names the extractors give their structured output: stated goals (src/learning/stated-facts.ts),
 * advice in an answer and adherence to advice (src/coaching/). Each answers `{ items: [] }` by default.
 */
const STRUCTURED_OUTPUT_TOOLS = new Set(["stated_facts", "advice_items", "adherence_judgement"]);

export type Respond = (call: ModelCall, index: number) => AIMessage;
/** Structured output for the last human message's text; `tool` says which extractor asks. */
export type Extract = (text: string, tool: string) => unknown;

/**
 * A chat model that follows a script instead of weights (none can be downloaded here): each
 * call's reply comes from `respond`, which can emit tool calls, and structured output (the
 * goal extractor, which LangChain runs as a forced tool call) from `extract`. It records every call so tests can check what the model saw.
 */
export class ScriptedChatModel extends BaseChatModel {
  readonly calls: ModelCall[] = [];
  private boundTools: string[] = [];

  constructor(
    private readonly respond: Respond,
    private readonly extract: Extract = () => ({ items: [] }),
    params: BaseChatModelParams = {},
  ) {
    super(params);
  }

  _llmType(): string {
    return "scripted";
  }

  override bindTools(tools: { name?: string; function?: { name?: string } }[]): ScriptedChatModel {
    const bound = new ScriptedChatModel(this.respond, this.extract, { callbacks: this.callbacks });
    bound.boundTools = tools.map((each) => each.name ?? each.function?.name ?? "unknown");
    Object.defineProperty(bound, "calls", { value: this.calls });
    return bound;
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const structured = this.boundTools.length === 1 ? this.boundTools[0] : undefined;
    if (structured !== undefined && STRUCTURED_OUTPUT_TOOLS.has(structured)) {
      const human = [...messages].reverse().find((message) => isHumanMessage(message));
      const args = this.extract(typeof human?.content === "string" ? human.content : "", structured) as Record<string, unknown>;
      return { generations: [{ text: "", message: asChunk(toolCall(structured, args)) }] };
    }
    const call = { messages, tools: this.boundTools };
    this.calls.push(call);
    const message = this.respond(call, this.calls.length - 1);
    return Promise.resolve({ generations: [{ text: typeof message.content === "string" ? message.content : "", message: asChunk(message) }] });
  }
}

/** Chat models in LangChain 1.x produce AIMessageChunks, and output parsers insist on them. */
function asChunk(message: AIMessage): AIMessageChunk {
  return new AIMessageChunk({ content: message.content, tool_calls: message.tool_calls ?? [] });
}

/** An AI message calling one tool. */
export function toolCall(name: string, args: Record<string, unknown>, id = `call_${name}_${Math.random().toString(36).slice(2, 8)}`): AIMessage {
  return new AIMessage({ content: "", tool_calls: [{ id, name, args, type: "tool_call" }] });
}
