import { OllamaEmbeddings } from "@langchain/ollama";
import { EmbeddingUnavailableError } from "../../errors.js";
import { normalize, type Embeddings } from "./provider.js";

export interface OllamaEmbeddingOptions {
  baseUrl: string;
  model?: string;
  /** Dimensions the model returns; mxbai-embed-large gives 1024. */
  dimensions?: number;
  /** Attempts for transient failures (5xx, resets), with exponential backoff. */
  attempts?: number;
  initialDelayMs?: number;
  /** Per-request timeout. */
  timeoutMs?: number;
}

const TRANSIENT = /ECONNRESET|EPIPE|ETIMEDOUT|socket hang up|\b5\d\d\b|overloaded|timeout/iu;
const UNREACHABLE = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|fetch failed|EHOSTUNREACH/iu;

/**
 * Embeddings from an Ollama server (mxbai-embed-large by default, 1024 dimensions), batched per
 * call, retried with exponential backoff on transient errors, and failing fast with a clear
 * message when Ollama cannot be reached.
 *
 * @example
 * ```ts
 * const embeddings = new OllamaEmbeddingProvider({ baseUrl: "http://localhost:11434" });
 * ```
 */
export class OllamaEmbeddingProvider implements Embeddings {
  readonly provider = "ollama";
  readonly model: string;
  readonly dimensions: number;
  private readonly client: OllamaEmbeddings;
  private readonly attempts: number;
  private readonly initialDelayMs: number;
  private readonly baseUrl: string;

  constructor(options: OllamaEmbeddingOptions) {
    this.model = options.model ?? "mxbai-embed-large";
    this.dimensions = options.dimensions ?? 1024;
    this.attempts = options.attempts ?? 3;
    this.initialDelayMs = options.initialDelayMs ?? 200;
    this.baseUrl = options.baseUrl;
    const timeoutMs = options.timeoutMs ?? 30_000;
    this.client = new OllamaEmbeddings({
      model: this.model,
      baseUrl: options.baseUrl,
      // Retries are ours (below), so an unreachable server fails at once instead of after LangChain's own back-off.
      maxRetries: 0,
      fetch: (input: string | URL | Request, init?: RequestInit) => fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) }),
    });
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    for (let attempt = 1; ; attempt++) {
      try {
        const vectors = await this.client.embedDocuments([...texts]);
        if (vectors.length !== texts.length || vectors.some((vector) => vector.length !== this.dimensions)) {
          throw new EmbeddingUnavailableError(
            `Ollama model ${this.model} returned vectors of ${vectors[0]?.length ?? 0} dimensions, expected ${this.dimensions}.`,
          );
        }
        return vectors.map((vector) => normalize(vector));
      } catch (error) {
        if (error instanceof EmbeddingUnavailableError) throw error;
        const message = `${(error as Error).message} ${String((error as { cause?: { code?: string } }).cause?.code ?? "")}`;
        if (UNREACHABLE.test(message)) {
          throw new EmbeddingUnavailableError(
            `Ollama is not reachable at ${this.baseUrl} (${message.trim()}). Start it (ollama serve) and pull the model (ollama pull ${this.model}), or set EMBEDDING_PROVIDER=local.`,
            { cause: error },
          );
        }
        if (attempt >= this.attempts || !TRANSIENT.test(message)) {
          throw new EmbeddingUnavailableError(`Ollama embedding failed: ${message.trim()}`, { cause: error });
        }
        await new Promise((resolve) => setTimeout(resolve, this.initialDelayMs * 2 ** (attempt - 1)));
      }
    }
  }
}
