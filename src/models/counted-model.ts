import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { ModelCallHandler, type ModelCallSink } from "./chat-model-handler.js";

/**
 * Has every call of `model` counted in `sink` (the model registry that `wellness status` and
 * /health list): a {@link ModelCallHandler} joins the model's own callbacks, which LangChain
 * consults on every call, so calls through `bindTools` and structured output are counted too, as
 * they are for the configured Ollama model. Meant for a model handed to the runtime
 * (`--model-module`, tests): the model is changed in place and returned. A model that already
 * has a ModelCallHandler is left as it is, so nothing is counted twice.
 *
 * @example
 * ```ts
 * const model = countedModel(new ChatOpenAI({ model: "gpt-4o-mini" }), runtime.models);
 * ```
 */
export function countedModel<Model extends BaseChatModel>(model: Model, sink: ModelCallSink): Model {
  const callbacks = model.callbacks;
  if (callbacks === undefined) {
    model.callbacks = [new ModelCallHandler(sink)];
  } else if (Array.isArray(callbacks)) {
    if (!callbacks.some((handler) => handler instanceof ModelCallHandler)) model.callbacks = [...callbacks, new ModelCallHandler(sink)];
  } else if (!callbacks.handlers.some((handler) => handler instanceof ModelCallHandler)) {
    callbacks.addHandler(new ModelCallHandler(sink));
  }
  return model;
}
