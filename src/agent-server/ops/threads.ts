import { persistently } from "./persist.js";
import type { CheckpointPayload, Metadata, RunnableConfig, Thread, ThreadsRepo, ThreadStatus } from "@langchain/langgraph-api/storage";
import { handleAuthEvent, isAuthMatching, type AuthContext } from "@langchain/langgraph-api/auth";
import { HTTPException } from "hono/http-exception";
import { randomUUID } from "node:crypto";
import type { OpsContext } from "./context.js";
import { copyCheckpoints } from "./copy-checkpoints.js";
import { apiJson, containsJson, dateOf, notFound, parseJson } from "./records.js";
import { RedisThreadState } from "./thread-state.js";

type SearchOptions = Parameters<ThreadsRepo["search"]>[0];
type CountOptions = Parameters<ThreadsRepo["count"]>[0];

/** How long the queue workers keep trying to record a thread's status or drop a temporary thread during an outage. */
const THREAD_WRITE_PATIENCE_MS = 60_000;

/** A thread as stored in its HASH, every field a string. */
type StoredThread = Record<string, string>;

/** A thread without its state (values, interrupts): what ownership checks and run creation read. */
export type ThreadHeader = Omit<Thread, "values" | "interrupts">;

/** The fields of a {@link ThreadHeader}, read with HMGET so that the state (the whole conversation) stays in Redis. */
const HEADER_FIELDS = ["thread_id", "created_at", "updated_at", "metadata", "config", "status"] as const;

function toHeader(fields: Partial<StoredThread>): ThreadHeader {
  return {
    thread_id: fields.thread_id ?? "",
    created_at: dateOf(fields.created_at),
    updated_at: dateOf(fields.updated_at),
    metadata: parseJson<Metadata>(fields.metadata, {}),
    config: parseJson<RunnableConfig>(fields.config, {}),
    status: (fields.status ?? "idle") as ThreadStatus,
  };
}

function toThread(fields: StoredThread): Thread {
  return {
    ...toHeader(fields),
    values: parseJson<Record<string, unknown> | undefined>(fields.values, undefined),
    interrupts: parseJson<Record<string, unknown> | undefined>(fields.interrupts, undefined),
  };
}

/**
 * Threads in Redis: one HASH per thread in the thread's slot (`{t:<id>}`, shared with its runs),
 * a ZSET of every id by creation time for search, and the thread's checkpoints in the
 * checkpointer. Status is kept true by the run repository (busy while a run is pending or
 * running) and by {@link setStatus} when a run ends (idle, interrupted or error). With a TTL,
 * every write refreshes the thread's expiry; search drops ids whose thread has expired.
 *
 * @example
 * ```ts
 * const threads = new RedisThreads(context);
 * const thread = await threads.put(randomUUID(), { metadata: {}, if_exists: "raise" }, auth);
 * ```
 */
export class RedisThreads implements ThreadsRepo {
  readonly state: RedisThreadState;

  /** Set by RedisOps: called once a thread's status or deletion after a run is written. */
  onSettled?: (threadId: string) => Promise<void>;

  constructor(private readonly context: OpsContext) {
    this.state = new RedisThreadState(context, this);
  }

  /** The stored thread, or undefined (no auth check). */
  async load(threadId: string): Promise<Thread | undefined> {
    const fields = await this.context.client.hGetAll(this.context.keys.agentThread(threadId));
    return fields.thread_id ? toThread(fields) : undefined;
  }

  /**
   * The stored thread without its values and interrupts, or undefined (no auth check). Its values
   * are the whole conversation in the API's format, so reading and parsing them grows with the
   * thread; a turn's run creation and ownership checks need only the metadata, config and status.
   */
  async loadHeader(threadId: string): Promise<ThreadHeader | undefined> {
    const values = await this.context.client.hmGet(this.context.keys.agentThread(threadId), [...HEADER_FIELDS]);
    const fields: Partial<StoredThread> = {};
    HEADER_FIELDS.forEach((field, index) => {
      const value = values[index];
      if (typeof value === "string") fields[field] = value;
    });
    return fields.thread_id ? toHeader(fields) : undefined;
  }

  /** Writes thread fields and refreshes the thread's expiry. */
  async write(threadId: string, fields: Record<string, string>): Promise<void> {
    const { client, keys, threadTtlSeconds } = this.context;
    const key = keys.agentThread(threadId);
    await (threadTtlSeconds > 0 ? client.multi().hSet(key, fields).expire(key, threadTtlSeconds).exec() : client.hSet(key, fields));
  }

  /** Creates a thread record (used by put, copy and run creation). */
  async create(threadId: string, thread: { metadata: Metadata; config: RunnableConfig; status: ThreadStatus; now: number }): Promise<boolean> {
    const { client, keys } = this.context;
    const created = await client.hSetNX(keys.agentThread(threadId), "thread_id", threadId);
    if (!created) return false;
    await Promise.all([
      this.write(threadId, {
        created_at: String(thread.now),
        updated_at: String(thread.now),
        metadata: JSON.stringify(thread.metadata),
        config: JSON.stringify(thread.config),
        status: thread.status,
      }),
      client.zAdd(keys.agentThreads(), { score: thread.now, value: threadId }),
    ]);
    return true;
  }

  private async candidates(ids: string[] | undefined): Promise<Thread[]> {
    const { client, keys } = this.context;
    const wanted = ids && ids.length > 0 ? ids : await client.zRange(keys.agentThreads(), 0, -1);
    const loaded = await Promise.all(wanted.map((id) => this.load(id)));
    const expired = wanted.filter((_id, index) => loaded[index] === undefined);
    if (expired.length > 0 && !(ids && ids.length > 0)) await client.zRem(keys.agentThreads(), expired);
    return loaded.filter((thread): thread is Thread => thread !== undefined);
  }

  private static matches(thread: Thread, options: CountOptions, filters: Parameters<typeof isAuthMatching>[1]): boolean {
    return (
      (options.metadata == null || containsJson(thread.metadata, options.metadata)) &&
      (options.values == null || thread.values === undefined || containsJson(thread.values, options.values)) &&
      (options.status == null || thread.status === options.status) &&
      isAuthMatching(thread.metadata, filters)
    );
  }

  async *search(options: SearchOptions, auth: AuthContext | undefined): AsyncGenerator<{ thread: Thread; total: number }> {
    const [filters] = await handleAuthEvent(auth, "threads:search", {
      metadata: options.metadata,
      ids: options.ids,
      status: options.status,
      values: options.values,
      limit: options.limit,
      offset: options.offset,
    });
    const found = (await this.candidates(options.ids)).filter((thread) => RedisThreads.matches(thread, options, filters));
    const sortBy = options.sort_by ?? "created_at";
    const direction = (options.sort_order ?? "desc") === "desc" ? -1 : 1;
    found.sort((a, b) => {
      const left = sortBy === "created_at" || sortBy === "updated_at" ? a[sortBy].getTime() : a[sortBy];
      const right = sortBy === "created_at" || sortBy === "updated_at" ? b[sortBy].getTime() : b[sortBy];
      return (left < right ? -1 : left > right ? 1 : 0) * direction;
    });
    for (const thread of found.slice(options.offset, options.offset + options.limit)) yield { thread, total: found.length };
  }

  async count(options: CountOptions, auth: AuthContext | undefined): Promise<number> {
    const [filters] = await handleAuthEvent(auth, "threads:search", {
      metadata: options.metadata,
      values: options.values,
      status: options.status,
      limit: 0,
      offset: 0,
    });
    return (await this.candidates(undefined)).filter((thread) => RedisThreads.matches(thread, options, filters)).length;
  }

  async get(threadId: string, auth: AuthContext | undefined): Promise<Thread> {
    const [filters] = await handleAuthEvent(auth, "threads:read", { thread_id: threadId });
    const thread = await this.load(threadId);
    if (!thread || !isAuthMatching(thread.metadata, filters)) throw notFound(`Thread with ID ${threadId} not found`);
    return thread;
  }

  /** {@link get} without the thread's values and interrupts (see loadHeader), for the state routes, which read the checkpointer. */
  async getHeader(threadId: string, auth: AuthContext | undefined): Promise<ThreadHeader> {
    const [filters] = await handleAuthEvent(auth, "threads:read", { thread_id: threadId });
    const thread = await this.loadHeader(threadId);
    if (!thread || !isAuthMatching(thread.metadata, filters)) throw notFound(`Thread with ID ${threadId} not found`);
    return thread;
  }

  async put(threadId: string, options: Parameters<ThreadsRepo["put"]>[1], auth: AuthContext | undefined): Promise<Thread> {
    const [filters, mutable] = await handleAuthEvent(auth, "threads:create", {
      thread_id: threadId,
      metadata: options.metadata,
      if_exists: options.if_exists,
    });
    const now = Date.now();
    const created = await this.create(threadId, { metadata: (mutable?.metadata as Metadata | undefined) ?? {}, config: {}, status: "idle", now });
    const thread = await this.load(threadId);
    if (!thread) throw notFound(`Thread with ID ${threadId} not found`);
    if (!created && !isAuthMatching(thread.metadata, filters)) throw notFound(`Thread with ID ${threadId} not found`);
    if (!created && options.if_exists === "raise") throw new HTTPException(409, { message: "Thread already exists" });
    return thread;
  }

  async patch(threadId: string, options: Parameters<ThreadsRepo["patch"]>[1], auth: AuthContext | undefined): Promise<Thread> {
    const [filters, mutable] = await handleAuthEvent(auth, "threads:update", { thread_id: threadId, metadata: options.metadata });
    const thread = await this.load(threadId);
    if (!thread || !isAuthMatching(thread.metadata, filters)) throw notFound("Thread not found");
    const now = Date.now();
    const metadata = mutable.metadata != null ? { ...thread.metadata, ...(mutable.metadata as Metadata) } : thread.metadata;
    await this.write(threadId, { metadata: JSON.stringify(metadata), updated_at: String(now) });
    return { ...thread, metadata, updated_at: new Date(now) };
  }

  /** Records a thread's status after a run (the queue worker), riding out a Redis outage. */
  async setStatus(threadId: string, options: { checkpoint?: CheckpointPayload; exception?: Error }): Promise<void> {
    await persistently(() => this.storeStatus(threadId, options), {
      giveUpAfterMs: THREAD_WRITE_PATIENCE_MS,
      onGiveUp: (error) => this.context.onLostWrite?.(`status of thread ${threadId}`, error),
    });
  }

  private async storeStatus(threadId: string, options: { checkpoint?: CheckpointPayload; exception?: Error }): Promise<void> {
    const { client, keys } = this.context;
    const [exists, inflight] = await Promise.all([client.exists(keys.agentThread(threadId)), client.sCard(keys.agentThreadInflight(threadId))]);
    if (!exists) {
      // Deleted while its run executed: nothing to record, and throwing would end the official
      // worker's loop for good; the finished run's stream still closes.
      await this.onSettled?.(threadId);
      return;
    }
    const checkpoint = options.checkpoint;
    const status: ThreadStatus =
      options.exception != null ? "error" : checkpoint && checkpoint.next.length > 0 ? "interrupted" : inflight > 0 ? "busy" : "idle";
    const fields: Record<string, string> = { status, updated_at: String(Date.now()) };
    if (checkpoint) {
      fields.values = apiJson(checkpoint.values);
      const interrupts: Record<string, unknown> = {};
      for (const task of checkpoint.tasks) if (task.interrupts) interrupts[task.id] = task.interrupts;
      fields.interrupts = JSON.stringify(interrupts);
    }
    await this.write(threadId, fields);
    if (!checkpoint) await client.hDel(keys.agentThread(threadId), ["values", "interrupts"]);
    await this.onSettled?.(threadId);
  }

  async delete(threadId: string, auth: AuthContext | undefined): Promise<string[]> {
    if (auth !== undefined) return this.deleteNow(threadId, auth);
    // Without a caller this is the queue worker dropping a temporary run's thread (or a server
    // without auth): ride out an outage rather than stop the worker.
    let deleted: string[] = [];
    await persistently(
      async () => {
        deleted = await this.deleteNow(threadId, undefined);
      },
      { giveUpAfterMs: THREAD_WRITE_PATIENCE_MS, onGiveUp: (error) => this.context.onLostWrite?.(`deletion of thread ${threadId}`, error) },
    );
    return deleted;
  }

  private async deleteNow(threadId: string, auth: AuthContext | undefined): Promise<string[]> {
    const [filters] = await handleAuthEvent(auth, "threads:delete", { thread_id: threadId });
    const thread = await this.loadHeader(threadId);
    if (!thread || !isAuthMatching(thread.metadata, filters)) throw notFound(`Thread with ID ${threadId} not found`);
    await this.remove(threadId);
    return [threadId];
  }

  /** Deletes a thread, its runs and its checkpoints (no auth check). */
  async remove(threadId: string): Promise<void> {
    const { client, keys, checkpointer } = this.context;
    const runIds = await client.zRange(keys.agentThreadRuns(threadId), 0, -1);
    await Promise.all([
      client.unlink([
        keys.agentThread(threadId),
        keys.agentThreadRuns(threadId),
        keys.agentThreadInflight(threadId),
        keys.agentThreadActive(threadId),
        ...runIds.map((runId) => keys.agentRun(threadId, runId)),
      ]),
      ...runIds.map((runId) => client.unlink([keys.agentRunThread(runId)])),
      client.zRem(keys.agentThreads(), threadId),
      checkpointer.deleteThread(threadId),
    ]);
    await this.onSettled?.(threadId);
  }

  async copy(threadId: string, auth: AuthContext | undefined): Promise<Thread> {
    const [filters] = await handleAuthEvent(auth, "threads:read", { thread_id: threadId });
    const from = await this.load(threadId);
    if (!from || !isAuthMatching(from.metadata, filters)) throw new HTTPException(409, { message: "Thread not found" });
    const newId = randomUUID();
    const metadata = { ...from.metadata, thread_id: newId };
    const [, mutable] = await handleAuthEvent(auth, "threads:create", { thread_id: newId, metadata });
    const now = Date.now();
    await this.create(newId, { metadata: (mutable.metadata as Metadata | undefined) ?? metadata, config: from.config ?? {}, status: "idle", now });
    await copyCheckpoints(this.context.checkpointer, threadId, newId);
    const fields: Record<string, string> = {};
    if (from.values !== undefined) fields.values = JSON.stringify(from.values);
    if (Object.keys(fields).length > 0) await this.write(newId, fields);
    const copied = await this.load(newId);
    if (!copied) throw notFound(`Thread with ID ${newId} not found`);
    return copied;
  }
}
