import type { RunsStreamRepo } from "@langchain/langgraph-api/storage";
import { handleAuthEvent, isAuthMatching, type AuthContext } from "@langchain/langgraph-api/auth";
import type { OpsContext } from "./context.js";
import { apiValue } from "./records.js";
import type { RedisRuns } from "./runs.js";
import type { Wakeups } from "./wake.js";
import { LocalTail, RunStreamWriter } from "./run-stream-writer.js";

/** The entry that closes a run's stream (written when the run reaches a final status). */
export const DONE_EVENT = "__done__";
/** Entries kept per run stream (approximate trimming). */
const MAX_ENTRIES = 10_000;
/** A run's stream expires this long after its last entry... */
const LIVE_TTL_SECONDS = 24 * 3600;
/** ...and this long after the run ended, long enough to join or reconnect to a finished run. */
const DONE_TTL_SECONDS = 3600;
/**
 * A finished run whose stream was never closed (its process died) ends its readers this long
 * after its last status change; normally the closing entry ends them first.
 */
const SETTLE_MS = 2_000;
/** How often a reader looks for entries written by other processes. */
const POLL_MS = 150;

/**
 * Run output carried through Redis: one STREAM per run (`{r:<id>}`), trimmed and expiring, so any
 * process can join a run, and a client reconnecting with Last-Event-ID resumes after the entry
 * it last saw, whichever process executes the run. Stream entry ids are the SSE event ids.
 */
export class RedisRunStream implements RunsStreamRepo {
  /** Writers of the runs this process publishes, until their streams close. */
  private readonly writers = new Map<string, RunStreamWriter>();
  /** What this process wrote to each of those runs' streams, for its own readers. */
  private readonly tails = new Map<string, LocalTail>();
  /** Token metadata as sent, by the metadata object of its model call. */
  private readonly metadata = new WeakMap<object, { value: unknown; json: string }>();

  constructor(
    private readonly context: OpsContext,
    private readonly runs: RedisRuns,
    private readonly wakeups: Wakeups,
  ) {}

  async publish(payload: { runId: string; resumable: boolean; event: string; data: unknown }): Promise<void> {
    if (payload.event === "error" && this.context.publicError) payload = { ...payload, data: this.context.publicError(payload.data) };
    const writer = this.writers.get(payload.runId) ?? this.writer(payload.runId, false);
    const [data, value] = this.serialize(payload.event, payload.data, writer.shared);
    await writer.add(payload.event, data, value);
  }

  /**
   * Keeps a run's events in this process until a reader elsewhere asks for them ({@link share}):
   * for a chat turn executed where its request is served, whose events only that request reads.
   * Called before the run publishes anything.
   */
  keepLocal(runId: string): void {
    if (!this.writers.has(runId)) this.writer(runId, true);
  }

  /** Sends a run's events to Redis from now on, those kept so far first (a reader elsewhere joined it). */
  share(runId: string): void {
    this.writers.get(runId)?.share();
  }

  private writer(runId: string, local: boolean): RunStreamWriter {
    const tail = new LocalTail(MAX_ENTRIES);
    this.tails.set(runId, tail);
    const writer = new RunStreamWriter(this.context.client, this.context.keys.agentRunStream(runId), {
      maxEntries: MAX_ENTRIES,
      ttlSeconds: LIVE_TTL_SECONDS,
      tail,
      onWritten: () => this.wakeups.notify(`stream:${runId}`),
      local,
    });
    this.writers.set(runId, writer);
    return writer;
  }

  /**
   * An event's data as plain values, and as JSON when it is needed now. A token of the answer
   * ("messages": the chunk and its model call's metadata) reuses what its call's metadata became
   * for the tokens before it: one conversion per model call instead of one per token.
   */
  private serialize(event: string, data: unknown, json: boolean): [json: string | undefined, value: unknown] {
    if (event === "messages" && Array.isArray(data) && data.length === 2 && typeof data[1] === "object" && data[1] !== null) {
      const [chunk, metadata] = data as [unknown, object];
      let converted = this.metadata.get(metadata);
      if (!converted) {
        const value = apiValue(metadata) ?? null;
        converted = { value, json: JSON.stringify(value) };
        this.metadata.set(metadata, converted);
      }
      const value = apiValue(chunk) ?? null;
      return [json ? `[${JSON.stringify(value)},${converted.json}]` : undefined, [value, converted.value]];
    }
    const value = apiValue(data) ?? null;
    return [json ? JSON.stringify(value) : undefined, value];
  }

  /**
   * Closes a run's stream once everything published to it is written: readers stop at this
   * entry, and the stream expires an hour later.
   */
  async close(runId: string): Promise<void> {
    await this.writers.get(runId)?.settled();
    const key = this.context.keys.agentRunStream(runId);
    await this.context.client.multi().xAdd(key, "*", { event: DONE_EVENT, data: "null" }).expire(key, DONE_TTL_SECONDS).exec();
    const tail = this.tails.get(runId);
    if (tail) tail.ended = true;
    this.writers.delete(runId);
    this.tails.delete(runId);
    this.wakeups.notify(`stream:${runId}`);
  }

  async *join(
    runId: string,
    threadId: string | undefined,
    options: {
      ignore404?: boolean;
      cancelOnDisconnect?: AbortSignal;
      lastEventId: string | undefined;
      /** The reader is the request that queued the run, in this process (the app's chat route). */
      queuedHere?: boolean;
    },
    auth: AuthContext | undefined,
  ): AsyncGenerator<{ id?: string; event: string; data: unknown }> {
    const signal = options.cancelOnDisconnect;
    const [filters] = await handleAuthEvent(auth, "threads:read", { thread_id: threadId });
    if (filters != null) {
      const owner = threadId ?? (await this.runs.threadOf(runId));
      const thread = owner ? await this.runs.threads.loadHeader(owner) : undefined;
      if (!thread || !isAuthMatching(thread.metadata, filters)) {
        yield { event: "error", data: { error: "Error", message: "404: Thread not found" } };
        return;
      }
    }
    const key = this.context.keys.agentRunStream(runId);
    let cursor = options.lastEventId && options.lastEventId !== "-1" ? options.lastEventId : undefined;
    let ended = false;
    let draining = false;
    let fromRedis = true;
    // A run executing elsewhere may be keeping its events in that process: ask for them, unless
    // this process queued the run (it keeps only runs it queued itself) or executes it.
    if (!options.queuedHere && !this.tails.has(runId)) {
      const owner = threadId ?? (await this.runs.threadOf(runId));
      if (owner) await this.runs.watch(owner, runId);
    }
    while (!signal?.aborted) {
      const tail = fromRedis ? undefined : this.tails.get(runId);
      const local = tail?.after(cursor);
      if (tail && local) {
        for (const entry of local) {
          cursor = entry.id;
          yield { id: entry.id, event: entry.event, data: "value" in entry ? entry.value : (JSON.parse(entry.data) as unknown) };
        }
        if (local.length > 0) continue;
        if (tail.ended) break;
        fromRedis = !(await this.wakeups.wait(`stream:${runId}`, POLL_MS, signal));
        continue;
      }
      fromRedis = false;
      const entries = await this.context.client.xRange(key, cursor ? `(${cursor}` : "-", "+", { COUNT: 100 });
      for (const entry of entries) {
        cursor = entry.id;
        const event = entry.message.event ?? "";
        if (event === DONE_EVENT) {
          ended = true;
          break;
        }
        yield { id: entry.id, event, data: JSON.parse(entry.message.data ?? "null") as unknown };
      }
      if (ended || (draining && entries.length === 0)) break;
      if (entries.length > 0) {
        fromRedis = true;
        continue;
      }
      const run = await this.runs.get(runId, threadId, auth);
      if (run == null) {
        const rest = await this.context.client.xRange(key, cursor ? `(${cursor}` : "-", "+");
        if (rest.length > 0) {
          draining = true;
          continue;
        }
        if (!options.ignore404) yield { event: "error", data: "Run not found" };
        break;
      }
      if (run.status !== "pending" && run.status !== "running" && Date.now() - run.updated_at.getTime() > SETTLE_MS) {
        draining = true;
        continue;
      }
      if (this.tails.get(runId)?.after(cursor)?.length) continue;
      await this.wakeups.wait(`stream:${runId}`, POLL_MS, signal);
    }
    if (signal?.aborted && threadId != null) {
      await this.runs.cancel(threadId, [runId], { action: "interrupt" }, auth).catch(() => undefined);
    }
  }
}
