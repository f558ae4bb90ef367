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
    const unknown = texts.flatMap((text, index) => (result[index] === undefined ? [index] : []));
    /** Hands `vector` to the caller for `texts[index]` and keeps a copy in the memo. */
    const found = (index: number, vector: Float32Array | undefined) => {
      if (vector) this.remember(texts[index] as string, vector.slice());
      result[index] = vector;
    };
    if (unknown.length > 0) {
      let cached: (Buffer | null)[];
      try {
        cached = await this.lookup(unknown.map((index) => this.keyOf(texts[index] as string)));
      } catch {
        this.errors += 1;
        const passed = await this.inner.embed(unknown.map((index) => texts[index] as string));
        unknown.forEach((index, position) => found(index, passed[position]));
        return result as Float32Array[];
      }
      unknown.forEach((index, position) => {
        const bytes = cached[position];
        found(index, bytes ? fromBytes(bytes, this.dimensions) : undefined);
      });
    }
    const missingAt = texts.flatMap((text, index) => (result[index] === undefined ? [index] : []));
    this.count(texts.length - missingAt.length, missingAt.length);
    if (missingAt.length === 0) return result as Float32Array[];
    const missing = [...new Set(missingAt.map((index) => texts[index] as string))];
    const computed = await this.inner.embed(missing);
    try {
      await Promise.all(missing.flatMap((text, position) => (computed[position] ? [this.client.set(this.keyOf(text), toBytes(computed[position]), { EX: this.ttlSeconds })] : [])));
    } catch {
      this.errors += 1;
    }
    const byText = new Map(missing.map((text, position) => [text, computed[position]]));
    for (const index of missingAt) found(index, byText.get(texts[index] as string));
    return result as Float32Array[];
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
