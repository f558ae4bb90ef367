import { createHash } from "node:crypto";
import { RESP_TYPES } from "redis";
import { isCluster, type RedisClient } from "../../redis/client.js";
import type { KeySchema } from "../../redis/keys.js";
import type { Embeddings } from "./provider.js";

export interface EmbeddingCacheStats {
  hits: number;
  misses: number;
  /** hits / (hits + misses), 0 when nothing was asked. */
  hitRate: number;
  /** Redis errors this process met (the cache then passed through). */
  errors: number;
}

const BINARY = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } };

function toBytes(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

function fromBytes(bytes: Buffer, dimensions: number): Float32Array | undefined {
  if (bytes.byteLength !== dimensions * 4) return undefined;
  const copy = new Float32Array(dimensions);
  new Uint8Array(copy.buffer).set(bytes);
  return copy;
}

/**
 * Embeddings with a Redis cache in front: `embedding_cache:{sha256(provider:model:text)}` holds
 * the float32 bytes for `ttlSeconds`. Lookups are batched (one MGET; per-key GETs pipelined on a
 * cluster), hit and miss counters live in Redis so they add up across processes, and any Redis
 * failure turns the cache into a pass-through: the caller still gets its vectors.
 *
 * @example
 * ```ts
 * const embeddings = new CachedEmbeddings(new LocalEmbeddings(), redis, keys, 3600);
 * await embeddings.embed(["sleep goal"]); // computed
 * await embeddings.embed(["sleep goal"]); // from Redis
 * ```
 */
export class CachedEmbeddings implements Embeddings {
  readonly provider: string;
  readonly model: string;
  readonly dimensions: number;
  private errors = 0;

  constructor(
    private readonly inner: Embeddings,
    private readonly client: RedisClient,
    private readonly keys: KeySchema,
    private readonly ttlSeconds: number,
  ) {
    this.provider = inner.provider;
    this.model = inner.model;
    this.dimensions = inner.dimensions;
  }

  private keyOf(text: string): string {
    return this.keys.embeddingCache(createHash("sha256").update(`${this.provider}:${this.model}:${text}`).digest("hex"));
  }

  private async lookup(keys: string[]): Promise<(Buffer | null)[]> {
    const client = this.client;
    if (isCluster(client)) {
      return Promise.all(keys.map((key) => client.sendCommand<Buffer | null>(key, true, ["GET", key], BINARY)));
    }
    return client.sendCommand<(Buffer | null)[]>(["MGET", ...keys], BINARY);
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const keys = texts.map((text) => this.keyOf(text));
    let cached: (Buffer | null)[];
    try {
      cached = await this.lookup(keys);
    } catch {
      this.errors += 1;
      return this.inner.embed(texts);
    }
    const result: (Float32Array | undefined)[] = cached.map((bytes) => (bytes ? fromBytes(bytes, this.dimensions) : undefined));
    const missing = [...new Set(texts.filter((_, index) => result[index] === undefined))];
    const hits = texts.length - texts.filter((_, index) => result[index] === undefined).length;
    const computed = missing.length > 0 ? await this.inner.embed(missing) : [];
    const byText = new Map(missing.map((text, index) => [text, computed[index]]));
    const stats = this.keys.embeddingCacheStats();
    try {
      await Promise.all([
        ...missing.map((text) => {
          const vector = byText.get(text);
          return vector ? this.client.set(this.keyOf(text), toBytes(vector), { EX: this.ttlSeconds }) : undefined;
        }),
        hits > 0 ? this.client.hIncrBy(stats, "hits", hits) : undefined,
        texts.length - hits > 0 ? this.client.hIncrBy(stats, "misses", texts.length - hits) : undefined,
      ]);
    } catch {
      this.errors += 1;
    }
    return texts.map((text, index) => result[index] ?? (byText.get(text) as Float32Array));
  }

  /** Hits and misses of every process, with this process's Redis errors. */
  async stats(): Promise<EmbeddingCacheStats> {
    let counters: Record<string, string> = {};
    try {
      counters = await this.client.hGetAll(this.keys.embeddingCacheStats());
    } catch {
      this.errors += 1;
    }
    const hits = Number(counters.hits ?? 0);
    const misses = Number(counters.misses ?? 0);
    return { hits, misses, hitRate: hits + misses > 0 ? Math.round((hits / (hits + misses)) * 1000) / 1000 : 0, errors: this.errors };
  }
}
