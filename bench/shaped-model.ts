import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessageChunk, isHumanMessage, isToolMessage, type BaseMessage } from "@langchain/core/messages";
import type { CallbackManagerForLLMRun } from "@langchain/core/callbacks/manager";
import { ChatGenerationChunk, type ChatResult } from "@langchain/core/outputs";

/** How the stand-in model is shaped: time to its first chunk, time per further chunk, answer length. */
export interface ModelShape {
  firstChunkMs: number;
  chunkMs: number;
  answerChunks: number;
}

/** The benchmark's questions and the tool call a real model would make for each. */
export const QUESTIONS: readonly { text: string; tool: string; args: Record<string, unknown> }[] = [
  { text: "How did I sleep last week?", tool: "get_sleep_analysis", args: { period: "last week" } },
  { text: "How many steps did I walk last week?", tool: "get_health_metrics", args: { metric_types: ["steps"], period: "last week" } },
  { text: "What workouts did I do in the last 30 days?", tool: "get_workouts", args: { period: "last 30 days" } },
  { text: "Do I work out consistently on Mondays?", tool: "get_workout_patterns", args: { period: "last 4 weeks" } },
  { text: "Compare my steps this week with last week", tool: "compare_periods", args: { metric: "steps", period_a: "last week", period_b: "this week" } },
];

/** The question of a session's `index`-th turn: the questions in turn, over and over. */
export function questionText(index: number): string {
  return (QUESTIONS[index % QUESTIONS.length] as { text: string }).text;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function textOf(message: BaseMessage | undefined): string {
  return typeof message?.content === "string" ? message.content : "";
}

/**
 * A stand-in for a local chat model (no weights can be downloaded here) shaped like one: it
 * streams, its first chunk comes after `firstChunkMs` and each further one after `chunkMs`. For a
 * question it calls the tool a real model would, then answers in `answerChunks` chunks from the
 * tool's result; as the goal extractor (structured output) it states nothing. The shape object
 * is shared, so a benchmark can change it between phases.
 */
export class ShapedChatModel extends BaseChatModel {
  private boundTools: string[] = [];

  constructor(readonly shape: ModelShape) {
    super({});
  }

  _llmType(): string {
    return "shaped";
  }

  override bindTools(tools: { name?: string; function?: { name?: string } }[]): ShapedChatModel {
    const bound = new ShapedChatModel(this.shape);
    // As a real model's bindTools does, the bound model keeps the model's callbacks (the runtime's call counting).
    bound.callbacks = this.callbacks;
    bound.boundTools = tools.map((tool) => tool.name ?? tool.function?.name ?? "unknown");
    return bound;
  }

  private reply(messages: BaseMessage[]): { tool?: { name: string; args: Record<string, unknown> }; text?: string } {
    if (this.boundTools.includes("stated_facts")) return { tool: { name: "stated_facts", args: { items: [] } } };
    const last = messages.at(-1);
    if (last && isToolMessage(last)) return { text: `Here is what your data shows: ${textOf(last).slice(0, 400)}` };
    const question = textOf([...messages].reverse().find((message) => isHumanMessage(message)));
    const known = QUESTIONS.find((each) => each.text === question);
    if (known && this.boundTools.includes(known.tool)) return { tool: { name: known.tool, args: known.args } };
    return { text: "I can answer questions about your sleep, steps and workouts." };
  }

  override async *_streamResponseChunks(messages: BaseMessage[], _options: this["ParsedCallOptions"], runManager?: CallbackManagerForLLMRun): AsyncGenerator<ChatGenerationChunk> {
    if (this.shape.firstChunkMs > 0) await sleep(this.shape.firstChunkMs);
    const reply = this.reply(messages);
    if (reply.tool) {
      const id = `call_${Math.random().toString(36).slice(2, 10)}`;
      yield new ChatGenerationChunk({
        text: "",
        message: new AIMessageChunk({ content: "", tool_call_chunks: [{ name: reply.tool.name, args: JSON.stringify(reply.tool.args), id, index: 0, type: "tool_call_chunk" }] }),
      });
      return;
    }
    const text = reply.text ?? "";
    const size = Math.max(1, Math.ceil(text.length / this.shape.answerChunks));
    for (let start = 0; start < text.length; start += size) {
      if (start > 0 && this.shape.chunkMs > 0) await sleep(this.shape.chunkMs);
      const piece = text.slice(start, start + size);
      yield new ChatGenerationChunk({ text: piece, message: new AIMessageChunk({ content: piece }) });
      await runManager?.handleLLMNewToken(piece);
    }
  }

  async _generate(messages: BaseMessage[], options: this["ParsedCallOptions"], runManager?: CallbackManagerForLLMRun): Promise<ChatResult> {
    let merged: ChatGenerationChunk | undefined;
    for await (const chunk of this._streamResponseChunks(messages, options, runManager)) merged = merged ? merged.concat(chunk) : chunk;
    return { generations: merged ? [{ text: merged.text, message: merged.message }] : [] };
  }
}
