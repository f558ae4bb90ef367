import { RESP_TYPES } from "redis";
import { isCluster, type RedisClient } from "../../redis/client.js";
import type { KeySchema } from "../../redis/keys.js";
import { RedisScript } from "../../redis/script.js";
import { SIMD_WIDTH, SimdScorer } from "./simd-scores.js";
import type { KnnOptions, VectorDocument, VectorIndex, VectorMatch, VectorScope } from "./vector-index.js";

const BINARY = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } };
const EMBEDDING_FIELD = "embedding";

/** Replaces a document and bumps its scope's version. KEYS: hash, members, version. ARGV: ttl, member, field/value pairs. */
const UPSERT = new RedisScript(`
redis.call('DEL', KEYS[1])
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('INCR', KEYS[3])
local ttl = tonumber(ARGV[1])
if ttl > 0 then
  for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ttl) end
end
return 1
`);

/** Changes fields of an existing document. KEYS: hash, version. ARGV: field/value pairs. */
const UPDATE = new RedisScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for i = 1, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('INCR', KEYS[2])
return 1
`);

/** Removes a document. KEYS: hash, members, version. ARGV: member. */
const DELETE = new RedisScript(`
local removed = redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('INCR', KEYS[3])
return removed
`);

interface CachedScope {
  version: string;
  documents: VectorDocument[];
  /** Every vector of the scope back to back, for a tight scan. */
  matrix: Float32Array;
  offsets: Int32Array;
  lengths: Int32Array;
  /** The same vectors in WebAssembly memory, when they all share a SIMD-friendly dimension. */
  simd: SimdScorer | undefined;
}

/** Below this many vectors a plain loop is as fast, and a WebAssembly instance (64 KB at least) is not worth it. */
const SIMD_MIN_ROWS = 256;
/** Scopes kept in process memory; the least recently used beyond this are dropped (and reloaded on demand). */
const MAX_CACHED_SCOPES = 512;

function pack(version: string, documents: VectorDocument[], simdModule: () => object): CachedScope {
  const offsets = new Int32Array(documents.length);
  const lengths = new Int32Array(documents.length);
  let total = 0;
  documents.forEach((document, index) => {
    offsets[index] = total;
    lengths[index] = document.vector.length;
    total += document.vector.length;
  });
  const matrix = new Float32Array(total);
  documents.forEach((document, index) => matrix.set(document.vector, offsets[index]));
  const dim = documents[0]?.vector.length ?? 0;
  const uniform =
    documents.length >= SIMD_MIN_ROWS && dim > 0 && dim % SIMD_WIDTH === 0 && documents.every((document) => document.vector.length === dim);
  const simd = uniform ? SimdScorer.create(simdModule(), matrix, documents.length, dim) : undefined;
  return { version, documents, matrix, offsets, lengths, simd };
}

/** Dot product of `query` with the vector at `offset` in `matrix`, unrolled by four. */
function dotAt(matrix: Float32Array, offset: number, length: number, query: Float32Array): number {
  const n = Math.min(length, query.length);
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    a += matrix[offset + i]! * query[i]!;
    b += matrix[offset + i + 1]! * query[i + 1]!;
    c += matrix[offset + i + 2]! * query[i + 2]!;
    d += matrix[offset + i + 3]! * query[i + 3]!;
  }
  for (; i < n; i++) a += matrix[offset + i]! * query[i]!;
  return a + b + c + d;
}

function toBytes(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

function fromBytes(bytes: Buffer): Float32Array {
  const copy = new Float32Array(Math.floor(bytes.byteLength / 4));
  new Uint8Array(copy.buffer).set(bytes.subarray(0, copy.byteLength));
  return copy;
}

/** A filter compiled once per query: equal-to and not-equal-to field checks. */
function compileFilter(options: KnnOptions): (fields: Record<string, string>) => boolean {
  const where = Object.entries(options.where ?? {});
  const whereNot = Object.entries(options.whereNot ?? {});
  if (where.length === 0 && whereNot.length === 0) return () => true;
  return (fields) => {
    for (const [name, value] of where) if (fields[name] !== value) return false;
    for (const [name, value] of whereNot) if (fields[name] === value) return false;
    return true;
  };
}

/**
 * The vector index on core Redis: each document's float32 vector lives in its own HASH beside its
 * fields, each scope lists its members in a SET, and a per-scope version counter tells every
 * process when its in-memory copy of a scope is stale. Similarity is exact cosine over
 * normalized vectors, computed with WebAssembly SIMD (typed arrays when a scope's vectors differ
 * in length). A warm query costs one round trip (MGET of the
 * versions); a cold or changed scope two more (SMEMBERS, then every HGETALL pipelined).
 *
 * @example
 * ```ts
 * const index = new CoreVectorIndex(redis, keys);
 * await index.upsert({ tag: "alice", name: "episodic:goal" }, { key, vector, fields: { text } }, ttl);
 * const best = await index.knn([{ tag: "alice", name: "episodic:goal" }], queryVector, { k: 5 });
 * ```
 */
export class CoreVectorIndex implements VectorIndex {
  private readonly cache = new Map<string, CachedScope>();
  private simdModule: object | undefined;

  constructor(
    private readonly client: RedisClient,
    private readonly keys: KeySchema,
  ) {}

  /** Scopes held in process memory (bounded; least recently used dropped first). */
  get cachedScopes(): number {
    return this.cache.size;
  }

  private scopeKeys(scope: VectorScope): { members: string; version: string } {
    return { members: this.keys.vectorMembers(scope.tag, scope.name), version: this.keys.vectorVersion(scope.tag, scope.name) };
  }

  async upsert(scope: VectorScope, document: VectorDocument, ttlSeconds: number): Promise<void> {
    const { members, version } = this.scopeKeys(scope);
    const pairs = Object.entries(document.fields).flat();
    await Promise.all([
      UPSERT.run(this.client, [document.key, members, version], [String(ttlSeconds), document.key, ...pairs, EMBEDDING_FIELD, toBytes(document.vector)]),
      this.client.sAdd(this.keys.vectorScopes(), JSON.stringify([scope.tag, scope.name])),
    ]);
  }

  async update(scope: VectorScope, key: string, fields: Record<string, string>): Promise<boolean> {
    const { version } = this.scopeKeys(scope);
    return (await UPDATE.run<number>(this.client, [key, version], Object.entries(fields).flat())) === 1;
  }

  async delete(scope: VectorScope, key: string): Promise<boolean> {
    const { members, version } = this.scopeKeys(scope);
    return (await DELETE.run<number>(this.client, [key, members, version], [key])) === 1;
  }

  async count(scope: VectorScope): Promise<number> {
    return (await this.documents(scope)).length;
  }

  async scopes(): Promise<VectorScope[]> {
    const entries = await this.client.sMembers(this.keys.vectorScopes());
    return entries.map((entry) => {
      const [tag, name] = JSON.parse(entry) as [string, string];
      return { tag, name };
    });
  }

  async documents(scope: VectorScope): Promise<VectorDocument[]> {
    const [loaded] = await this.load([scope]);
    return loaded?.documents ?? [];
  }

  async knn(scopes: readonly VectorScope[], vector: Float32Array, options: KnnOptions): Promise<VectorMatch[]> {
    const minimum = options.minSimilarity ?? -1;
    const accept = compileFilter(options);
    const k = options.k;
    const best: { similarity: number; document: VectorDocument }[] = [];
    let floor = minimum;
    for (const scope of await this.load(scopes)) {
      const { documents, matrix, offsets, lengths } = scope;
      const simd = scope.simd && vector.length === lengths[0] ? scope.simd.score(vector) : undefined;
      for (let index = 0; index < documents.length; index++) {
        const similarity = simd ? simd[index]! : dotAt(matrix, offsets[index]!, lengths[index]!, vector);
        if (similarity < floor || (best.length === k && similarity <= floor)) continue;
        const document = documents[index]!;
        if (!accept(document.fields)) continue;
        let position = best.length;
        while (position > 0 && best[position - 1]!.similarity < similarity) position--;
        best.splice(position, 0, { similarity, document });
        if (best.length > k) best.pop();
        if (best.length === k) floor = Math.max(minimum, best[k - 1]!.similarity);
      }
    }
    return best.map(({ similarity, document }) => ({ key: document.key, similarity, fields: document.fields }));
  }

  /** Each scope's documents, from the in-process cache when its version has not moved. */
  private async load(scopes: readonly VectorScope[]): Promise<CachedScope[]> {
    if (scopes.length === 0) return [];
    const versionKeys = scopes.map((scope) => this.scopeKeys(scope).version);
    const client = this.client;
    const versions = isCluster(client)
      ? await Promise.all(versionKeys.map((key) => client.get(key)))
      : await client.mGet(versionKeys);
    return Promise.all(
      scopes.map(async (scope, index) => {
        const version = versions[index] ?? "0";
        const cacheKey = JSON.stringify([scope.tag, scope.name]);
        const cached = this.cache.get(cacheKey);
        if (cached && cached.version === version) {
          this.cache.delete(cacheKey);
          this.cache.set(cacheKey, cached);
          return cached;
        }
        const packed = pack(version, await this.fetch(scope), () => (this.simdModule ??= SimdScorer.compile()));
        this.cache.delete(cacheKey);
        this.cache.set(cacheKey, packed);
        while (this.cache.size > MAX_CACHED_SCOPES) {
          const oldest = this.cache.keys().next().value;
          if (oldest === undefined) break;
          this.cache.delete(oldest);
        }
        return packed;
      }),
    );
  }

  private async fetch(scope: VectorScope): Promise<VectorDocument[]> {
    const { members } = this.scopeKeys(scope);
    const keys = await this.client.sMembers(members);
    const client = this.client;
    const hashes = await Promise.all(
      keys.map((key) =>
        isCluster(client)
          ? client.sendCommand<Buffer[]>(key, true, ["HGETALL", key], BINARY)
          : client.sendCommand<Buffer[]>(["HGETALL", key], BINARY),
      ),
    );
    const documents: VectorDocument[] = [];
    const expired: string[] = [];
    hashes.forEach((flat, index) => {
      const key = keys[index] as string;
      if (!flat || flat.length === 0) {
        expired.push(key);
        return;
      }
      const fields: Record<string, string> = {};
      let vector: Float32Array | undefined;
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const name = (flat[i] as Buffer).toString("utf8");
        const value = flat[i + 1] as Buffer;
        if (name === EMBEDDING_FIELD) vector = fromBytes(value);
        else fields[name] = value.toString("utf8");
      }
      if (vector) documents.push({ key, vector, fields });
    });
    if (expired.length > 0) await this.client.sRem(members, expired);
    return documents.sort((a, b) => a.key.localeCompare(b.key));
  }
}
