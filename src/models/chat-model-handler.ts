import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { BaseMessage } from "@langchain/core/messages";
import type { LLMResult } from "@langchain/core/outputs";
import type { Serialized } from "@langchain/core/load/serializable";
import type { ModelCall } from "./registry.js";

/** Where the handler sends each finished call: a {@link ModelRegistry}, or anything with `record`. */
export interface ModelCallSink {
  record(call: ModelCall): void;
}

interface Started {
  provider: string;
  name: string;
  startedAt: number;
}

/** Runs started but never ended are forgotten past this many, so a lost end cannot grow the map. */
const MAX_OPEN_RUNS = 10_000;

function modelOf(llm: Serialized, extraParams?: Record<string, unknown>, metadata?: Record<string, unknown>): { provider: string; name: string } {
  const invocation = (extraParams?.invocation_params ?? {}) as Record<string, unknown>;
  const className = Array.isArray(llm.id) ? String(llm.id.at(-1)) : "unknown";
  const provider = typeof metadata?.ls_provider === "string" ? metadata.ls_provider : className;
  const name =
    typeof metadata?.ls_model_name === "string"
      ? metadata.ls_model_name
      : typeof invocation.model === "string"
        ? invocation.model
        : typeof invocation.model_name === "string"
          ? invocation.model_name
          : className;
  return { provider, name };
}

/** Prompt and completion tokens, when the model reported them (usage_metadata or llmOutput.tokenUsage). */
function tokensOf(output: LLMResult): { promptTokens?: number; completionTokens?: number } {
  let prompt = 0;
  let completion = 0;
  let reported = false;
  for (const generation of output.generations.flat()) {
    const usage = (generation as { message?: { usage_metadata?: { input_tokens?: number; output_tokens?: number } } }).message?.usage_metadata;
    if (usage) {
      reported = true;
      prompt += usage.input_tokens ?? 0;
      completion += usage.output_tokens ?? 0;
    }
  }
  if (!reported) {
    const usage = (output.llmOutput?.tokenUsage ?? undefined) as { promptTokens?: number; completionTokens?: number } | undefined;
    if (!usage) return {};
    prompt = usage.promptTokens ?? 0;
    completion = usage.completionTokens ?? 0;
  }
  return { promptTokens: prompt, completionTokens: completion };
}

/**
 * A LangChain callback handler that times every chat model call it sees and hands it, with the
 * model's provider and name (LangChain's `ls_provider` / `ls_model_name` metadata) and the
 * tokens it reported, to a {@link ModelRegistry}. Pass it in a graph's or a model's callbacks;
 * it never awaits anything, so it adds nothing to a call's latency.
 *
 * @example
 * ```ts
 * const handler = new ModelCallHandler(models);
 * await graph.invoke(input, { callbacks: [handler] });
 * // or once, on the model: chatModel.withConfig({ callbacks: [handler] })
 * ```
 */
export class ModelCallHandler extends BaseCallbackHandler {
  name = "model_statistics";
  private readonly open = new Map<string, Started>();

  constructor(
    private readonly sink: ModelCallSink,
    private readonly now: () => number = () => performance.now(),
  ) {
    super();
  }

  override handleChatModelStart(
    llm: Serialized,
    _messages: BaseMessage[][],
    runId: string,
    _parentRunId?: string,
    extraParams?: Record<string, unknown>,
    _tags?: string[],
    metadata?: Record<string, unknown>,
  ): void {
    this.start(runId, modelOf(llm, extraParams, metadata));
  }

  override handleLLMStart(
    llm: Serialized,
    _prompts: string[],
    runId: string,
    _parentRunId?: string,
    extraParams?: Record<string, unknown>,
    _tags?: string[],
    metadata?: Record<string, unknown>,
  ): void {
    this.start(runId, modelOf(llm, extraParams, metadata));
  }

  override handleLLMEnd(output: LLMResult, runId: string): void {
    const started = this.finish(runId);
    if (started) this.sink.record({ kind: "chat", provider: started.provider, name: started.name, latencyMs: this.now() - started.startedAt, ok: true, ...tokensOf(output) });
  }

  override handleLLMError(_error: unknown, runId: string): void {
    const started = this.finish(runId);
    if (started) this.sink.record({ kind: "chat", provider: started.provider, name: started.name, latencyMs: this.now() - started.startedAt, ok: false });
  }

  private start(runId: string, model: { provider: string; name: string }): void {
    if (this.open.size >= MAX_OPEN_RUNS) {
      const oldest = this.open.keys().next().value;
      if (oldest !== undefined) this.open.delete(oldest);
    }
    this.open.set(runId, { ...model, startedAt: this.now() });
  }

  private finish(runId: string): Started | undefined {
    const started = this.open.get(runId);
    this.open.delete(runId);
    return started;
  }
}
