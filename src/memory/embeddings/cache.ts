import { createHash } from "node:crypto";
import { RESP_TYPES } from "redis";
import { isCluster, type RedisClient } from "../../redis/client.js";
import type { KeySchema } from "../../redis/keys.js";
import type { Logger } from "../../logger.js";
import { BackgroundWrites } from "../../redis/background-writes.js";
import { incrementHash } from "../../redis/hash-increments.js";
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
/** The longest text kept in the in-memory memo (so 256 entries hold at most ~1 Mi characters). */
const MEMO_MAX_CHARACTERS = 4_096;

export interface CachedEmbeddingsOptions {
  /** Texts embedded lately kept in memory, up to 4,096 characters each (default 256; 0 keeps none). */
  memoEntries?: number;
  /** Where a failing counter write is reported (once per outage). */
  log?: Logger;
}

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
 * The last `memoEntries` texts (of up to 4,096 characters) this process embedded are also kept in
 * memory (a vector depends only on the text and the model), so a question embedded for recall and
 * again for the turn's procedure costs no round trip the second time. Counter updates are written
 * in the background: they never hold up a turn; `drain()` waits for them.
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
  /** Recently embedded texts, least recently used first (a Map keeps insertion order). */
  private readonly memo = new Map<string, Float32Array>();
  private readonly memoEntries: number;
  private readonly counters: BackgroundWrites;

  constructor(
    private readonly inner: Embeddings,
    private readonly client: RedisClient,
    private readonly keys: KeySchema,
    private readonly ttlSeconds: number,
    options: CachedEmbeddingsOptions = {},
  ) {
    this.provider = inner.provider;
    this.model = inner.model;
    this.dimensions = inner.dimensions;
    const { memoEntries = 256 } = options;
    if (!Number.isInteger(memoEntries) || memoEntries < 0) throw new RangeError("memoEntries must be a whole number (0 keeps nothing in memory)");
    this.memoEntries = memoEntries;
    this.counters = new BackgroundWrites({ name: "embedding cache statistics", ...(options.log ? { log: options.log } : {}) });
  }

  /** Waits for the hit and miss counters still being written (call before closing the Redis client). */
  drain(): Promise<void> {
    return this.counters.drain();
  }

  private remember(text: string, vector: Float32Array): void {
    // A question or a memory's text, not a document: long texts are left to Redis.
    if (this.memoEntries === 0 || text.length > MEMO_MAX_CHARACTERS) return;
    this.memo.delete(text);
    this.memo.set(text, vector);
    if (this.memo.size > this.memoEntries) this.memo.delete(this.memo.keys().next().value as string);
  }

  private recall(text: string): Float32Array | undefined {
    const vector = this.memo.get(text);
    if (vector === undefined) return undefined;
    this.memo.delete(text);
    this.memo.set(text, vector);
    // A copy: callers own the vectors they get and may change them.
    return vector.slice();
  }

  private count(hits: number, misses: number): void {
    if (hits === 0 && misses === 0) return;
    const stats = this.keys.embeddingCacheStats();
    this.counters.run(() =>
      incrementHash(this.client, stats, { hits, misses }).catch((error: unknown) => {
        this.errors += 1;
        throw error;
      }),
    );
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
    const result: (Float32Array | undefined)[] = texts.map((text) => this.recall(text));
    // Each distinct text the memo lacks, with its key, computed once for the read and the write.
    const keyByText = new Map<string, string>();
    for (const [index, text] of texts.entries()) if (result[index] === undefined && !keyByText.has(text)) keyByText.set(text, this.keyOf(text));
    if (keyByText.size === 0) {
      this.count(texts.length, 0);
      return result as Float32Array[];
    }
    const unknown = [...keyByText.keys()];
    const vectors = new Map<string, Float32Array | undefined>();
    let cached: (Buffer | null)[] | undefined;
    try {
      cached = await this.lookup([...keyByText.values()]);
    } catch {
      this.errors += 1;
    }
    if (cached === undefined) {
      // Redis failed: a pass-through, nothing counted or stored there.
      const passed = await this.inner.embed(unknown);
      unknown.forEach((text, position) => vectors.set(text, passed[position]));
    } else {
      unknown.forEach((text, position) => {
        const bytes = cached[position];
        vectors.set(text, bytes ? fromBytes(bytes, this.dimensions) : undefined);
      });
      const missing = unknown.filter((text) => vectors.get(text) === undefined);
      const misses = texts.filter((text, index) => result[index] === undefined && vectors.get(text) === undefined).length;
      this.count(texts.length - misses, misses);
      if (missing.length > 0) {
        const computed = await this.inner.embed(missing);
        missing.forEach((text, position) => vectors.set(text, computed[position]));
        try {
          await Promise.all(missing.flatMap((text, position) => (computed[position] ? [this.client.set(keyByText.get(text) as string, toBytes(computed[position]), { EX: this.ttlSeconds })] : [])));
        } catch {
          this.errors += 1;
        }
      }
    }
    for (const text of unknown) {
      const vector = vectors.get(text);
      if (vector) this.remember(text, vector.slice());
    }
    return texts.map((text, index) => result[index] ?? (vectors.get(text) as Float32Array));
  }

  /** Hits and misses of every process (this process's counter writes included), with this process's Redis errors. */
  async stats(): Promise<EmbeddingCacheStats> {
    await this.counters.drain();
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
