import { isRedisOutage } from "../../redis/client.js";
import { persistently, sleep } from "./persist.js";
import type { Metadata, MultitaskStrategy, Run, RunKwargs, RunsRepo, RunStatus } from "@langchain/langgraph-api/storage";
import { handleAuthEvent, isAuthMatching, type AuthContext } from "@langchain/langgraph-api/auth";
import { HTTPException } from "hono/http-exception";
import { randomUUID } from "node:crypto";
import type { RedisAssistants } from "./assistants.js";
import type { OpsContext } from "./context.js";
import { containsJson, dateOf, notFound } from "./records.js";
import { latestCheckpointId, rollbackCheckpoints } from "./rollback-checkpoints.js";
import { RedisRunStream } from "./run-stream.js";
import { CANCEL_RUN, CLAIM_RUN, INSERT_RUN, REFRESH_LEASE, SET_RUN_STATUS, WATCH_RUN } from "./scripts.js";
import type { RedisThreads, ThreadHeader } from "./threads.js";
import type { Wakeups } from "./wake.js";

type StoredRun = Omit<Run, "status" | "updated_at" | "created_at"> & {
  created_at: number;
  /** Who executes the run: absent for the official queue worker, "turn" for the {@link TurnRunner} (never shown to clients). */
  executor?: "turn";
};

/** Executes a chat turn claimed from the queue (the app's TurnExecutor), while the claim is held. */
export interface TurnRunner {
  execute(run: Run, attempt: number, signal: AbortSignal): Promise<void>;
}

/** Options of {@link RedisRuns.put}: the official ones, and who executes the run. */
export type PutRunOptions = Parameters<RunsRepo["put"]>[3] & {
  /** "turn": the run is a chat turn, executed by the {@link TurnRunner} given to executeTurnsWith. */
  executor?: "turn";
};

/** A stored run as the API shows it. */
function runOf(stored: StoredRun, status: RunStatus, updatedAt: Date): Run {
  const { executor: _executor, ...run } = stored;
  return { ...run, created_at: new Date(stored.created_at), status, updated_at: updatedAt };
}

/** How long a claimed run stays its thread's without its process renewing the claim. */
const LEASE_MS = 15_000;
/** How often an executing run renews its claim and looks for a cancel request from any process. */
const RENEW_MS = 250;
/** How often one idle worker of a process looks at the queue (runs queued here wake one at once). */
const IDLE_MS = 200;
/**
 * How long a run queued by another process is left to that process's workers before this one
 * takes it: the process that queued a run serves the request waiting for its events, and reads
 * them from memory when it executes the run itself, but from Redis, polling, when another does.
 */
const FOREIGN_GRACE_MS = 100;
/** Longest wait between attempts to reach the queue during a Redis outage. */
const OUTAGE_RETRY_MAX_MS = 5_000;

/** A run this process claimed from the queue, and whether it is a chat turn. */
interface Claimed {
  run: Run;
  attempt: number;
  turn: boolean;
}

const FINAL: ReadonlySet<RunStatus> = new Set(["success", "error", "timeout", "interrupted"]);

/**
 * Runs and the run queue in Redis. A run is a HASH in its thread's slot; the thread's in-flight
 * SET makes "reject" atomic (a script inserts only when nothing is in flight); the queue is a
 * ZSET scored by start time that every process polls; a script claims a run only when it is
 * still pending and its thread has no executing run (a lease key), so several processes share
 * the queue and no run executes twice or two runs of a thread at once. Cancels are written on
 * the run, and whichever process executes it sees them within {@link RENEW_MS}.
 *
 * @example
 * ```ts
 * const runs = new RedisRuns(context, assistants, threads, wakeups);
 * for await (const { run, signal } of runs.next()) await execute(run, signal);
 * ```
 */
export class RedisRuns implements RunsRepo {
  readonly stream: RedisRunStream;
  private readonly executing = new Map<string, AbortController>();
  /** The threads of the runs executing here (run id -> thread id), sparing a lookup per status write. */
  private readonly executingThreads = new Map<string, string>();
  /** Runs finished here whose thread status the worker has yet to write (thread id -> run ids). */
  private readonly finishing = new Map<string, string[]>();
  private closed = false;
  private ready: Promise<void> = Promise.resolve();
  /**
   * Wakes one idle worker of this process every {@link IDLE_MS} to look at the queue. Runs queued
   * here wake one at once, so the timer only has to catch runs queued by other processes, and one
   * look per interval per process does that; idle workers have no timers of their own (ten of
   * them waking five times a second each cost an idle server more CPU than everything else).
   */
  private pollTimer: NodeJS.Timeout | undefined;
  private turnRunner: TurnRunner | undefined;
  /**
   * Runs this process queued, due now, in the order they were queued: its workers try these
   * first, without reading the queue, and leave other processes' runs to them for
   * the grace period ({@link FOREIGN_GRACE_MS} unless the context says).
   */
  private queuedHere: { threadId: string; runId: string }[] = [];

  constructor(
    private readonly context: OpsContext,
    private readonly assistants: RedisAssistants,
    readonly threads: RedisThreads,
    private readonly wakeups: Wakeups,
  ) {
    this.stream = new RedisRunStream(context, this, wakeups);
  }

  /** Chat turns (runs put with executor "turn") are executed by `runner` instead of the official worker. */
  executeTurnsWith(runner: TurnRunner): void {
    this.turnRunner = runner;
  }

  /** Holds the workers back until `gate` resolves (the server swaps in the Redis graphs first). */
  holdUntil(gate: Promise<void>): void {
    this.ready = gate;
  }

  /** Stops handing out runs; runs already executing finish. */
  close(): void {
    this.closed = true;
    clearInterval(this.pollTimer);
    this.pollTimer = undefined;
    this.wakeups.notify("queue");
  }

  /** The thread a run belongs to, from the run's reference key. */
  async threadOf(runId: string): Promise<string | undefined> {
    return (await this.context.client.get(this.context.keys.agentRunThread(runId))) ?? undefined;
  }

  private async load(threadId: string, runId: string): Promise<Run | undefined> {
    const fields = await this.context.client.hGetAll(this.context.keys.agentRun(threadId, runId));
    if (!fields.doc) return undefined;
    return runOf(JSON.parse(fields.doc) as StoredRun, (fields.status ?? "pending") as RunStatus, dateOf(fields.updated_at));
  }

  private queueMember(threadId: string, runId: string): string {
    return JSON.stringify([threadId, runId]);
  }

  async put(
    runId: string,
    assistantId: string,
    kwargs: RunKwargs,
    options: PutRunOptions,
    auth: AuthContext | undefined,
  ): Promise<Run[]> {
    const { client, keys } = this.context;
    const assistant = await this.assistants.find(assistantId);
    if (!assistant) {
      throw notFound(`No assistant found for "${assistantId}". Make sure the assistant ID is for a valid assistant or a valid graph ID.`);
    }
    const ifNotExists = options?.ifNotExists ?? "reject";
    const multitaskStrategy: MultitaskStrategy = options?.multitaskStrategy ?? "reject";
    const afterSeconds = options?.afterSeconds ?? 0;
    const status = options?.status ?? "pending";
    let threadId = options?.threadId;
    const [filters, mutable] = await handleAuthEvent(auth, "threads:create_run", {
      thread_id: threadId,
      assistant_id: assistantId,
      run_id: runId,
      status,
      metadata: options?.metadata ?? {},
      prevent_insert_if_inflight: options?.preventInsertInInflight,
      multitask_strategy: multitaskStrategy,
      if_not_exists: ifNotExists,
      after_seconds: afterSeconds,
      kwargs,
    });
    const metadata = (mutable.metadata as Metadata | undefined) ?? {};
    const config = kwargs.config ?? {};
    const now = Date.now();
    let existing: ThreadHeader | undefined = threadId ? await this.threads.loadHeader(threadId) : undefined;
    if (existing && !isAuthMatching(existing.metadata, filters)) throw new HTTPException(404);
    if (!existing && (threadId == null || ifNotExists === "create")) {
      threadId ??= randomUUID();
      const created = await this.threads.create(threadId, {
        metadata: { graph_id: assistant.graph_id, assistant_id: assistantId, ...metadata },
        config: { ...assistant.config, ...config, configurable: { ...assistant.config?.configurable, ...config.configurable } },
        status: "busy",
        now,
      });
      if (!created) {
        existing = await this.threads.loadHeader(threadId);
        if (!existing || !isAuthMatching(existing.metadata, filters)) throw new HTTPException(404);
      }
    } else if (existing && threadId) {
      if (existing.status !== "busy") {
        await this.threads.write(threadId, {
          status: "busy",
          metadata: JSON.stringify({ ...existing.metadata, graph_id: assistant.graph_id, assistant_id: assistantId }),
          config: JSON.stringify({
            ...assistant.config,
            ...existing.config,
            ...config,
            configurable: { ...assistant.config?.configurable, ...existing.config?.configurable, ...config.configurable },
          }),
          updated_at: String(now),
        });
      }
    } else {
      return [];
    }
    if (!threadId) return [];
    const configurable = {
      ...assistant.config?.configurable,
      ...existing?.config?.configurable,
      ...config.configurable,
      run_id: runId,
      thread_id: threadId,
      graph_id: assistant.graph_id,
      assistant_id: assistantId,
      user_id: config.configurable?.user_id ?? existing?.config?.configurable?.user_id ?? assistant.config?.configurable?.user_id ?? options?.userId,
    };
    const mergedMetadata = { ...assistant.metadata, ...existing?.metadata, ...metadata };
    const stored: StoredRun = {
      run_id: runId,
      thread_id: threadId,
      assistant_id: assistantId,
      metadata: mergedMetadata,
      kwargs: {
        ...kwargs,
        config: { ...assistant.config, ...config, configurable, metadata: mergedMetadata },
        context:
          typeof assistant.context !== "object" && assistant.context != null
            ? assistant.context
            : { ...(assistant.context as object | null), ...(kwargs.context as object | null | undefined) },
      },
      multitask_strategy: multitaskStrategy,
      created_at: now + afterSeconds * 1000,
      ...(options?.executor ? { executor: options.executor } : {}),
    };
    const [inserted, ...inflightIds] = await INSERT_RUN.run<[number, ...string[]]>(
      client,
      [keys.agentThreadInflight(threadId), keys.agentRun(threadId, runId), keys.agentThreadRuns(threadId)],
      [runId, options?.preventInsertInInflight ? "1" : "0", JSON.stringify(stored), status, String(now)],
    );
    const inflight = (await Promise.all(inflightIds.map((id) => this.load(threadId, id)))).filter((run): run is Run => run !== undefined);
    if (!inserted) return inflight;
    const ttl = this.context.threadTtlSeconds;
    await Promise.all([
      ttl > 0 ? client.set(keys.agentRunThread(runId), threadId, { EX: ttl }) : client.set(keys.agentRunThread(runId), threadId),
      ttl > 0 ? client.expire(keys.agentRun(threadId, runId), ttl) : undefined,
      status === "pending" ? client.zAdd(keys.agentRunQueue(), { score: stored.created_at, value: this.queueMember(threadId, runId) }) : undefined,
    ]);
    if (status === "pending" && afterSeconds <= 0) this.queuedHere.push({ threadId, runId });
    this.wakeups.notifyOne("queue");
    return [runOf(stored, status, new Date(now)), ...inflight];
  }

  async get(runId: string, threadId: string | undefined, auth: AuthContext | undefined): Promise<Run | null> {
    const [filters] = await handleAuthEvent(auth, "threads:read", { thread_id: threadId });
    const owner = threadId ?? (await this.threadOf(runId));
    if (!owner) return null;
    const run = await this.load(owner, runId);
    if (!run || (threadId != null && run.thread_id !== threadId)) return null;
    if (filters != null) {
      const thread = await this.threads.loadHeader(run.thread_id);
      if (!thread || !isAuthMatching(thread.metadata, filters)) return null;
    }
    return run;
  }

  /** Deletes a run's records (no auth check). */
  private async remove(threadId: string, runId: string): Promise<void> {
    const { client, keys } = this.context;
    await Promise.all([
      client.unlink([keys.agentRun(threadId, runId)]),
      client.zRem(keys.agentThreadRuns(threadId), runId),
      client.sRem(keys.agentThreadInflight(threadId), runId),
      this.removeElsewhere(threadId, runId),
    ]);
  }

  /** Deletes what a run has outside its thread's slot: its reference and its queue entry (safe to repeat). */
  private async removeElsewhere(threadId: string, runId: string): Promise<void> {
    const { client, keys } = this.context;
    await Promise.all([client.unlink([keys.agentRunThread(runId)]), client.zRem(keys.agentRunQueue(), this.queueMember(threadId, runId))]);
  }

  async delete(runId: string, threadId: string | undefined, auth: AuthContext | undefined): Promise<string | null> {
    const [filters] = await handleAuthEvent(auth, "threads:delete", { run_id: runId, thread_id: threadId });
    const owner = threadId ?? (await this.threadOf(runId));
    const run = owner ? await this.load(owner, runId) : undefined;
    if (!run || (threadId != null && run.thread_id !== threadId)) throw notFound("Run not found");
    if (filters != null) {
      const thread = await this.threads.loadHeader(run.thread_id);
      if (!thread || !isAuthMatching(thread.metadata, filters)) throw notFound("Run not found");
    }
    await this.remove(run.thread_id, runId);
    await this.stream.close(runId);
    return runId;
  }

  async wait(runId: string, threadId: string | undefined, auth: AuthContext | undefined): Promise<unknown> {
    let last: unknown = null;
    for await (const { event, data } of this.stream.join(runId, threadId, { ignore404: threadId == null, lastEventId: undefined }, auth)) {
      if (event === "values") last = data;
      else if (event === "error") last = { __error__: data };
    }
    return last;
  }

  async join(runId: string, threadId: string, auth: AuthContext | undefined): Promise<unknown> {
    await this.threads.get(threadId, auth);
    const last = await this.wait(runId, threadId, auth);
    if (last != null) return last;
    const thread = await this.threads.get(threadId, auth);
    return thread.values ?? null;
  }

  async cancel(threadId: string | undefined, runIds: string[], options: { action?: "interrupt" | "rollback" }, auth: AuthContext | undefined): Promise<void> {
    const action = options.action ?? "interrupt";
    const [filters] = await handleAuthEvent(auth, "threads:update", { thread_id: threadId, action, metadata: { run_ids: runIds, status: "pending" } });
    const { client, keys } = this.context;
    let found = 0;
    for (const runId of runIds) {
      const owner = threadId ?? (await this.threadOf(runId));
      const run = owner ? await this.load(owner, runId) : undefined;
      if (!run || (threadId != null && run.thread_id !== threadId)) continue;
      if (filters != null) {
        const thread = await this.threads.loadHeader(run.thread_id);
        if (!thread || !isAuthMatching(thread.metadata, filters)) continue;
      }
      found += 1;
      const before = await CANCEL_RUN.run<string | null>(
        client,
        [keys.agentRun(run.thread_id, runId), keys.agentThreadInflight(run.thread_id), keys.agentThread(run.thread_id)],
        [action, String(Date.now()), runId],
      );
      this.executing.get(runId)?.abort(action);
      if (before === "pending") {
        if (action === "rollback") await this.remove(run.thread_id, runId);
        else await client.zRem(keys.agentRunQueue(), this.queueMember(run.thread_id, runId));
        await this.stream.close(runId);
      }
    }
    if (found !== runIds.length) throw notFound("Run not found");
  }

  async search(
    threadId: string,
    options: { limit?: number | null; offset?: number | null; status?: string | null; metadata?: Metadata | null },
    auth: AuthContext | undefined,
  ): Promise<Run[]> {
    const [filters] = await handleAuthEvent(auth, "threads:search", { thread_id: threadId, metadata: options.metadata, status: options.status });
    if (filters != null) {
      const thread = await this.threads.loadHeader(threadId);
      if (!thread || !isAuthMatching(thread.metadata, filters)) return [];
    }
    const ids = await this.context.client.zRange(this.context.keys.agentThreadRuns(threadId), 0, -1, { REV: true });
    const runs = (await Promise.all(ids.map((id) => this.load(threadId, id)))).filter(
      (run): run is Run =>
        run !== undefined &&
        (options.status == null || run.status === options.status) &&
        (options.metadata == null || containsJson(run.metadata, options.metadata)),
    );
    const offset = options.offset ?? 0;
    return runs.slice(offset, offset + (options.limit ?? 10));
  }

  /** Records a run's status (the queue worker, when the run ends), riding out a Redis outage. */
  async setStatus(runId: string, status: RunStatus): Promise<void> {
    await persistently(() => this.storeStatus(runId, status), {
      giveUpAfterMs: LEASE_MS,
      onGiveUp: (error) => this.context.onLostWrite?.(`status ${status} of run ${runId}`, error),
    });
  }

  private async storeStatus(runId: string, status: RunStatus): Promise<void> {
    const { client, keys } = this.context;
    const executingHere = this.executingThreads.get(runId);
    const threadId = executingHere ?? (await this.threadOf(runId));
    if (!threadId) throw new Error(`Run ${runId} not found`);
    let rolledBack = false;
    let result: [string, string, string] | ["rollback"] | null;
    for (;;) {
      if (FINAL.has(status) && !rolledBack) {
        const [cancel, baseline] = await client.hmGet(keys.agentRun(threadId, runId), ["cancel", "baseline"]);
        if (cancel === "rollback") {
          await rollbackCheckpoints(this.context.checkpointer, threadId, baseline ?? undefined);
          rolledBack = true;
        }
      }
      result = await SET_RUN_STATUS.run<[string, string, string] | ["rollback"] | null>(
        client,
        [keys.agentRun(threadId, runId), keys.agentThreadInflight(threadId), keys.agentThreadActive(threadId), keys.agentThreadRuns(threadId)],
        [status, String(Date.now()), runId, rolledBack ? "1" : "0"],
      );
      // A rollback asked for since the look above: roll back, then write the status again.
      if (result?.length !== 1) break;
    }
    if (!result) {
      // A run executing here that is gone has ended all the same: a client deleted it, or this is
      // setStatus's retry after a try whose script ended a rolled-back run and whose reply or
      // clean-up was lost. Throwing would end the official worker's loop for good.
      if (executingHere === undefined || !FINAL.has(status)) throw new Error(`Run ${runId} not found`);
      await this.ended(threadId, runId, true);
      return;
    }
    const [final, cancel, watched] = result;
    if (watched) this.stream.share(runId);
    if (FINAL.has(final as RunStatus)) await this.ended(threadId, runId, cancel === "rollback");
  }

  /**
   * What follows a run's end: a deleted run's records in other slots go (the status script deleted
   * those in its thread's slot), its stream closes (after the worker has written the thread's
   * status when the run executed here), and a worker looks at the queue.
   */
  private async ended(threadId: string, runId: string, deleted: boolean): Promise<void> {
    if (deleted) await this.removeElsewhere(threadId, runId);
    if (this.executing.has(runId)) this.finishing.set(threadId, [...(this.finishing.get(threadId) ?? []), runId]);
    else await this.stream.close(runId);
    this.wakeups.notifyOne("queue");
  }

  /**
   * Closes the streams of runs this process finished on a thread, once the worker has written
   * the thread's status too, so a client whose stream ends reads the thread's final status.
   */
  async closeFinished(threadId: string): Promise<void> {
    const runIds = this.finishing.get(threadId) ?? [];
    this.finishing.delete(threadId);
    await Promise.all(runIds.map((runId) => this.stream.close(runId)));
  }

  /**
   * The queue as the official workers consume it: an endless sequence of claimed runs, each with
   * a signal that aborts when any process cancels the run. Ends when {@link close} is called.
   */
  async *next(): AsyncGenerator<{ run: Run; attempt: number; signal: AbortSignal }> {
    await this.ready;
    if (!this.closed && this.pollTimer === undefined) this.pollTimer = setInterval(() => this.wakeups.notifyOne("queue"), IDLE_MS).unref();
    let delay = IDLE_MS;
    while (!this.closed) {
      let claimed: Claimed | undefined;
      try {
        claimed = await this.claim();
        delay = IDLE_MS;
      } catch (error) {
        // The server's worker loop has no try around this: a throw here would stop the worker for good.
        if (!isRedisOutage(error)) throw error;
        delay = Math.min(delay * 2, OUTAGE_RETRY_MAX_MS);
        await sleep(delay);
        continue;
      }
      if (claimed) {
        const runner = claimed.turn ? this.turnRunner : undefined;
        // Then straight back to the queue: more may be due.
        if (runner) await this.executeTurn(runner, claimed.run, claimed.attempt);
        else yield* this.execute(claimed.run, claimed.attempt);
      } else if (!this.closed) {
        // Never once closed: close() has woken every waiter already, and no timer would wake this one.
        await this.wakeups.wait("queue");
      }
    }
  }

  /**
   * Claims a due run that no other worker holds, with its attempt number: first the runs this
   * process queued, oldest first; then the queue, where another process's run is taken only once
   * it has waited the grace period (OpsContext.foreignRunGraceMs).
   */
  private async claim(): Promise<Claimed | undefined> {
    const busy: { threadId: string; runId: string }[] = [];
    try {
      for (let next = this.queuedHere.shift(); next; next = this.queuedHere.shift()) {
        if (this.closed) return undefined;
        const outcome = await this.tryClaim(next.threadId, next.runId, true);
        if (outcome === "busy") busy.push(next);
        else if (outcome !== "gone") return outcome;
      }
    } finally {
      this.queuedHere.unshift(...busy);
    }
    const { client, keys } = this.context;
    const members = await client.zRangeByScore(keys.agentRunQueue(), "-inf", Date.now() - (this.context.foreignRunGraceMs ?? FOREIGN_GRACE_MS), { LIMIT: { offset: 0, count: 20 } });
    for (const member of members) {
      if (this.closed) return undefined;
      const [threadId, runId] = JSON.parse(member) as [string, string];
      const outcome = await this.tryClaim(threadId, runId, false);
      if (outcome !== "busy" && outcome !== "gone") return outcome;
    }
    return undefined;
  }

  /**
   * Claims one queued run (`own`: this process queued it): "busy" while another run of its thread
   * executes, "gone" when it is no longer pending (it leaves the queue then).
   */
  private async tryClaim(threadId: string, runId: string, own: boolean): Promise<Claimed | "busy" | "gone"> {
    const { client, keys } = this.context;
    const now = Date.now();
    const member = this.queueMember(threadId, runId);
    const [attempt, doc, watched] = await CLAIM_RUN.run<[number, string | null | undefined, string | undefined]>(
      client,
      [keys.agentRun(threadId, runId), keys.agentThreadActive(threadId)],
      [runId, String(LEASE_MS), String(now)],
    );
    if (attempt === 0) return "busy";
    if (attempt < 0 || !doc) {
      await client.zRem(keys.agentRunQueue(), member);
      return "gone";
    }
    const stored = JSON.parse(doc) as StoredRun;
    // A chat turn this process queued is read by the request that queued it, here: its first
    // attempt keeps its events in the process unless a reader elsewhere asks for them (a later
    // attempt's stream may hold entries already). Set before anything can publish.
    if (own && stored.executor === "turn" && this.turnRunner && attempt === 1 && !watched) this.stream.keepLocal(runId);
    // The rollback point is read once the thread is held: read before the claim, it could miss
    // the final checkpoint of the run that released the thread in between. A temporary run's
    // thread has no checkpoints.
    const baseline = stored.kwargs.temporary ? undefined : await latestCheckpointId(this.context.checkpointer, threadId);
    await Promise.all([client.zRem(keys.agentRunQueue(), member), baseline ? client.hSet(keys.agentRun(threadId, runId), "baseline", baseline) : undefined]);
    return { run: runOf(stored, "running", new Date(now)), attempt, turn: stored.executor === "turn" };
  }

  /**
   * Asks for a run's events on its stream while it is pending or running (see
   * {@link RedisRunStream.keepLocal}): a process keeping them sends them within {@link RENEW_MS},
   * or when the run ends, whichever comes first.
   */
  async watch(threadId: string, runId: string): Promise<void> {
    await WATCH_RUN.run<string | null>(this.context.client, [this.context.keys.agentRun(threadId, runId)], []);
  }

  /** Runs a chat turn with the turn runner while this process holds its claim. */
  private async executeTurn(runner: TurnRunner, run: Run, attempt: number): Promise<void> {
    const release = this.hold(run);
    try {
      await runner.execute(run, attempt, release.signal);
    } catch {
      // The runner reports its own failures; a throw here would end the official worker loop for good.
    } finally {
      release();
    }
  }

  private *execute(run: Run, attempt: number): Generator<{ run: Run; attempt: number; signal: AbortSignal }> {
    const release = this.hold(run);
    try {
      yield { run, attempt, signal: release.signal };
    } finally {
      release();
    }
  }

  /**
   * Holds a claimed run while it executes here: renews its claim, aborts its signal when any
   * process cancels it, and lets status writes find its thread. Call the result to let go.
   */
  private hold(run: Run): (() => void) & { signal: AbortSignal } {
    const { client, keys } = this.context;
    const controller = new AbortController();
    this.executing.set(run.run_id, controller);
    this.executingThreads.set(run.run_id, run.thread_id);
    const renew = setInterval(() => {
      REFRESH_LEASE.run<[string, string]>(client, [keys.agentThreadActive(run.thread_id), keys.agentRun(run.thread_id, run.run_id)], [run.run_id, String(LEASE_MS)])
        .then(([cancel, watched]) => {
          if (watched) this.stream.share(run.run_id);
          if (cancel && !controller.signal.aborted) controller.abort(cancel);
        })
        .catch(() => undefined);
    }, RENEW_MS);
    const release = () => {
      clearInterval(renew);
      this.executing.delete(run.run_id);
      this.executingThreads.delete(run.run_id);
    };
    return Object.assign(release, { signal: controller.signal });
  }
}
