import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { WellnessError } from "../errors.js";

/** A chat model named on the command line, and how the report names it. */
export interface ModuleChatModel {
  model: BaseChatModel;
  description: string;
}

function isChatModel(value: unknown): value is BaseChatModel {
  return typeof value === "object" && value !== null && typeof (value as BaseChatModel).invoke === "function" && typeof (value as BaseChatModel).bindTools === "function";
}

/**
 * Loads any LangChain chat model for `--model-module FILE` (`wellness serve`, `npm run eval`): the module's default
 * export (or its `model` export) is a chat model, or a function, possibly async, that returns one.
 * The model must support tool calling (`bindTools`), as the agent binds its tools.
 *
 * @example
 * ```ts
 * // my-model.mjs, after `npm install @langchain/openai`:
 * import { ChatOpenAI } from "@langchain/openai";
 * export default () => new ChatOpenAI({ model: "gpt-4o-mini", temperature: 0 });
 * ```
 */
export async function loadChatModelModule(path: string): Promise<ModuleChatModel> {
  let loaded: { default?: unknown; model?: unknown };
  try {
    loaded = (await import(pathToFileURL(resolve(path)).href)) as { default?: unknown; model?: unknown };
  } catch (error) {
    throw new WellnessError("ERR_USAGE", `--model-module ${path} could not be loaded: ${(error as Error).message}`, { cause: error });
  }
  const exported = loaded.default ?? loaded.model;
  const model: unknown = typeof exported === "function" ? await (exported as () => unknown)() : exported;
  if (!isChatModel(model)) {
    throw new WellnessError(
      "ERR_USAGE",
      `--model-module ${path} must export (as default or as "model") a LangChain chat model with tool calling, or a function returning one.`,
    );
  }
  const name = (model as { model?: unknown; modelName?: unknown }).model ?? (model as { modelName?: unknown }).modelName;
  return { model, description: `${model.getName()}${typeof name === "string" ? ` ${name}` : ""} from ${path}` };
}
