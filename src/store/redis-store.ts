import {
  BaseStore,
  type GetOperation,
  type Item,
  type ListNamespacesOperation,
  type MatchCondition,
  type Operation,
  type OperationResults,
  type PutOperation,
  type SearchItem,
  type SearchOperation,
} from "@langchain/langgraph-checkpoint";
import { RESP_TYPES } from "redis";
import { ValidationError } from "../errors.js";
import type { RedisClient } from "../redis/client.js";
import { validateId } from "../redis/ids.js";
import type { KeySchema } from "../redis/keys.js";
import { cosine, packVectors, StoreEmbedder, unpackVectors, type StoreEmbeddings } from "./embeddings.js";
import { matchesFilter } from "./filter.js";
import { joinNamespace, splitNamespace, validateItemKey, validateNamespace } from "./namespace.js";
import { CLEAR_OWNER, GET_ITEM, LIST_NAMESPACES, PUT_ITEMS, REFRESH_ITEMS, SEARCH_ITEMS } from "./scripts.js";
import { textsAtPath } from "./text.js";

const BINARY = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } };

/** Semantic search: which embeddings, of which dimension, over which fields of a value. */
export interface StoreIndexConfig {
  /** The project's provider (src/memory/embeddings) or a LangChain `Embeddings`. */
  embeddings: StoreEmbeddings;
  dims: number;
  /** Field paths whose text is embedded (see text.ts); default `["$"]`, the whole value. */
  fields?: string[];
}

/** Expiry of items, as LangGraph's stores configure it (minutes). */
export interface StoreTtlConfig {
  /** TTL of items put without one; none when absent. */
  defaultTtl?: number;
  /** Whether a get or search pushes a returned item's expiry out by its TTL (default true). */
  refreshOnRead?: boolean;
}

export interface RedisStoreOptions {
  client: RedisClient;
  keys: KeySchema;
  /** Whose items this store reads and writes: the authenticated user, or the single user. */
  owner: string;
  index?: StoreIndexConfig;
  ttl?: StoreTtlConfig;
}

/** A put with a TTL in minutes: `null` for none, absent for the store's default. */
export interface StorePutOperation extends PutOperation {
  ttl?: number | null;
}

/** A get or search that says whether to refresh the TTL of what it returns. */
export interface StoreGetOperation extends GetOperation {
  refreshTtl?: boolean;
}
export interface StoreSearchOperation extends SearchOperation {
  refreshTtl?: boolean;
}

type Raw = Buffer | string;
type SearchRow = [Raw, Raw, Raw, Raw, Raw, Raw, Raw, Raw];

interface Candidate {
  item: Item;
  ttl: boolean;
  vectors: Float32Array[];
}

interface PreparedPut {
  namespace: string[];
  key: string;
  value: Record<string, unknown> | null;
  ttlMs: number | undefined;
  texts: string[];
}

const text = (raw: Raw | undefined): string => (raw === undefined ? "" : typeof raw === "string" ? raw : raw.toString("utf8"));

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) throw new ValidationError(`${name} must be a non-negative integer, got ${String(value)}.`);
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The exact matching of LangGraph's InMemoryStore: "*" matches any one label. */
function matchesCondition(condition: MatchCondition, namespace: readonly string[]): boolean {
  const { matchType, path } = condition;
  if (path.length > namespace.length) return false;
  const start = matchType === "prefix" ? 0 : namespace.length - path.length;
  return path.every((label, index) => label === "*" || namespace[start + index] === label);
}

/**
 * A LangGraph `BaseStore` on core Redis, scoped to one owner: every key it touches carries the
 * owner's `{owner}` hash tag, so one owner can never get, search, list or delete another's items,
 * whatever namespace either of them names (`forOwner` gives the view of someone else).
 *
 * Each item is a HASH (value JSON, created and updated times, TTL, embedding vectors); each
 * namespace a ZSET of its keys by update time; the owner's namespaces one lexicographic ZSET, so a
 * prefix is one range. A batch costs one round trip: its reads and its writes are Lua scripts
 * sent together (reads first, so they see the state before the batch's writes, as in
 * InMemoryStore). Search returns the most recently updated items first; with `index` configured
 * and a `query`, items are ranked by exact cosine similarity of their embedded fields (best field
 * per item, `score` set), as InMemoryStore ranks them.
 *
 * @example
 * ```ts
 * const store = new RedisStore({ client, keys, owner: "alice", index: { embeddings, dims: 512 } });
 * await store.put(["memories", "food"], "m1", { text: "I like spicy food" });
 * const [best] = await store.search(["memories"], { query: "what food do I like?" });
 * const bobs = store.forOwner("bob"); // sees none of alice's items
 * ```
 */
export class RedisStore extends BaseStore {
  readonly owner: string;
  private readonly embedder: StoreEmbedder | undefined;
  private readonly fields: string[];
  private readonly base: { keys: string[]; args: string[] };

  constructor(private readonly options: RedisStoreOptions) {
    super();
    this.owner = validateId("store owner", options.owner);
    this.embedder = options.index ? new StoreEmbedder(options.index.embeddings, options.index.dims) : undefined;
    this.fields = options.index?.fields ?? ["$"];
    const { keys } = options;
    this.base = {
      keys: [keys.storeNamespaces(this.owner), keys.storeExpiry(this.owner), keys.storeClock(this.owner)],
      args: [keys.storeNamespaceBase(this.owner), keys.storeItemBase(this.owner)],
    };
    const ttl = options.ttl?.defaultTtl;
    if (ttl !== undefined) this.ttlMs(ttl);
  }

  /** The same store (client, index, TTL policy) for another owner. */
  forOwner(owner: string): RedisStore {
    return new RedisStore({ ...this.options, owner });
  }

  /** Deletes all of this owner's items (e.g. when the user is removed); returns how many there were. */
  async clear(): Promise<number> {
    return CLEAR_OWNER.run<number>(this.options.client, this.base.keys, this.base.args);
  }

  /** Whether semantic search is configured. */
  get indexed(): boolean {
    return this.embedder !== undefined;
  }

  override async get(namespace: string[], key: string, options: { refreshTtl?: boolean } = {}): Promise<Item | null> {
    const operation: StoreGetOperation = { namespace, key, ...(options.refreshTtl === undefined ? {} : { refreshTtl: options.refreshTtl }) };
    const [item] = await this.batch([operation]);
    return item ?? null;
  }

  override async put(
    namespace: string[],
    key: string,
    value: Record<string, unknown>,
    index?: false | string[],
    options: { ttl?: number | null } = {},
  ): Promise<void> {
    validateNamespace(namespace, "write");
    const operation: StorePutOperation = { namespace, key, value, ...(index === undefined ? {} : { index }), ...("ttl" in options ? { ttl: options.ttl ?? null } : {}) };
    await this.batch([operation]);
  }

  override async search(
    namespacePrefix: string[],
    options: { filter?: Record<string, unknown>; limit?: number; offset?: number; query?: string; refreshTtl?: boolean } = {},
  ): Promise<SearchItem[]> {
    const { filter, limit = 10, offset = 0, query, refreshTtl } = options;
    const operation: StoreSearchOperation = { namespacePrefix, limit, offset, ...(filter ? { filter } : {}), ...(query === undefined ? {} : { query }), ...(refreshTtl === undefined ? {} : { refreshTtl }) };
    const [items] = await this.batch([operation]);
    return items ?? [];
  }

  async batch<Op extends Operation[]>(operations: Op): Promise<OperationResults<Op>> {
    const puts = new Map<string, PreparedPut>();
    const searches: { index: number; search: PreparedSearch }[] = [];
    const reads: { index: number; run: () => Promise<unknown> }[] = [];
    operations.forEach((operation, index) => {
      if ("namespacePrefix" in operation) {
        searches.push({ index, search: this.prepareSearch(operation) });
      } else if ("value" in operation) {
        const put = this.preparePut(operation);
        puts.set(`${joinNamespace(put.namespace)}\u0000${put.key}`, put);
      } else if ("key" in operation && "namespace" in operation) {
        const get = operation as StoreGetOperation;
        const namespace = validateNamespace(get.namespace, "read");
        const key = validateItemKey(get.key);
        reads.push({ index, run: () => this.runGet(namespace, key, get.refreshTtl ?? this.refreshOnRead) });
      } else {
        const list = this.prepareList(operation);
        reads.push({ index, run: () => this.runList(list) });
      }
    });

    // Embeddings first, so a provider failure writes nothing; then every script in one tick, so
    // they travel in one pipeline, reads ahead of the writes.
    const putList = [...puts.values()];
    const queries = new Set(searches.flatMap(({ search }) => (search.query === undefined ? [] : [search.query])));
    const [vectorsByText, queryVectors] = await Promise.all([this.embedTexts(putList), this.embedQueries(queries)]);
    for (const { index, search } of searches) reads.push({ index, run: () => this.runSearch(search, queryVectors) });
    const results: unknown[] = operations.map(() => null);
    const pending = reads.map(async ({ index, run }) => {
      results[index] = await run();
    });
    if (putList.length > 0) pending.push(this.runPuts(putList, vectorsByText));
    await Promise.all(pending);
    return results as OperationResults<Op>;
  }

  private get refreshOnRead(): boolean {
    return this.options.ttl?.refreshOnRead ?? true;
  }

  private ttlMs(minutes: number): number {
    if (typeof minutes !== "number" || !Number.isFinite(minutes) || minutes <= 0) {
      throw new ValidationError(`A store TTL is a positive number of minutes, got ${String(minutes)}.`);
    }
    return Math.max(1, Math.round(minutes * 60_000));
  }

  private preparePut(operation: StorePutOperation): PreparedPut {
    const namespace = validateNamespace(operation.namespace, operation.value === null ? "read" : "write");
    const key = validateItemKey(operation.key);
    if (operation.value === null) return { namespace, key, value: null, ttlMs: undefined, texts: [] };
    if (!isRecord(operation.value)) throw new ValidationError("A store value is a JSON object (use null to delete the item).");
    const minutes = operation.ttl === undefined ? this.options.ttl?.defaultTtl : (operation.ttl ?? undefined);
    const ttlMs = minutes === undefined ? undefined : this.ttlMs(minutes);
    let texts: string[] = [];
    if (this.embedder && operation.index !== false) {
      const paths = operation.index ?? this.fields;
      texts = paths.flatMap((path) => textsAtPath(operation.value, path));
    }
    return { namespace, key, value: operation.value, ttlMs, texts };
  }

  private async embedTexts(puts: readonly PreparedPut[]): Promise<Map<string, Float32Array>> {
    const unique = [...new Set(puts.flatMap((put) => put.texts))];
    if (!this.embedder || unique.length === 0) return new Map();
    const vectors = await this.embedder.documents(unique);
    return new Map(unique.map((text, index) => [text, vectors[index] as Float32Array]));
  }

  private async embedQueries(queries: ReadonlySet<string>): Promise<Map<string, Float32Array>> {
    const embedder = this.embedder;
    if (!embedder || queries.size === 0) return new Map();
    const list = [...queries];
    const vectors = await Promise.all(list.map((query) => embedder.query(query)));
    return new Map(list.map((query, index) => [query, vectors[index] as Float32Array]));
  }

  private async runPuts(puts: readonly PreparedPut[], vectorsByText: ReadonlyMap<string, Float32Array>): Promise<void> {
    const args: (string | Buffer)[] = [...this.base.args, String(puts.length)];
    for (const put of puts) {
      const vectors = put.texts.map((entry) => vectorsByText.get(entry)).filter((vector): vector is Float32Array => vector !== undefined);
      args.push(
        joinNamespace(put.namespace),
        put.key,
        put.value === null ? "d" : "p",
        put.value === null ? "" : JSON.stringify(put.value),
        put.ttlMs === undefined ? "" : String(put.ttlMs),
        String(this.embedder?.dims ?? 0),
        vectors.length > 0 ? packVectors(vectors) : "",
      );
    }
    await PUT_ITEMS.run(this.options.client, this.base.keys, args);
  }

  private async runGet(namespace: string[], key: string, refresh: boolean): Promise<Item | null> {
    if (namespace.length === 0) return null;
    const reply = await GET_ITEM.run<[string, string, string] | null>(this.options.client, this.base.keys, [
      ...this.base.args,
      joinNamespace(namespace),
      key,
      refresh ? "1" : "0",
    ]);
    if (!reply) return null;
    return { value: JSON.parse(reply[0]) as Record<string, unknown>, key, namespace, createdAt: new Date(Number(reply[1])), updatedAt: new Date(Number(reply[2])) };
  }

  private prepareSearch(operation: StoreSearchOperation): PreparedSearch {
    const prefix = validateNamespace(operation.namespacePrefix, "prefix");
    if (operation.filter !== undefined && operation.filter !== null && !isRecord(operation.filter)) throw new ValidationError("A store search filter is a JSON object.");
    const filter = operation.filter && Object.keys(operation.filter).length > 0 ? (operation.filter) : undefined;
    const query = this.embedder && operation.query ? operation.query : undefined;
    return {
      prefix,
      filter,
      query,
      limit: positiveInteger("limit", operation.limit, 10),
      offset: positiveInteger("offset", operation.offset, 0),
      refresh: operation.refreshTtl ?? this.refreshOnRead,
    };
  }

  private async runSearch(search: PreparedSearch, queryVectors: ReadonlyMap<string, Float32Array>): Promise<SearchItem[]> {
    const page = search.filter === undefined && search.query === undefined;
    const rows = await SEARCH_ITEMS.run<SearchRow[]>(
      this.options.client,
      this.base.keys,
      [
        ...this.base.args,
        joinNamespace(search.prefix),
        page ? "page" : "all",
        String(search.offset),
        String(search.limit),
        search.query === undefined ? "0" : "1",
        page && search.refresh ? "1" : "0",
      ],
      BINARY,
    );
    const candidates = rows.map((row) => this.candidate(row)).filter((candidate) => matchesFilter(candidate.item.value, search.filter));
    if (page) return candidates.map(({ item }) => ({ ...item, score: undefined }));
    const queryVector = search.query === undefined ? undefined : queryVectors.get(search.query);
    const chosen = queryVector
      ? rank(candidates, queryVector, search.offset, search.limit)
      : candidates.slice(search.offset, search.offset + search.limit).map((candidate) => ({ candidate, score: undefined }));
    if (search.refresh) {
      const expiring = chosen.filter(({ candidate }) => candidate.ttl).flatMap(({ candidate }) => [joinNamespace(candidate.item.namespace), candidate.item.key]);
      if (expiring.length > 0) await REFRESH_ITEMS.run(this.options.client, this.base.keys, [...this.base.args, ...expiring]);
    }
    return chosen.map(({ candidate, score }) => ({ ...candidate.item, score }));
  }

  private candidate(row: SearchRow): Candidate {
    const [namespace, key, value, created, updated, ttl, dims, vectors] = row;
    return {
      item: {
        value: JSON.parse(text(value)) as Record<string, unknown>,
        key: text(key),
        namespace: splitNamespace(text(namespace)),
        createdAt: new Date(Number(text(created))),
        updatedAt: new Date(Number(text(updated))),
      },
      ttl: text(ttl) !== "",
      // Vectors of another dimension (made before the index changed) cannot be compared: unscored.
      vectors: Buffer.isBuffer(vectors) && vectors.byteLength > 0 && Number(text(dims)) === this.embedder?.dims ? unpackVectors(vectors, this.embedder.dims) : [],
    };
  }

  private prepareList(operation: ListNamespacesOperation): PreparedList {
    const conditions = (operation.matchConditions ?? []).map((condition) => {
      if (condition.matchType !== "prefix" && condition.matchType !== "suffix") throw new ValidationError(`Unsupported namespace match type: ${String(condition.matchType)}.`);
      validateNamespace(
        condition.path.filter((label) => label !== "*"),
        "prefix",
      );
      return condition;
    });
    const prefixCondition = conditions.find((condition) => condition.matchType === "prefix");
    const literal: string[] = [];
    for (const label of prefixCondition?.path ?? []) {
      if (label === "*") break;
      literal.push(label);
    }
    const maxDepth = operation.maxDepth;
    if (maxDepth !== undefined && (!Number.isInteger(maxDepth) || maxDepth < 1)) throw new ValidationError(`maxDepth must be a positive integer, got ${String(maxDepth)}.`);
    return {
      literal,
      conditions,
      maxDepth,
      limit: operation.limit === undefined ? undefined : positiveInteger("limit", operation.limit, 100),
      offset: positiveInteger("offset", operation.offset, 0),
    };
  }

  private async runList(list: PreparedList): Promise<string[][]> {
    const joined = await LIST_NAMESPACES.run<string[]>(this.options.client, this.base.keys, [...this.base.args, joinNamespace(list.literal)]);
    let namespaces = joined.map(splitNamespace).filter((namespace) => list.conditions.every((condition) => matchesCondition(condition, namespace)));
    if (list.maxDepth !== undefined) {
      const depth = list.maxDepth;
      namespaces = [...new Set(namespaces.map((namespace) => joinNamespace(namespace.slice(0, depth))))].map(splitNamespace);
    }
    namespaces.sort((a, b) => a.join(":").localeCompare(b.join(":")));
    return namespaces.slice(list.offset, list.offset + (list.limit ?? namespaces.length));
  }
}

interface PreparedSearch {
  prefix: string[];
  filter: Record<string, unknown> | undefined;
  query: string | undefined;
  limit: number;
  offset: number;
  refresh: boolean;
}

interface PreparedList {
  literal: string[];
  conditions: MatchCondition[];
  maxDepth: number | undefined;
  limit: number | undefined;
  offset: number;
}

/**
 * InMemoryStore's ranking: every embedded field of every candidate is scored, the best score of
 * an item counts, offset and limit apply to distinct items, and items with no vector fill what is
 * left of the page (unscored) after the ranked ones.
 */
function rank(candidates: readonly Candidate[], query: Float32Array, offset: number, limit: number): { candidate: Candidate; score: number | undefined }[] {
  const scored: { candidate: Candidate; score: number }[] = [];
  const scoreless: Candidate[] = [];
  for (const candidate of candidates) {
    if (candidate.vectors.length === 0) scoreless.push(candidate);
    for (const vector of candidate.vectors) scored.push({ candidate, score: cosine(query, vector) });
  }
  scored.sort((a, b) => b.score - a.score);
  const seen = new Set<Candidate>();
  const kept: { candidate: Candidate; score: number | undefined }[] = [];
  for (const entry of scored) {
    if (seen.has(entry.candidate)) continue;
    if (seen.size >= offset + limit) break;
    const position = seen.size;
    seen.add(entry.candidate);
    if (position >= offset) kept.push(entry);
  }
  if (kept.length < limit) for (const candidate of scoreless.slice(0, limit - kept.length)) kept.push({ candidate, score: undefined });
  return kept;
}
