import type { Callbacks } from "@langchain/core/callbacks/manager";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { AIMessage, BaseMessage } from "@langchain/core/messages";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { ChatOllama } from "@langchain/ollama";
import { ModelUnavailableError } from "../errors.js";

const UNREACHABLE = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|fetch failed|EHOSTUNREACH|ETIMEDOUT|timed? ?out|aborted/iu;
const MISSING_MODEL = /model .* not found|pull the model|404/iu;

export interface OllamaChatModelOptions {
  /** The Ollama server, e.g. http://127.0.0.1:11434. */
  baseUrl: string;
  model: string;
  /** How long one call may take before it fails (default two minutes). */
  timeoutMs?: number;
  /** Stay with the model through bindTools and structured output (a ModelCallHandler counts every call this way). */
  callbacks?: Callbacks;
}

/**
 * The default chat model: ChatOllama, deterministic and without retries, so that an unreachable
 * server fails the turn at once with a message that says what to start (see callModel).
 */
export function ollamaChatModel({ baseUrl, model, timeoutMs = 120_000, callbacks }: OllamaChatModelOptions): BaseChatModel {
  return new ChatOllama({
    ...(callbacks ? { callbacks } : {}),
    baseUrl,
    model,
    temperature: 0,
    maxRetries: 0,
    fetch: (input: string | URL | Request, init?: RequestInit) => fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) }),
  });
}

/** The model name and server a chat model reports (ChatOllama's `model` and `baseUrl`), for messages. */
function describeModel(model: BaseChatModel): { name: string; server: string } {
  const fields = model as unknown as { model?: unknown; baseUrl?: unknown };
  return {
    name: typeof fields.model === "string" && fields.model !== "" ? fields.model : "the model OLLAMA_MODEL names",
    server: typeof fields.baseUrl === "string" && fields.baseUrl !== "" ? fields.baseUrl : "OLLAMA_BASE_URL",
  };
}

/** Invokes the model (with tools bound when given), turning connection failures into a typed error that says what to do. */
export async function callModel(
  model: BaseChatModel,
  messages: BaseMessage[],
  tools: readonly StructuredToolInterface[] | undefined,
): Promise<AIMessage> {
  const runnable = tools && tools.length > 0 && model.bindTools ? model.bindTools([...tools]) : model;
  try {
    return await runnable.invoke(messages);
  } catch (error) {
    const message = `${(error as Error).message} ${String((error as { cause?: { code?: string } }).cause?.code ?? "")}`;
    const { name, server } = describeModel(model);
    if (UNREACHABLE.test(message)) {
      throw new ModelUnavailableError(
        `The chat model ${name} at ${server} is not reachable (${message.trim()}). Start Ollama (ollama serve), pull the model (ollama pull ${name}), or set OLLAMA_BASE_URL to a running Ollama server.`,
        { cause: error },
      );
    }
    if (MISSING_MODEL.test(message)) {
      throw new ModelUnavailableError(
        `The chat model ${name} at ${server} refused the request (${message.trim()}). Pull it with ollama pull ${name}, or set OLLAMA_MODEL to a model that server has (ollama list).`,
        { cause: error },
      );
    }
    throw error;
  }
}

/** Whether an Ollama server answers at baseUrl (GET /api/tags), for the health check. */
export async function ollamaReachable(baseUrl: string, timeoutMs = 1_500): Promise<{ ok: boolean; error?: string }> {
  try {
    const response = await fetch(new URL("/api/tags", baseUrl), { signal: AbortSignal.timeout(timeoutMs) });
    return response.ok ? { ok: true } : { ok: false, error: `HTTP ${response.status}` };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { ok: false, error: cause ?? (error as Error).message };
  }
}
