import { EmbeddingModelMismatchError } from "../errors.js";
import type { RedisClient } from "../redis/client.js";
import type { KeySchema } from "../redis/keys.js";
import type { Embeddings } from "./embeddings/provider.js";

interface ModelRecord {
  provider: string;
  model: string;
  dimensions: number;
}

function describe(record: ModelRecord): string {
  return `${record.provider}/${record.model} (${record.dimensions} dimensions)`;
}

/** How long a successful check is trusted before Redis is asked again. */
const RECHECK_MS = 30_000;

/**
 * Vectors from different models cannot be compared. The guard records which provider, model and
 * dimension the stored memories were embedded with (when the first memory is written) and refuses
 * writes and searches from a process configured with another, until `wellness memory reindex`
 * re-embeds everything.
 *
 * @example
 * ```ts
 * const guard = new ModelGuard(redis, keys, embeddings);
 * await guard.check("write"); // records the model on first use, throws on a mismatch
 * ```
 */
export class ModelGuard {
  private verifiedAt = 0;

  constructor(
    private readonly client: RedisClient,
    private readonly keys: KeySchema,
    private readonly embeddings: Pick<Embeddings, "provider" | "model" | "dimensions">,
  ) {}

  private get current(): ModelRecord {
    return { provider: this.embeddings.provider, model: this.embeddings.model, dimensions: this.embeddings.dimensions };
  }

  /** Throws EmbeddingModelMismatchError if stored memories use another model; a write records ours when none is recorded. */
  async check(purpose: "read" | "write"): Promise<void> {
    if (Date.now() - this.verifiedAt < RECHECK_MS) return;
    const key = this.keys.memoryModel();
    let stored = await this.client.get(key);
    if (stored === null && purpose === "write") {
      await this.client.set(key, JSON.stringify(this.current), { NX: true });
      stored = await this.client.get(key);
    }
    if (stored !== null) {
      const record = JSON.parse(stored) as ModelRecord;
      const current = this.current;
      if (record.provider !== current.provider || record.model !== current.model || record.dimensions !== current.dimensions) {
        this.verifiedAt = 0;
        throw new EmbeddingModelMismatchError(describe(record), describe(current));
      }
      this.verifiedAt = Date.now();
    }
  }

  /** After a reindex: the stored memories now use the current model. */
  async adopt(): Promise<void> {
    await this.client.set(this.keys.memoryModel(), JSON.stringify(this.current));
    this.verifiedAt = Date.now();
  }

  async stored(): Promise<ModelRecord | undefined> {
    const text = await this.client.get(this.keys.memoryModel());
    return text ? (JSON.parse(text) as ModelRecord) : undefined;
  }
}
