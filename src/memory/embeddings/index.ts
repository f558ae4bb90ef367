import { LocalEmbeddings } from "./local.js";
import { OllamaEmbeddingProvider } from "./ollama.js";
import type { Embeddings } from "./provider.js";

export { CachedEmbeddings, type EmbeddingCacheStats } from "./cache.js";
export { LocalEmbeddings } from "./local.js";
export { OllamaEmbeddingProvider, type OllamaEmbeddingOptions } from "./ollama.js";
export { normalize, type Embeddings } from "./provider.js";

export interface EmbeddingProviderOptions {
  /** "local": the bundled USE-Lite model in process; "ollama": an embedding model of an Ollama server. */
  provider: "local" | "ollama";
  model: string;
  /** The Ollama server, for provider "ollama". */
  ollamaBaseUrl: string;
}

/** The embedding provider by name (uncached: see CachedEmbeddings). */
export function embeddingProvider(options: EmbeddingProviderOptions): Embeddings {
  return options.provider === "ollama" ? new OllamaEmbeddingProvider({ baseUrl: options.ollamaBaseUrl, model: options.model }) : new LocalEmbeddings(options.model);
}
