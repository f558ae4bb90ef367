import { ensureConfig, type RunnableConfig } from "@langchain/core/runnables";
import { getGraph } from "@langchain/langgraph-api/graph";
import type { CheckpointPayload, Run } from "@langchain/langgraph-api/storage";
import { silentLogger, type Logger } from "../logger.js";
import type { RedisOps } from "./ops/index.js";

/** The official worker gives up on a run after this many attempts (a process died holding it). */
const MAX_ATTEMPTS = 3;

/** What a turn's graph stream yields with several modes: the mode, then its chunk. */
type ModeChunk = [mode: string, chunk: unknown];

interface StreamingGraph {
  /** What `stream` iterates (see execute): the graph's chunks, without a web stream around them. */
  _streamIterator(input: unknown, options: RunnableConfig & Record<string, unknown>): AsyncGenerator<ModeChunk>;
  getState(config: RunnableConfig): Promise<{ values: Record<string, unknown>; next: string[]; tasks: CheckpointPayload["tasks"]; metadata?: unknown; config?: RunnableConfig }>;
}

/** A run failure as the official worker streams it (`event: error`). */
function errorEvent(error: unknown): { error: string; message: string } {
  return error instanceof Error ? { error: error.name, message: error.message } : { error: "Error", message: JSON.stringify(error) };
}

/**
 * Executes the app's chat turns (the runs the chat route creates, marked when they are put) in
 * place of the official queue worker, on the same queue: the same claim, lease, cancel signal,
 * run status, thread status and run stream. What differs is how the graph runs. The official
 * worker calls `streamEvents` v2 with the `debug` mode added whatever the client asked for, so a
 * callback fires for every runnable and every step's checkpoint is copied into a debug event;
 * and the server's stateful graph saves a checkpoint after every step, for Studio's time travel.
 * A turn asks for tokens and node updates only, so here the graph streams just those modes (and
 * its values, kept in memory for the thread record), and the thread is saved once, when the run
 * ends, as `wellness chat` saves it. Only the state of a turn that was interrupted or failed is
 * read back from the checkpointer, so that the thread record says exactly where it stopped.
 *
 * @example
 * ```ts
 * ops.runs.executeTurnsWith(new TurnExecutor(ops, { log }));
 * ```
 */
export class TurnExecutor {
  private readonly log: Logger;

  constructor(
    private readonly ops: RedisOps,
    options: { log?: Logger } = {},
  ) {
    this.log = options.log ?? silentLogger;
  }

  /** Runs one claimed turn to its end; the caller holds the claim meanwhile and releases it after. */
  async execute(run: Run, attempt: number, signal: AbortSignal): Promise<void> {
    const { ops } = this;
    const kwargs = run.kwargs;
    const temporary = kwargs.temporary ?? false;
    const publish = (event: string, data: unknown) => ops.runs.stream.publish({ runId: run.run_id, resumable: kwargs.resumable ?? false, event, data });
    let values: Record<string, unknown> | undefined;
    let interrupted = false;
    let exception: Error | undefined;
    let graph: StreamingGraph | undefined;
    try {
      if (attempt > MAX_ATTEMPTS) throw new Error(`Run ${run.run_id} exceeded max attempts`);
      const graphId = kwargs.config?.configurable?.graph_id;
      if (typeof graphId !== "string" || graphId === "") throw new Error("Invalid or missing graph_id");
      graph = (await getGraph(graphId, kwargs.config, { checkpointer: temporary ? null : undefined })) as unknown as StreamingGraph;
      await publish("metadata", { run_id: run.run_id, attempt });
      // The graph's own iterator, as `stream` would run it, minus what `stream` wraps around each
      // chunk (a turn yields one per token): an AsyncLocalStorage context with a fresh callback
      // manager and run tree, and a web ReadableStream (counted by `npm run bench:runtime-calls`).
      // Leaving the loop early (a failed publish) stops the graph, as cancelling the stream would.
      const stop = new AbortController();
      const chunks = graph._streamIterator(
        kwargs.input ?? null,
        ensureConfig({
          configurable: kwargs.config?.configurable,
          metadata: { ...kwargs.config?.metadata, run_attempt: attempt },
          tags: kwargs.config?.tags,
          ...(kwargs.config?.recursion_limit === undefined ? {} : { recursionLimit: kwargs.config.recursion_limit }),
          context: kwargs.context,
          runId: run.run_id,
          streamMode: ["messages", "updates", "values"],
          durability: "exit",
          signal: AbortSignal.any([signal, stop.signal]),
        }),
      );
      for await (const [mode, chunk] of chunks) {
        if (mode === "values") {
          values = chunk as Record<string, unknown>;
          continue;
        }
        if (mode === "updates" && typeof chunk === "object" && chunk !== null && "__interrupt__" in chunk) interrupted = true;
        try {
          await publish(mode, chunk);
        } catch (error) {
          stop.abort(error);
          throw error;
        }
      }
      await ops.runs.setStatus(run.run_id, "success");
    } catch (error) {
      exception = error instanceof Error ? error : new Error(String(error));
      this.log.warn(`Chat run ${run.run_id} failed: ${exception.message}`);
      await publish("error", errorEvent(error)).catch(() => undefined);
      await ops.runs.setStatus(run.run_id, "error");
    } finally {
      // Reported here: the queue that called this only knows the turn is over.
      await this.settleThread(run, temporary, graph, values, interrupted, exception).catch((error: unknown) =>
        this.log.error(`Chat run ${run.run_id}: the thread's status could not be written (${(error as Error).message}).`),
      );
    }
  }

  /** Deletes a temporary run's thread, or records the thread's status and state after the run. */
  private async settleThread(run: Run, temporary: boolean, graph: StreamingGraph | undefined, values: Record<string, unknown> | undefined, interrupted: boolean, exception: Error | undefined): Promise<void> {
    if (temporary) await this.ops.threads.delete(run.thread_id, undefined);
    else await this.ops.threads.setStatus(run.thread_id, { checkpoint: await this.finalState(run, graph, values, interrupted || exception !== undefined), ...(exception ? { exception } : {}) });
  }

  /**
   * The thread's state when the run ended: the values streamed last for a turn that completed,
   * or, for one that stopped early, what the checkpointer holds (with its pending tasks).
   */
  private async finalState(run: Run, graph: StreamingGraph | undefined, values: Record<string, unknown> | undefined, stoppedEarly: boolean): Promise<CheckpointPayload | undefined> {
    if (!stoppedEarly && values) return { values, next: [], tasks: [], metadata: {} as CheckpointPayload["metadata"] };
    if (!graph) return undefined;
    const state = await graph.getState({ configurable: { thread_id: run.thread_id } }).catch(() => undefined);
    if (!state || Object.keys(state.values).length === 0) return undefined;
    return { values: state.values, next: state.next, tasks: state.tasks, metadata: (state.metadata ?? {}) as CheckpointPayload["metadata"] };
  }
}
