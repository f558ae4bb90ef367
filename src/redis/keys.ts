import { InvalidIdError } from "../errors.js";
import { validateId } from "./ids.js";

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/u;
const HEX_DIGEST = /^[0-9a-f]{16,128}$/u;
const SAFE_SEGMENT = /^[A-Za-z0-9_.-]*$/u;

function isoDate(field: string, value: string): string {
  if (!ISO_DATE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw new InvalidIdError(field, `expected a date as YYYY-MM-DD, got '${String(value).slice(0, 40)}'`, "");
  }
  return value;
}

/**
 * Escapes an arbitrary string (a thread id, a checkpoint namespace) into a key segment: every
 * byte outside [A-Za-z0-9_.-] becomes %XX. The mapping is injective, so two different ids never
 * share a key, and the result holds no braces, so it can sit inside a hash tag.
 */
export function encodeKeySegment(value: string): string {
  // Most segments (UUIDs, digests, plain ids) need no escaping; this runs for every key of a turn.
  if (SAFE_SEGMENT.test(value)) return value;
  let encoded = "";
  for (const byte of Buffer.from(value, "utf8")) {
    const char = String.fromCharCode(byte);
    encoded += /[A-Za-z0-9_.-]/u.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return encoded;
}

/** The inverse of {@link encodeKeySegment}. */
export function decodeKeySegment(segment: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < segment.length; i++) {
    if (segment[i] === "%") {
      bytes.push(Number.parseInt(segment.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(segment.charCodeAt(i));
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

function hexDigest(field: string, value: string): string {
  if (!HEX_DIGEST.test(value)) {
    throw new InvalidIdError(field, "expected a lowercase hex digest", "");
  }
  return value;
}

/**
 * The whole Redis key schema (see docs/architecture.md). Every key the app writes is built here, so
 * the prefix, the id checks and the cluster hash tags are applied in one place.
 *
 * Braces are literal: Redis Cluster hashes only the text inside the first `{...}` of a key, so
 * every key of one user (`{user}`) lands on one slot and multi-key commands on them are legal.
 * Ids are validated before they reach a key, so an id can never add braces or glob characters.
 *
 * @example
 * ```ts
 * const keys = new KeySchema("wellness:");
 * keys.workoutsByDate("alice"); // "wellness:user:{alice}:workout:by_date"
 * ```
 */
export class KeySchema {
  readonly prefix: string;

  constructor(prefix = "") {
    if (/[\s{}*?[\]\\]/u.test(prefix)) {
      throw new InvalidIdError("key prefix", "it contains whitespace or one of { } * ? [ ] \\", "");
    }
    this.prefix = prefix;
  }

  private key(...parts: string[]): string {
    return this.prefix + parts.join(":");
  }

  /** `{user}` hash tag for a validated user id. */
  private user(userId: string): string {
    return `{${validateId("user id", userId)}}`;
  }

  // Health data: the permanent source of truth, never expires.

  /** Manifest and summary of a user's imported data (STRING JSON). */
  healthData(userId: string): string {
    return this.key("health", "user", this.user(userId), "data");
  }

  /** Permanent daily series of one metric (day -> aggregate). */
  healthSeries(userId: string, metricType: string): string {
    return this.key("health", "user", this.user(userId), "series", `{${validateId("metric type", metricType)}}`);
  }

  /** Permanent workouts: ZSET, score = start epoch seconds, member = workout JSON. */
  healthWorkouts(userId: string): string {
    return this.key("health", "user", this.user(userId), "workouts");
  }

  /** Permanent sleep nights: ZSET, score = day number of the night's end date, member = night JSON. */
  healthSleep(userId: string): string {
    return this.key("health", "user", this.user(userId), "sleep");
  }

  /** Permanent activity rings: ZSET, score = day number, member = day JSON. */
  healthActivity(userId: string): string {
    return this.key("health", "user", this.user(userId), "activity");
  }

  /**
   * Set by the import's swap, in the same atomic step, and deleted when the TTL'd indexes have
   * been rebuilt: while it exists, readers must not trust the indexes (STRING, the import id).
   */
  healthIndexesPending(userId: string): string {
    return this.key("health", "user", this.user(userId), "indexes_pending");
  }

  /**
   * The same schema with every key moved under `staging:<importId>:` (after the prefix), for an
   * import that builds beside the live data and swaps in at the end. Hash tags are unchanged, so
   * staging and live keys of one user share a slot and RENAME works on a cluster.
   */
  staging(importId: string): KeySchema {
    return new KeySchema(`${this.prefix}staging:${validateId("import id", importId)}:`);
  }

  /** Summary index of one metric: count, avg, min, max, recent values, date range (TTL'd). */
  healthMetric(userId: string, metricType: string): string {
    return this.key("health", "user", this.user(userId), "metric", `{${validateId("metric type", metricType)}}`);
  }

  recentInsights(userId: string): string {
    return this.key("health", "user", this.user(userId), "recent_insights");
  }

  healthContext(userId: string): string {
    return this.key("health", "user", this.user(userId), "context");
  }

  // Workouts and sleep indexes (TTL'd, rebuildable from the health data).

  workoutDays(userId: string): string {
    return this.key("user", this.user(userId), "workout", "days");
  }

  workoutsByDate(userId: string): string {
    return this.key("user", this.user(userId), "workout", "by_date");
  }

  workout(userId: string, workoutId: string): string {
    return this.key("user", this.user(userId), "workout", `{${validateId("workout id", workoutId)}}`);
  }

  sleepByDate(userId: string): string {
    return this.key("user", this.user(userId), "sleep", "by_date");
  }

  sleepNight(userId: string, date: string): string {
    return this.key("user", this.user(userId), "sleep", `{${isoDate("sleep date", date)}}`);
  }

  // Long-term memory.

  episodic(userId: string, eventType: string, memoryId: string): string {
    return this.key(
      "episodic",
      this.user(userId),
      `{${validateId("event type", eventType)}}`,
      `{${validateId("memory id", memoryId)}}`,
    );
  }

  procedure(userId: string, patternHash: string): string {
    return this.key("procedure", this.user(userId), `{${hexDigest("pattern hash", patternHash)}}`);
  }

  semantic(category: string, factType: string, factId: string): string {
    return this.key(
      "semantic",
      `{${validateId("category", category)}}`,
      `{${validateId("fact type", factType)}}`,
      `{${validateId("fact id", factId)}}`,
    );
  }

  /** One piece of advice the agent gave a user and what became of it (HASH + float32 vector). */
  intervention(userId: string, interventionId: string): string {
    return this.key("intervention", this.user(userId), `{${validateId("intervention id", interventionId)}}`);
  }

  /**
   * ZSET of every pending intervention, member JSON [user, id], score = when its evaluation
   * window ends (epoch ms): the outcome check reads what is due with one ZRANGE BYSCORE.
   */
  interventionsDue(): string {
    return this.key("interventions", "due");
  }

  /**
   * HASH of a session's reflection: the session activity it covers, attempts, next attempt and
   * last error, so an idle session is reflected on once and a failed attempt is retried later.
   */
  reflection(userId: string, sessionId: string): string {
    return this.key("reflection", this.user(userId), encodeKeySegment(sessionId));
  }

  /** ZSET of sessions waiting for a reflection, member JSON [user, session], score = next attempt (epoch ms). */
  reflectionsDue(): string {
    return this.key("reflections", "due");
  }

  embeddingCache(sha256: string): string {
    return this.key("embedding_cache", `{${hexDigest("embedding digest", sha256)}}`);
  }

  // Checkpoints: every key of one thread carries the `{thread}` hash tag.

  /** Hash of a thread's checkpoint namespaces: namespace -> key base of that namespace. */
  checkpointNamespaces(threadId: string): string {
    return this.key("checkpoint", `{${encodeKeySegment(threadId)}}`, "namespaces");
  }

  /**
   * Key base of one namespace of a thread; the saver appends `ids` (ZSET), `data` (HASH),
   * `blobs` (HASH) and `writes` (ZSET).
   */
  checkpointNamespaceBase(threadId: string, namespace: string): string {
    return `${this.key("checkpoint", `{${encodeKeySegment(threadId)}}`, "ns", encodeKeySegment(namespace))}:`;
  }

  /**
   * SCAN pattern matching the namespaces hash of every thread, for listing across threads (an
   * administrative operation, never on a hot path), and the way back from a match to its thread.
   */
  checkpointNamespacesPattern(): string {
    return this.key("checkpoint", "{*}", "namespaces");
  }

  threadOfNamespacesKey(key: string): string | undefined {
    const head = this.key("checkpoint", "{");
    const tail = "}:namespaces";
    if (!key.startsWith(head) || !key.endsWith(tail)) return undefined;
    return decodeKeySegment(key.slice(head.length, key.length - tail.length));
  }

  /** Hit, miss and error counters of the embedding cache (HASH), shared by every process. */
  embeddingCacheStats(): string {
    return this.key("embedding_cache", "stats");
  }

  // Vector scopes: the members of one searchable set of memories, and a version bumped on change.

  /** SET of the memory keys in a scope. `tag` is the scope's hash tag (a user id or a category). */
  vectorMembers(tag: string, scope: string): string {
    return this.key("vector", `{${validateId("scope tag", tag)}}`, validateId("scope", scope), "members");
  }

  /** Counter bumped on every change to a scope, so in-process caches know when to reload. */
  vectorVersion(tag: string, scope: string): string {
    return this.key("vector", `{${validateId("scope tag", tag)}}`, validateId("scope", scope), "version");
  }

  /**
   * ZSET change log of a scope: member key -> the version of its latest change, plus the member
   * "" scored with the newest version trimmed away, so a process that cached version v reads only
   * what changed after v (or learns it is too far behind and reloads).
   */
  vectorChanges(tag: string, scope: string): string {
    return this.key("vector", `{${validateId("scope tag", tag)}}`, validateId("scope", scope), "changes");
  }

  /** SET of every scope that holds vectors (JSON [tag, scope]), for `wellness memory reindex`. */
  vectorScopes(): string {
    return this.key("vector", "scopes");
  }

  /** The embedding provider, model and dimensions the stored memories were made with (STRING JSON). */
  memoryModel(): string {
    return this.key("memory", "model");
  }

  // LangGraph store (BaseStore items), per owner: every key carries the `{owner}` hash tag, so one
  // owner's items, namespace indexes and registry share one slot and one Lua script reaches them all.

  /** ZSET (all scores 0, lexicographic) of an owner's namespaces, each joined with "." (labels hold no "."). */
  storeNamespaces(ownerId: string): string {
    return this.key("store", this.storeOwner(ownerId), "namespaces");
  }

  /** ZSET of an owner's items that carry a TTL: member `<namespace>\0<key>`, score = expiry (ms). */
  storeExpiry(ownerId: string): string {
    return this.key("store", this.storeOwner(ownerId), "expiry");
  }

  /** STRING: the last update time (ms) given to any of an owner's items, so updates are strictly ordered. */
  storeClock(ownerId: string): string {
    return this.key("store", this.storeOwner(ownerId), "clock");
  }

  /** ZSET of the keys in one namespace, score = last update (ms). `namespace` is joined with ".". */
  storeNamespace(ownerId: string, namespace: string): string {
    return `${this.storeNamespaceBase(ownerId)}${encodeKeySegment(namespace)}`;
  }

  /** HASH of one item: value JSON, created and updated (ms), TTL and expiry, embedding vectors. */
  storeItem(ownerId: string, namespace: string, key: string): string {
    return `${this.storeItemBase(ownerId)}${encodeKeySegment(namespace)}:${encodeKeySegment(key)}`;
  }

  /** Start of every namespace ZSET of an owner; the store's Lua scripts append the encoded namespace. */
  storeNamespaceBase(ownerId: string): string {
    return this.key("store", this.storeOwner(ownerId), "ns", "");
  }

  /** Start of every item HASH of an owner; the store's Lua scripts append `<namespace>:<key>` encoded. */
  storeItemBase(ownerId: string): string {
    return this.key("store", this.storeOwner(ownerId), "item", "");
  }

  /** SCAN pattern of every store key of every owner (truncating the store: administrative, never a hot path). */
  storeKeysPattern(): string {
    return this.key("store", "{*}:*");
  }

  private storeOwner(ownerId: string): string {
    return `{${validateId("store owner", ownerId)}}`;
  }

  // Sessions.

  /** Owner (user id) of a session, so removing a session can find its user's index. */
  sessionOwner(sessionId: string): string {
    return this.key("session", `{${encodeKeySegment(sessionId)}}`, "owner");
  }

  recentSessions(): string {
    return this.key("sessions", "recent");
  }

  userSessions(userId: string): string {
    return this.key("user", this.user(userId), "sessions");
  }

  // Cache layer: everything under `cache:`, so pattern invalidation can never reach another family;
  // a user's entries under `cache:user:{user}:`, so one slot holds them and one SCAN finds them.

  /** Root of the cache namespace (SCAN patterns start here). */
  cacheRoot(): string {
    return this.key("cache", "");
  }

  /** A cache entry by its name inside the namespace. */
  cache(name: string): string {
    return `${this.cacheRoot()}${name}`;
  }

  /** Root of one user's cache entries. */
  userCacheRoot(userId: string): string {
    return this.key("cache", "user", this.user(userId), "");
  }

  userProfile(userId: string): string {
    return `${this.userCacheRoot(userId)}profile`;
  }

  /** The greeting and context line the agent puts in its prompt (cached for minutes). */
  userContextLine(userId: string): string {
    return `${this.userCacheRoot(userId)}context_line`;
  }

  /** A deterministic tool's output for one user, input and data version. */
  toolOutput(userId: string, tool: string, inputHash: string): string {
    return `${this.userCacheRoot(userId)}tool:{${validateId("tool name", tool)}}:{${hexDigest("tool input hash", inputHash)}}`;
  }

  /** Hit, miss, request and error counters of the cache layer (outside the namespace it counts). */
  cacheStats(): string {
    return this.key("stats", "cache");
  }

  /** Per-tool hits and misses of the tool-output cache, and per-tool analytics from the learning stream. */
  toolStats(): string {
    return this.key("tool", "stats");
  }

  /** The sha256 of the last imported export: part of each tool-output cache key, so no stale result is served. */
  healthVersion(userId: string): string {
    return this.key("health", "user", this.user(userId), "version");
  }

  /**
   * Failed authentications from one client address in the current fixed window (STRING counter,
   * expiring with the window). The address is escaped, so IPv6 colons and brackets are safe.
   */
  authFailures(address: string): string {
    return this.key("ratelimit", "auth", `{${encodeKeySegment(address)}}`);
  }

  lock(resource: string, id: string): string {
    return this.key("lock", `{${validateId("lock resource", resource)}}`, `{${validateId("lock id", id)}}`);
  }

  /** A key that is never written: JSON.GET on it tells whether the JSON module is loaded. */
  capabilityProbe(): string {
    return this.key("wellness", "capability_probe");
  }

  // Agent Server (RedisOps): assistants, threads, runs, the run queue and run streams. Every key of
  // one assistant carries `{a:<id>}`, of one thread (its runs included) `{t:<id>}`, of one run's
  // stream `{r:<id>}`, so the scripts that touch several of them stay on one cluster slot.

  /** Root of every Agent Server key (truncation in tests deletes under it). */
  agentRoot(): string {
    return this.key("lg", "");
  }

  /** An assistant (HASH: doc JSON, version). */
  agentAssistant(assistantId: string): string {
    return this.key("lg", "assistant", `{a:${encodeKeySegment(assistantId)}}`);
  }

  /** An assistant's versions (HASH: version -> JSON). */
  agentAssistantVersions(assistantId: string): string {
    return this.key("lg", "assistant", `{a:${encodeKeySegment(assistantId)}}`, "versions");
  }

  /** ZSET of every assistant id, score = creation time (ms). */
  agentAssistants(): string {
    return this.key("lg", "assistants");
  }

  /** A thread (HASH: thread_id, created_at, updated_at, metadata, config, status, values, interrupts). */
  agentThread(threadId: string): string {
    return this.key("lg", "thread", `{t:${encodeKeySegment(threadId)}}`);
  }

  /** ZSET of every thread id, score = creation time (ms). */
  agentThreads(): string {
    return this.key("lg", "threads");
  }

  /** ZSET of a thread's run ids, score = creation time (ms). */
  agentThreadRuns(threadId: string): string {
    return this.key("lg", "thread", `{t:${encodeKeySegment(threadId)}}`, "runs");
  }

  /** SET of a thread's pending and running run ids. */
  agentThreadInflight(threadId: string): string {
    return this.key("lg", "thread", `{t:${encodeKeySegment(threadId)}}`, "inflight");
  }

  /** The run executing on a thread (STRING run id with a lease expiry), so one run runs at a time. */
  agentThreadActive(threadId: string): string {
    return this.key("lg", "thread", `{t:${encodeKeySegment(threadId)}}`, "active");
  }

  /** A run (HASH: doc JSON, status, updated_at, attempt, cancel), in its thread's slot. */
  agentRun(threadId: string, runId: string): string {
    return this.key("lg", "thread", `{t:${encodeKeySegment(threadId)}}`, "run", encodeKeySegment(runId));
  }

  /** The thread a run belongs to (STRING), for calls that name only the run. */
  agentRunThread(runId: string): string {
    return this.key("lg", "run", `{r:${encodeKeySegment(runId)}}`, "thread");
  }

  /** A run's output (STREAM of event/data entries, trimmed, expiring after the run). */
  agentRunStream(runId: string): string {
    return this.key("lg", "run", `{r:${encodeKeySegment(runId)}}`, "stream");
  }

  /** The run queue: ZSET of JSON [thread id, run id], score = time the run may start (ms). */
  agentRunQueue(): string {
    return this.key("lg", "queue");
  }

  // The live system: events, instances, models, session context.

  /** PUBLISH channel of one user's events (every subscriber of this channel is that user's). */
  eventsChannel(userId: string): string {
    return this.key("events", this.user(userId));
  }

  /** One user's capped event log (STREAM, MAXLEN ~ retention): the same events, for resuming. */
  eventsLog(userId: string): string {
    return this.key("events", this.user(userId), "log");
  }

  /** One running serve or worker process (HASH, expires a few heartbeats after the last one). */
  instance(instanceId: string): string {
    return this.key("instance", `{${validateId("instance id", instanceId)}}`);
  }

  /** ZSET of instance ids, score = last heartbeat (ms): who is alive, oldest heartbeat first. */
  instances(): string {
    return this.key("instances");
  }

  /** One chat or embedding model in use: identity, first and last seen, and its counters (HASH). */
  model(modelId: string): string {
    return this.key("model", `{${encodeKeySegment(modelId)}}`);
  }

  /** SET of the ids of every model in {@link model}. */
  models(): string {
    return this.key("models");
  }

  /** A session's context: last question, last tool, tools so far, last activity (HASH, 7 days). */
  sessionContext(userId: string, sessionId: string): string {
    return this.key("user", this.user(userId), "session", encodeKeySegment(sessionId), "context");
  }

  // Learning stream.

  learningQueue(): string {
    return this.key("learning", "queue");
  }

  /** Entries the learning worker gave up on after too many deliveries. */
  learningDeadLetters(): string {
    return this.key("learning", "dead");
  }
}
