import type { Embeddings } from "../memory/embeddings/provider.js";
import type { ModelCallSink } from "./chat-model-handler.js";

/**
 * An embedding provider that reports each `embed` call (latency, success, dimensions) to a
 * {@link ModelRegistry} and otherwise behaves exactly like the provider it wraps. Wrap the bare
 * provider, inside the Redis embedding cache, so only calls that reach the model are counted.
 *
 * @example
 * ```ts
 * const memory = new Memory({ client, keys, embeddings: new MeasuredEmbeddings(new LocalEmbeddings(), models), ttlSeconds, embeddingCacheTtlSeconds });
 * ```
 */
export class MeasuredEmbeddings implements Embeddings {
  constructor(
    private readonly inner: Embeddings,
    private readonly sink: ModelCallSink,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get provider(): string {
    return this.inner.provider;
  }

  get model(): string {
    return this.inner.model;
  }

  get dimensions(): number {
    return this.inner.dimensions;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const started = this.now();
    // Dimensions are read after the call: a provider may learn them from its first answer.
    const report = (ok: boolean) =>
      this.sink.record({ kind: "embedding", provider: this.inner.provider, name: this.inner.model, dimensions: this.inner.dimensions, latencyMs: this.now() - started, ok });
    try {
      const vectors = await this.inner.embed(texts);
      report(true);
      return vectors;
    } catch (error) {
      report(false);
      throw error;
    }
  }
}
