import { RESP_TYPES } from "redis";
import { isCluster, type RedisClient } from "../../redis/client.js";
import type { KeySchema } from "../../redis/keys.js";
import { RedisScript } from "../../redis/script.js";
import { SIMD_WIDTH, SimdScorer } from "./simd-scores.js";
import type { KnnOptions, KnnRequest, VectorDocument, VectorIndex, VectorMatch, VectorScope } from "./vector-index.js";

const BINARY = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } };
const EMBEDDING_FIELD = "embedding";

/** Entries kept in a scope's change log; past this (plus a batch) the oldest are trimmed. */
export const CHANGE_LOG_LENGTH = 1_000;

/**
 * Lua: bumps a scope's version and notes `member` in its change log with the new version,
 * trimming the log (the member "" then holds the newest version trimmed away). Scripts that
 * change a scope include this and call note_change(versionKey, changesKey, member).
 */
export const NOTE_CHANGE_LUA = `
local function note_change(version_key, changes_key, member)
  local version = redis.call('INCR', version_key)
  redis.call('ZADD', changes_key, version, member)
  local size = redis.call('ZCARD', changes_key)
  if size > ${CHANGE_LOG_LENGTH + 100} then
    local trimmed = redis.call('ZRANGE', changes_key, 0, size - ${CHANGE_LOG_LENGTH} - 1, 'WITHSCORES')
    redis.call('ZREMRANGEBYRANK', changes_key, 0, size - ${CHANGE_LOG_LENGTH} - 1)
    redis.call('ZADD', changes_key, trimmed[#trimmed], '')
  end
  return version
end
`;

/** Replaces a document and notes the change. KEYS: hash, members, version, changes. ARGV: ttl, member, field/value pairs. */
const UPSERT = new RedisScript(`${NOTE_CHANGE_LUA}
redis.call('DEL', KEYS[1])
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('SADD', KEYS[2], ARGV[2])
note_change(KEYS[3], KEYS[4], ARGV[2])
local ttl = tonumber(ARGV[1])
if ttl > 0 then
  for i = 1, 4 do redis.call('EXPIRE', KEYS[i], ttl) end
end
return 1
`);

/** Changes fields of an existing document. KEYS: hash, version, changes. ARGV: field/value pairs. */
const UPDATE = new RedisScript(`${NOTE_CHANGE_LUA}
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for i = 1, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
note_change(KEYS[2], KEYS[3], KEYS[1])
return 1
`);

/** Removes a document. KEYS: hash, members, version, changes. ARGV: member. */
const DELETE = new RedisScript(`${NOTE_CHANGE_LUA}
local removed = redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
note_change(KEYS[3], KEYS[4], ARGV[1])
return removed
`);

/** Below this many vectors a plain loop is as fast, and a WebAssembly instance (64 KB at least) is not worth it. */
const SIMD_MIN_ROWS = 256;
/** Scopes kept in process memory; the least recently used beyond this are dropped (and reloaded on demand). */
const MAX_CACHED_SCOPES = 512;

/**
 * A process's copy of one scope at one version. Changes are applied in place: a changed memory
 * replaces its row, a new one is appended, a removed one is swapped with the last, so catching
 * up after a write costs what changed, not the scope's size. Scopes of at least SIMD_MIN_ROWS
 * vectors of one SIMD-friendly dimension are mirrored in WebAssembly memory.
 */
class ScopeCopy {
  readonly documents: VectorDocument[] = [];
  private readonly position = new Map<string, number>();
  private simd: SimdScorer | undefined;

  constructor(
    public version: number,
    documents: readonly VectorDocument[],
    private readonly simdModule: () => object,
  ) {
    for (const document of documents) this.put(document);
    this.mirror();
  }

  /** Applies one member's current state (undefined: it is gone). */
  apply(key: string, document: VectorDocument | undefined): void {
    const index = this.position.get(key);
    if (document === undefined) {
      if (index === undefined) return;
      const last = this.documents.length - 1;
      const moved = this.documents[last] as VectorDocument;
      this.documents[index] = moved;
      this.position.set(moved.key, index);
      this.documents.pop();
      this.position.delete(key);
      this.simd?.removeSwap(index);
    } else if (index !== undefined) {
      this.documents[index] = document;
      if (this.simd && document.vector.length === this.simd.dim) this.simd.setRow(index, document.vector);
      else this.simd = undefined;
    } else {
      this.put(document);
      if (this.simd && document.vector.length === this.simd.dim) this.simd.append(document.vector);
      else this.simd = undefined;
    }
  }

  /** Creates the SIMD mirror when the scope has grown into one (once; then kept up in place). */
  mirror(): void {
    if (this.simd || this.documents.length < SIMD_MIN_ROWS) return;
    const dim = this.documents[0]?.vector.length ?? 0;
    if (dim === 0 || dim % SIMD_WIDTH !== 0 || !this.documents.every((document) => document.vector.length === dim)) return;
    const matrix = new Float32Array(this.documents.length * dim);
    this.documents.forEach((document, index) => matrix.set(document.vector, index * dim));
    this.simd = SimdScorer.create(this.simdModule(), matrix, this.documents.length, dim);
  }

  /** Similarity of every document with `query`, in document order. */
  scores(query: Float32Array): ArrayLike<number> {
    if (this.simd && query.length === this.simd.dim && this.simd.rows === this.documents.length) return this.simd.score(query);
    const out = new Float32Array(this.documents.length);
    this.documents.forEach((document, index) => (out[index] = dot(document.vector, query)));
    return out;
  }

  private put(document: VectorDocument): void {
    this.position.set(document.key, this.documents.length);
    this.documents.push(document);
  }
}

/** Dot product of two vectors (over the shorter length), unrolled by four. */
function dot(vector: Float32Array, query: Float32Array): number {
  const n = Math.min(vector.length, query.length);
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    a += vector[i]! * query[i]!;
    b += vector[i + 1]! * query[i + 1]!;
    c += vector[i + 2]! * query[i + 2]!;
    d += vector[i + 3]! * query[i + 3]!;
  }
  for (; i < n; i++) a += vector[i]! * query[i]!;
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
 * fields, each scope lists its members in a SET, and every change bumps the scope's version and
 * notes the member in the scope's change log (a ZSET scored by version). Each process keeps a copy
 * of the scopes it searches: a warm query costs one round trip (MGET of the versions); after a
 * change, two more that fetch only the changed members (ZRANGE BYSCORE of the log, their HGETALLs
 * pipelined), applied in place. A copy that is new, or further behind than the log reaches,
 * is loaded whole (SMEMBERS, then every HGETALL pipelined). Similarity is exact cosine over
 * normalized vectors, computed with WebAssembly SIMD (a plain loop for small or mixed scopes).
 *
 * @example
 * ```ts
 * const index = new CoreVectorIndex(redis, keys);
 * await index.upsert({ tag: "alice", name: "episodic:goal" }, { key, vector, fields: { text } }, ttl);
 * const best = await index.knn([{ tag: "alice", name: "episodic:goal" }], queryVector, { k: 5 });
 * ```
 */
export class CoreVectorIndex implements VectorIndex {
  private readonly cache = new Map<string, ScopeCopy>();
  private readonly refreshing = new Map<string, Promise<ScopeCopy>>();
  private simdModule: object | undefined;

  constructor(
    private readonly client: RedisClient,
    private readonly keys: KeySchema,
  ) {}

  /** Scopes held in process memory (bounded; least recently used dropped first). */
  get cachedScopes(): number {
    return this.cache.size;
  }

  private scopeKeys(scope: VectorScope): { members: string; version: string; changes: string } {
    return {
      members: this.keys.vectorMembers(scope.tag, scope.name),
      version: this.keys.vectorVersion(scope.tag, scope.name),
      changes: this.keys.vectorChanges(scope.tag, scope.name),
    };
  }

  async upsert(scope: VectorScope, document: VectorDocument, ttlSeconds: number): Promise<void> {
    const { members, version, changes } = this.scopeKeys(scope);
    const pairs = Object.entries(document.fields).flat();
    await Promise.all([
      UPSERT.run(this.client, [document.key, members, version, changes], [String(ttlSeconds), document.key, ...pairs, EMBEDDING_FIELD, toBytes(document.vector)]),
      this.client.sAdd(this.keys.vectorScopes(), JSON.stringify([scope.tag, scope.name])),
    ]);
  }

  async update(scope: VectorScope, key: string, fields: Record<string, string>): Promise<boolean> {
    const { version, changes } = this.scopeKeys(scope);
    return (await UPDATE.run<number>(this.client, [key, version, changes], Object.entries(fields).flat())) === 1;
  }

  async delete(scope: VectorScope, key: string): Promise<boolean> {
    const { members, version, changes } = this.scopeKeys(scope);
    return (await DELETE.run<number>(this.client, [key, members, version, changes], [key])) === 1;
  }

  async count(scope: VectorScope): Promise<number> {
    const [loaded] = await this.load([scope]);
    return loaded?.documents.length ?? 0;
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
    return [...(loaded?.documents ?? [])].sort((a, b) => a.key.localeCompare(b.key));
  }

  async knn(scopes: readonly VectorScope[], vector: Float32Array, options: KnnOptions): Promise<VectorMatch[]> {
    const [matches] = await this.knnMany(vector, [{ scopes, options }]);
    return matches ?? [];
  }

  async knnMany(vector: Float32Array | PromiseLike<Float32Array>, requests: readonly KnnRequest[]): Promise<VectorMatch[][]> {
    const unique = new Map<string, VectorScope>();
    for (const request of requests) for (const scope of request.scopes) unique.set(scopeId(scope), scope);
    const [loaded, query] = await Promise.all([this.load([...unique.values()]), vector]);
    const byId = new Map([...unique.keys()].map((id, index) => [id, loaded[index] as ScopeCopy]));
    // Each scope is scored once per batch; nothing awaits in between, so SIMD output stays valid.
    const scored = new Map<string, ArrayLike<number>>();
    const scoresOf = (id: string, copy: ScopeCopy) => {
      let scores = scored.get(id);
      if (!scores) {
        scores = copy.scores(query);
        scored.set(id, scores);
      }
      return scores;
    };
    return requests.map(({ scopes, options }) => {
      const minimum = options.minSimilarity ?? -1;
      const accept = compileFilter(options);
      const k = options.k;
      const best: { similarity: number; document: VectorDocument }[] = [];
      let floor = minimum;
      for (const scope of scopes) {
        const id = scopeId(scope);
        const copy = byId.get(id) as ScopeCopy;
        const scores = scoresOf(id, copy);
        const documents = copy.documents;
        for (let index = 0; index < documents.length; index++) {
          const similarity = scores[index]!;
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
    });
  }

  /** Each scope's copy, brought up to the version Redis holds now (one MGET when nothing changed). */
  private async load(scopes: readonly VectorScope[]): Promise<ScopeCopy[]> {
    if (scopes.length === 0) return [];
    const versionKeys = scopes.map((scope) => this.scopeKeys(scope).version);
    const client = this.client;
    const versions = isCluster(client) ? await Promise.all(versionKeys.map((key) => client.get(key))) : await client.mGet(versionKeys);
    return Promise.all(scopes.map((scope, index) => this.current(scope, Number(versions[index] ?? 0))));
  }

  /** The copy of `scope` at `version` or later; one refresh per scope at a time. */
  private async current(scope: VectorScope, version: number): Promise<ScopeCopy> {
    const id = scopeId(scope);
    for (;;) {
      const running = this.refreshing.get(id);
      if (running) {
        await running.catch(() => undefined);
        continue;
      }
      const cached = this.cache.get(id);
      if (cached && cached.version >= version) {
        this.cache.delete(id);
        this.cache.set(id, cached);
        return cached;
      }
      const refresh = this.refresh(scope, id, cached, version).finally(() => this.refreshing.delete(id));
      this.refreshing.set(id, refresh);
      return refresh;
    }
  }

  private async refresh(scope: VectorScope, id: string, cached: ScopeCopy | undefined, version: number): Promise<ScopeCopy> {
    const changed = cached ? await this.changedSince(scope, cached.version) : undefined;
    let copy: ScopeCopy;
    if (cached && changed) {
      const documents = await this.fetch(changed);
      changed.forEach((key, index) => cached.apply(key, documents[index]));
      cached.mirror();
      cached.version = version;
      copy = cached;
    } else {
      const { members } = this.scopeKeys(scope);
      const keys = await this.client.sMembers(members);
      const documents = await this.fetch(keys);
      const expired = keys.filter((_, index) => documents[index] === undefined);
      if (expired.length > 0) await this.client.sRem(members, expired);
      const present = documents.filter((document): document is VectorDocument => document !== undefined).sort((a, b) => a.key.localeCompare(b.key));
      copy = new ScopeCopy(version, present, () => (this.simdModule ??= SimdScorer.compile()));
    }
    this.cache.delete(id);
    this.cache.set(id, copy);
    while (this.cache.size > MAX_CACHED_SCOPES) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
    return copy;
  }

  /** Members changed after `version`, or undefined when the log no longer reaches back that far. */
  private async changedSince(scope: VectorScope, version: number): Promise<string[] | undefined> {
    const { changes } = this.scopeKeys(scope);
    const command = ["ZRANGE", changes, `(${version}`, "+inf", "BYSCORE"];
    const client = this.client;
    const members = isCluster(client) ? await client.sendCommand<string[]>(changes, true, command) : await client.sendCommand<string[]>(command);
    return members.includes("") ? undefined : members;
  }

  /** Each key's document, or undefined when its hash is gone (deleted or expired). */
  private async fetch(keys: readonly string[]): Promise<(VectorDocument | undefined)[]> {
    const client = this.client;
    const hashes = await Promise.all(
      keys.map((key) =>
        isCluster(client) ? client.sendCommand<Buffer[]>(key, true, ["HGETALL", key], BINARY) : client.sendCommand<Buffer[]>(["HGETALL", key], BINARY),
      ),
    );
    return hashes.map((flat, index) => {
      if (!flat || flat.length === 0) return undefined;
      const fields: Record<string, string> = {};
      let vector: Float32Array | undefined;
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const name = (flat[i] as Buffer).toString("utf8");
        const value = flat[i + 1] as Buffer;
        if (name === EMBEDDING_FIELD) vector = fromBytes(value);
        else fields[name] = value.toString("utf8");
      }
      return vector ? { key: keys[index] as string, vector, fields } : undefined;
    });
  }
}

function scopeId(scope: VectorScope): string {
  return JSON.stringify([scope.tag, scope.name]);
}
