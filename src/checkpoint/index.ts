import { isDeepStrictEqual } from "node:util";
import type { RunnableConfig } from "@langchain/core/runnables";
import {
  BaseCheckpointSaver,
  compareWritesSortKeys,
  getCheckpointId,
  maxChannelVersion,
  TASKS,
  WRITES_IDX_MAP,
  writesSortKey,
  type ChannelVersions,
  type Checkpoint,
  type CheckpointListOptions,
  type CheckpointMetadata,
  type CheckpointPendingWrite,
  type CheckpointTuple,
  type PendingWrite,
  type SerializerProtocol,
} from "@langchain/langgraph-checkpoint";
import { RESP_TYPES, type RedisClusterType } from "redis";
import { CheckpointConfigError } from "../errors.js";
import { isCluster, type RedisClient } from "../redis/client.js";
import { KeySchema } from "../redis/keys.js";
import { blobChannel, blobField, packTyped, packWrite, unpackTyped, unpackWrite, writeMember, type StoredWrite } from "./codec.js";
import { MessageCachingSerializer } from "./message-serde.js";
import { DELETE_THREAD, GET_TUPLE, PUT_CHECKPOINT, PUT_WRITES } from "./scripts.js";
import type { SessionIndex } from "./session-index.js";

export { MessageCachingSerializer, type MessageCachingSerializerOptions } from "./message-serde.js";
export { SessionIndex, type SessionEntry, type SessionIndexOptions } from "./session-index.js";

export interface RedisCheckpointSaverOptions {
  /** Key schema (and so the key prefix) to write under. Default: no prefix. */
  keys?: KeySchema;
  /** Expire every key a checkpoint writes after this many seconds (0 or absent: never). */
  ttlSeconds?: number;
  /** Reading a checkpoint pushes its namespace's expiry out to `ttlSeconds` again. */
  refreshOnRead?: boolean;
  /** Keep only the newest N checkpoints per thread and namespace, with their writes and blobs. */
  maxCheckpointsPerThread?: number;
  /**
   * Session index to keep in step: deleteThread removes the session from it. Who owns a session
   * and when it was last active are recorded by the agent after each turn (for the authenticated
   * user), never by put from a configurable a client could write.
   */
  sessionIndex?: SessionIndex;
  /** Default: a MessageCachingSerializer around LangGraph's JsonPlusSerializer (threads' messages revived once per process). */
  serde?: SerializerProtocol;
}

/** What GET_TUPLE returns: id, checkpoint, metadata, parent, refs, blob values, write values. */
type RawTuple = [Buffer, Buffer, Buffer, Buffer | null, Buffer, (Buffer | null)[], (Buffer | null)[]];

const BINARY = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } };
const LIST_PAGE_SIZE = 64;

interface Location {
  threadId: string;
  namespace: string;
}

function threadIdOf(config: RunnableConfig, operation: string): string {
  if (config.configurable === undefined) {
    throw new CheckpointConfigError(
      `${operation} needs config.configurable with a thread_id, e.g. { configurable: { thread_id: sessionId } }.`,
    );
  }
  const threadId: unknown = config.configurable.thread_id;
  if (typeof threadId !== "string" || threadId === "") {
    throw new CheckpointConfigError(
      `${operation} needs a non-empty string config.configurable.thread_id (got ${threadId === undefined ? "none" : typeof threadId}).`,
    );
  }
  return threadId;
}

function namespaceOf(config: RunnableConfig): string {
  const namespace: unknown = config.configurable?.checkpoint_ns ?? "";
  if (typeof namespace !== "string") {
    throw new CheckpointConfigError(`config.configurable.checkpoint_ns must be a string (got ${typeof namespace}).`);
  }
  return namespace;
}

function matches(metadata: CheckpointMetadata | undefined, filter: Record<string, unknown> | undefined): boolean {
  if (!filter) return true;
  const record = (metadata ?? {}) as Record<string, unknown>;
  return Object.entries(filter).every(([key, value]) => isDeepStrictEqual(record[key], value));
}

/**
 * A LangGraph checkpoint saver on core Redis commands only (strings, hashes, sorted sets and Lua),
 * so it runs on any Redis >= 6.2, Valkey, managed services and Redis Cluster, without the
 * Query Engine or JSON modules.
 *
 * Each put and each getTuple is one atomic script call (one round trip); a thread's keys share
 * the `{thread}` hash tag, so they live on one cluster slot. Channel values are stored once per
 * (channel, version) and shared by the checkpoints that reference them. Checkpoints are found
 * through per-namespace sorted sets; only listing across all threads scans the keyspace.
 *
 * @example
 * ```ts
 * const redis = await connectRedis({ url: "redis://127.0.0.1:6379" });
 * const checkpointer = new RedisCheckpointSaver(redis, { ttlSeconds: config.memoryTtlSeconds });
 * const graph = builder.compile({ checkpointer });
 * await graph.invoke(input, { configurable: { thread_id: sessionId } });
 * ```
 */
export class RedisCheckpointSaver extends BaseCheckpointSaver {
  private readonly client: RedisClient;
  private readonly keys: KeySchema;
  private readonly ttlSeconds: number;
  private readonly refreshOnRead: boolean;
  private readonly maxCheckpointsPerThread: number;
  private readonly sessionIndex: SessionIndex | undefined;

  constructor(client: RedisClient, options: RedisCheckpointSaverOptions = {}) {
    super(options.serde ?? new MessageCachingSerializer());
    const { ttlSeconds = 0, maxCheckpointsPerThread = 0 } = options;
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 0) {
      throw new RangeError("ttlSeconds must be a whole number of seconds (0 for no expiry)");
    }
    if (!Number.isInteger(maxCheckpointsPerThread) || maxCheckpointsPerThread < 0) {
      throw new RangeError("maxCheckpointsPerThread must be a whole number (0 keeps every checkpoint)");
    }
    this.client = client;
    this.keys = options.keys ?? new KeySchema();
    this.ttlSeconds = ttlSeconds;
    this.refreshOnRead = options.refreshOnRead ?? false;
    this.maxCheckpointsPerThread = maxCheckpointsPerThread;
    this.sessionIndex = options.sessionIndex;
  }

  private namespaceKeys({ threadId, namespace }: Location): { base: string; keys: string[] } {
    const base = this.keys.checkpointNamespaceBase(threadId, namespace);
    return {
      base,
      keys: [`${base}ids`, `${base}data`, `${base}blobs`, `${base}writes`, this.keys.checkpointNamespaces(threadId)],
    };
  }

  private fetch(location: Location, checkpointId: string | undefined, refresh: boolean): Promise<RawTuple | null> {
    const ttl = refresh && this.refreshOnRead ? this.ttlSeconds : 0;
    return GET_TUPLE.run<RawTuple | null>(this.client, this.namespaceKeys(location).keys, [checkpointId ?? "", String(ttl)], BINARY);
  }

  async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    const threadId: unknown = config.configurable?.thread_id;
    if (threadId === undefined || threadId === "") return undefined;
    const location = { threadId: threadIdOf(config, "getTuple"), namespace: namespaceOf(config) };
    const raw = await this.fetch(location, getCheckpointId(config) || undefined, true);
    return raw ? this.toTuple(location, raw) : undefined;
  }

  /**
   * The id of a thread's newest checkpoint in a namespace, without reading the checkpoint: what
   * the run queue records as a run's rollback point, where loading the whole state would be waste.
   */
  async latestCheckpointId(threadId: string, namespace = ""): Promise<string | undefined> {
    const [idsKey] = this.namespaceKeys({ threadId, namespace }).keys as [string];
    const [latest] = await this.client.zRange(idsKey, "+", "-", { BY: "LEX", REV: true, LIMIT: { offset: 0, count: 1 } });
    return latest;
  }

  async *list(config: RunnableConfig, options: CheckpointListOptions = {}): AsyncGenerator<CheckpointTuple> {
    const { filter } = options;
    let remaining = options.limit ?? Number.POSITIVE_INFINITY;
    if (remaining <= 0) return;
    const beforeId = options.before ? getCheckpointId(options.before) || undefined : undefined;
    const onlyId = getCheckpointId(config) || undefined;
    const threadId: unknown = config.configurable?.thread_id;
    const threads = threadId !== undefined && threadId !== "" ? [threadIdOf(config, "list")] : this.allThreads();
    const namespace = config.configurable?.checkpoint_ns === undefined ? undefined : namespaceOf(config);

    for await (const thread of threads) {
      const namespaces =
        namespace !== undefined ? [namespace] : (await this.client.hKeys(this.keys.checkpointNamespaces(thread))).sort();
      for (const ns of namespaces) {
        const location = { threadId: thread, namespace: ns };
        const [idsKey] = this.namespaceKeys(location).keys as [string];
        let upper = beforeId === undefined ? "+" : `(${beforeId}`;
        for (;;) {
          const ids = onlyId
            ? [onlyId].filter((id) => beforeId === undefined || id < beforeId)
            : await this.client.zRange(idsKey, upper, "-", {
                BY: "LEX",
                REV: true,
                LIMIT: { offset: 0, count: Number.isFinite(remaining) && !filter ? Math.min(remaining, LIST_PAGE_SIZE) : LIST_PAGE_SIZE },
              });
          if (ids.length === 0) break;
          const raws = await Promise.all(ids.map((id) => this.fetch(location, id, false)));
          for (const raw of raws) {
            if (!raw) continue;
            const tuple = await this.toTuple(location, raw);
            if (!matches(tuple.metadata, filter)) continue;
            yield tuple;
            remaining -= 1;
            if (remaining <= 0) return;
          }
          if (onlyId || ids.length < LIST_PAGE_SIZE) break;
          upper = `(${ids[ids.length - 1] ?? ""}`;
        }
      }
    }
  }

  async put(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    newVersions: ChannelVersions,
  ): Promise<RunnableConfig> {
    const threadId = threadIdOf(config, "put");
    const namespace = namespaceOf(config);
    const parentId: unknown = config.configurable?.checkpoint_id;
    const { channel_values: values, ...stored } = checkpoint;
    const [[checkpointType, checkpointBytes], [metadataType, metadataBytes], blobs] = await Promise.all([
      this.serde.dumpsTyped(stored),
      this.serde.dumpsTyped(metadata),
      Promise.all(
        Object.entries(newVersions).map(async ([channel, version]) => [
          blobField(channel, version),
          channel in values ? packTyped(...(await this.serde.dumpsTyped(values[channel]))) : packTyped("empty", new Uint8Array()),
        ]),
      ),
    ]);
    const refs = Object.entries(checkpoint.channel_versions).map(([channel, version]) => blobField(channel, version));
    const { base, keys } = this.namespaceKeys({ threadId, namespace });

    await PUT_CHECKPOINT.run(this.client, keys, [
      checkpoint.id,
      typeof parentId === "string" ? parentId : "",
      packTyped(checkpointType, checkpointBytes),
      packTyped(metadataType, metadataBytes),
      JSON.stringify(refs),
      namespace,
      base,
      String(this.ttlSeconds),
      String(this.maxCheckpointsPerThread),
      ...blobs.flat(),
    ]);
    return { configurable: { thread_id: threadId, checkpoint_ns: namespace, checkpoint_id: checkpoint.id } };
  }

  async putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string, taskPath = ""): Promise<void> {
    const threadId = threadIdOf(config, "putWrites");
    const namespace = namespaceOf(config);
    const checkpointId: unknown = config.configurable?.checkpoint_id;
    if (typeof checkpointId !== "string" || checkpointId === "") {
      throw new CheckpointConfigError("putWrites needs config.configurable.checkpoint_id: the checkpoint the writes belong to.");
    }
    const triples = await Promise.all(
      writes.map(async ([channel, value], index) => {
        const idx = WRITES_IDX_MAP[channel] ?? index;
        const [type, bytes] = await this.serde.dumpsTyped(value);
        const record: StoredWrite = { taskId, channel, idx, taskPath, type, value: bytes };
        return [writeMember(checkpointId, taskId, idx), packWrite(record), idx < 0 ? "1" : "0"] as const;
      }),
    );
    const { base, keys } = this.namespaceKeys({ threadId, namespace });
    const [, dataKey, , writesKey, namespacesKey] = keys as [string, string, string, string, string];
    await PUT_WRITES.run(this.client, [dataKey, writesKey, namespacesKey], [
      String(this.ttlSeconds),
      namespace,
      base,
      ...triples.flat(),
    ]);
  }

  async deleteThread(threadId: string): Promise<void> {
    if (typeof threadId !== "string" || threadId === "") {
      throw new CheckpointConfigError("deleteThread needs a non-empty thread id.");
    }
    await Promise.all([
      DELETE_THREAD.run(this.client, [this.keys.checkpointNamespaces(threadId)], []),
      this.sessionIndex?.forget(threadId),
    ]);
  }

  /**
   * Every thread with checkpoints, found by SCAN over the namespaces hashes (on every master of
   * a cluster). Only `list` without a thread_id uses it: an administrative listing, not a hot path.
   */
  private async *allThreads(): AsyncGenerator<string> {
    const nodes = isCluster(this.client)
      ? await Promise.all(this.client.masters.map((master) => (this.client as RedisClusterType).nodeClient(master)))
      : [this.client];
    const seen = new Set<string>();
    for (const node of nodes) {
      for await (const batch of node.scanIterator({ MATCH: this.keys.checkpointNamespacesPattern(), COUNT: 1_000 })) {
        for (const key of batch) {
          const thread = this.keys.threadOfNamespacesKey(key);
          if (thread !== undefined && !seen.has(thread)) {
            seen.add(thread);
            yield thread;
          }
        }
      }
    }
  }

  private async toTuple(location: Location, raw: RawTuple): Promise<CheckpointTuple> {
    const [idBytes, checkpointBytes, metadataBytes, parentBytes, refsBytes, blobValues, writeValues] = raw;
    const checkpointId = idBytes.toString("utf8");
    const refs = JSON.parse(refsBytes.toString("utf8")) as string[];
    const [stored, metadata, channelEntries, pendingWrites] = await Promise.all([
      this.serde.loadsTyped(...unpackTyped(checkpointBytes)) as Promise<Omit<Checkpoint, "channel_values">>,
      this.serde.loadsTyped(...unpackTyped(metadataBytes)) as Promise<CheckpointMetadata>,
      Promise.all(
        blobValues.map(async (blob, index) => {
          if (!blob) return undefined;
          const [type, bytes] = unpackTyped(blob);
          return type === "empty" ? undefined : ([blobChannel(refs[index] ?? "[]"), await this.serde.loadsTyped(type, bytes)] as const);
        }),
      ),
      this.loadWrites(writeValues),
    ]);
    const checkpoint: Checkpoint = {
      ...stored,
      channel_values: Object.fromEntries(channelEntries.filter((entry) => entry !== undefined)),
    };
    const parentId = parentBytes?.toString("utf8");
    if (checkpoint.v < 4 && parentId !== undefined) {
      await this.migratePendingSends(checkpoint, location, parentId);
    }
    const configurable = { thread_id: location.threadId, checkpoint_ns: location.namespace };
    return {
      config: { configurable: { ...configurable, checkpoint_id: checkpointId } },
      checkpoint,
      metadata,
      pendingWrites,
      ...(parentId !== undefined ? { parentConfig: { configurable: { ...configurable, checkpoint_id: parentId } } } : {}),
    };
  }

  /** Pending writes in the order live execution applies them (task path, task id, idx). */
  private async loadWrites(values: (Buffer | null)[]): Promise<CheckpointPendingWrite[]> {
    const writes = values.filter((value): value is Buffer => value !== null).map(unpackWrite);
    writes.sort((a, b) =>
      compareWritesSortKeys(writesSortKey(a.taskPath, a.taskId, a.idx), writesSortKey(b.taskPath, b.taskId, b.idx)),
    );
    return Promise.all(
      writes.map(async (write): Promise<CheckpointPendingWrite> => [
        write.taskId,
        write.channel,
        await this.serde.loadsTyped(write.type, write.value),
      ]),
    );
  }

  /**
   * Checkpoints older than format v4 kept pending sends as writes to TASKS on their parent;
   * newer code expects them as the TASKS channel value, so they are moved there on read.
   */
  private async migratePendingSends(checkpoint: Checkpoint, location: Location, parentId: string): Promise<void> {
    const parent = await this.fetch(location, parentId, false);
    const writes = parent ? await this.loadWrites(parent[6]) : [];
    checkpoint.channel_values[TASKS] = writes.filter(([, channel]) => channel === TASKS).map(([, , value]) => value);
    const versions = Object.values(checkpoint.channel_versions);
    checkpoint.channel_versions[TASKS] = versions.length > 0 ? maxChannelVersion(...versions) : this.getNextVersion(undefined);
  }
}
