import { RESP_TYPES } from "redis";
import { isCluster, type RedisClient } from "../../redis/client.js";
import type { KeySchema } from "../../redis/keys.js";
import { RedisScript } from "../../redis/script.js";
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
}

function toBytes(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

function fromBytes(bytes: Buffer): Float32Array {
  const copy = new Float32Array(Math.floor(bytes.byteLength / 4));
  new Uint8Array(copy.buffer).set(bytes.subarray(0, copy.byteLength));
  return copy;
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

function matches(fields: Record<string, string>, options: KnnOptions): boolean {
  for (const [name, value] of Object.entries(options.where ?? {})) if (fields[name] !== value) return false;
  for (const [name, value] of Object.entries(options.whereNot ?? {})) if (fields[name] === value) return false;
  return true;
}

/**
 * The vector index on core Redis: each document's float32 vector lives in its own HASH beside its
 * fields, each scope lists its members in a SET, and a per-scope version counter tells every
 * process when its in-memory copy of a scope is stale. Similarity is exact cosine over
 * normalized vectors, computed with typed arrays. A warm query costs one round trip (MGET of the
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

  constructor(
    private readonly client: RedisClient,
    private readonly keys: KeySchema,
  ) {}

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
    return loaded ?? [];
  }

  async knn(scopes: readonly VectorScope[], vector: Float32Array, options: KnnOptions): Promise<VectorMatch[]> {
    const minimum = options.minSimilarity ?? -1;
    const best: VectorMatch[] = [];
    for (const documents of await this.load(scopes)) {
      for (const document of documents) {
        if (!matches(document.fields, options)) continue;
        const similarity = dot(vector, document.vector);
        if (similarity < minimum) continue;
        if (best.length < options.k || similarity > (best.at(-1)?.similarity ?? -Infinity)) {
          best.push({ key: document.key, similarity, fields: document.fields });
          best.sort((a, b) => b.similarity - a.similarity);
          if (best.length > options.k) best.pop();
        }
      }
    }
    return best;
  }

  /** Each scope's documents, from the in-process cache when its version has not moved. */
  private async load(scopes: readonly VectorScope[]): Promise<VectorDocument[][]> {
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
        if (cached && cached.version === version) return cached.documents;
        const documents = await this.fetch(scope);
        this.cache.set(cacheKey, { version, documents });
        return documents;
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
