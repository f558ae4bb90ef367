import type { Config } from "../../config.js";
import { LocalEmbeddings } from "./local.js";
import { OllamaEmbeddingProvider } from "./ollama.js";
import type { Embeddings } from "./provider.js";

export { CachedEmbeddings, type EmbeddingCacheStats } from "./cache.js";
export { LocalEmbeddings } from "./local.js";
export { OllamaEmbeddingProvider, type OllamaEmbeddingOptions } from "./ollama.js";
export { normalize, type Embeddings } from "./provider.js";

/** The provider EMBEDDING_PROVIDER names, with EMBEDDING_MODEL (uncached: see CachedEmbeddings). */
export function embeddingsFromConfig(config: Pick<Config, "embedding" | "ollama">): Embeddings {
  return config.embedding.provider === "ollama"
    ? new OllamaEmbeddingProvider({ baseUrl: config.ollama.baseUrl, model: config.embedding.model })
    : new LocalEmbeddings(config.embedding.model);
}
