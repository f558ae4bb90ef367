import type { CallbackManagerForLLMRun } from "@langchain/core/callbacks/manager";
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, AIMessageChunk, isHumanMessage, type BaseMessage } from "@langchain/core/messages";
import { ChatGenerationChunk, type ChatResult } from "@langchain/core/outputs";

/** The name the agent's goal extractor gives its structured output (see src/agent/nodes/record.ts). */
const STRUCTURED_OUTPUT_TOOL = "stated_facts";

export type Respond = (messages: BaseMessage[]) => AIMessage;
export type Extract = (text: string) => unknown;

/**
 * A scripted chat model (no weights can be downloaded here) that streams its text word by word,
 * with a pause between words, so a browser can watch an answer arrive token by token. Tool calls
 * come as one chunk; structured output (the goal extractor) comes from `extract`.
 */
export class StreamingScriptedModel extends BaseChatModel {
  private boundTools: string[] = [];

  constructor(
    private readonly respond: Respond,
    private readonly extract: Extract,
    private readonly pauseMs = 40,
  ) {
    super({});
  }

  _llmType(): string {
    return "scripted-streaming";
  }

  override bindTools(tools: { name?: string; function?: { name?: string } }[]): StreamingScriptedModel {
    const bound = new StreamingScriptedModel(this.respond, this.extract, this.pauseMs);
    bound.boundTools = tools.map((each) => each.name ?? each.function?.name ?? "unknown");
    return bound;
  }

  private reply(messages: BaseMessage[]): AIMessage {
    if (this.boundTools.length === 1 && this.boundTools[0] === STRUCTURED_OUTPUT_TOOL) {
      const human = [...messages].reverse().find((message) => isHumanMessage(message));
      const args = this.extract(typeof human?.content === "string" ? human.content : "") as Record<string, unknown>;
      return new AIMessage({ content: "", tool_calls: [{ id: `call_${STRUCTURED_OUTPUT_TOOL}`, name: STRUCTURED_OUTPUT_TOOL, args, type: "tool_call" }] });
    }
    return this.respond(messages);
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const message = this.reply(messages);
    const chunk = new AIMessageChunk({ content: message.content, tool_calls: message.tool_calls ?? [] });
    return Promise.resolve({ generations: [{ text: typeof message.content === "string" ? message.content : "", message: chunk }] });
  }

  override async *_streamResponseChunks(messages: BaseMessage[], _options: this["ParsedCallOptions"], runManager?: CallbackManagerForLLMRun): AsyncGenerator<ChatGenerationChunk> {
    const message = this.reply(messages);
    if ((message.tool_calls ?? []).length > 0) {
      const chunk = new AIMessageChunk({
        content: "",
        tool_call_chunks: (message.tool_calls ?? []).map((call, index) => ({ id: call.id, name: call.name, args: JSON.stringify(call.args), index, type: "tool_call_chunk" as const })),
      });
      yield new ChatGenerationChunk({ text: "", message: chunk });
      return;
    }
    const text = typeof message.content === "string" ? message.content : "";
    const words = text.split(/(?<= )/u);
    for (const word of words) {
      await new Promise((resolve) => setTimeout(resolve, this.pauseMs));
      const generation = new ChatGenerationChunk({ text: word, message: new AIMessageChunk({ content: word }) });
      yield generation;
      await runManager?.handleLLMNewToken(word, undefined, undefined, undefined, undefined, { chunk: generation });
    }
  }
}
