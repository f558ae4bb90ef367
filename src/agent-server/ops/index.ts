import type { Ops } from "@langchain/langgraph-api/storage";
import { getAssistantId } from "@langchain/langgraph-api/graph";
import { RedisAssistants } from "./assistants.js";
import type { OpsContext } from "./context.js";
import { RedisRuns } from "./runs.js";
import { RedisThreads } from "./threads.js";
import { afterTruncate } from "./after-truncate.js";
import { deleteMatching } from "./truncate.js";
import { Wakeups } from "./wake.js";

export type { OpsContext } from "./context.js";
export { RedisAssistants } from "./assistants.js";
export { RedisThreads } from "./threads.js";
export { RedisRuns } from "./runs.js";
export { copyCheckpoints } from "./copy-checkpoints.js";

export interface RedisOpsOptions extends OpsContext {
  /** Whether truncate() may delete anything (WELLNESS_ALLOW_TRUNCATE=1, for the conformance suites). */
  allowTruncate?: boolean;
  /** Told when a truncate request is refused. */
  onRefusedTruncate?: () => void;
  /** Empties the store graphs and /store use, for truncate({ store: true }). */
  clearStore?: () => Promise<void>;
  /** Told when truncation fails (the server does not await it, so nothing else would see it). */
  onTruncateError?: (error: unknown) => void;
}

/**
 * The official Agent Server's storage (`Ops` of @langchain/langgraph-api) on core Redis:
 * assistants, threads, runs, the run queue and run streams, shared by every process on the same
 * Redis. Each method applies the official auth handlers' filters itself, so ownership is
 * enforced where the data is read and written.
 *
 * @example
 * ```ts
 * const ops = new RedisOps({ client, keys, checkpointer, threadTtlSeconds: 0 });
 * await startServer(options, { ops });
 * ```
 */
export class RedisOps implements Ops {
  readonly assistants: RedisAssistants;
  readonly threads: RedisThreads;
  readonly runs: RedisRuns;

  private truncating: Promise<void> = Promise.resolve();
  /** The assistants repository itself, for truncation (the public one waits for truncation). */
  private readonly storedAssistants: RedisAssistants;

  constructor(private readonly options: RedisOpsOptions) {
    const wakeups = new Wakeups();
    const assistants = new RedisAssistants(options);
    const threads = new RedisThreads(options);
    const runs = new RedisRuns(options, assistants, threads, wakeups);
    assistants.onDeleteThreads = async (assistantId) => {
      for await (const { thread } of threads.search({ metadata: { assistant_id: assistantId }, limit: Number.MAX_SAFE_INTEGER, offset: 0 }, undefined)) {
        await threads.remove(thread.thread_id);
      }
    };
    threads.onSettled = (threadId) => runs.closeFinished(threadId);
    this.storedAssistants = assistants;
    const pending = () => this.truncating;
    this.assistants = options.allowTruncate ? afterTruncate(assistants, pending) : assistants;
    this.threads = options.allowTruncate ? afterTruncate(threads, pending) : threads;
    this.runs = options.allowTruncate ? afterTruncate(runs, pending) : runs;
  }

  /**
   * Empties storage between conformance tests. Refused (a no-op) unless allowTruncate: the
   * official server registers POST /internal/truncate unconditionally and before auth.
   */
  truncate(flags: { runs?: boolean; threads?: boolean; assistants?: boolean; checkpointer?: boolean; store?: boolean }): Promise<void> {
    if (!this.options.allowTruncate) {
      this.options.onRefusedTruncate?.();
      return Promise.resolve();
    }
    const store = flags.store ? this.options.clearStore?.() : undefined;
    this.truncating = this.truncating
      .then(() => Promise.all([store, this.deleteFlagged(flags)]))
      .then(() => undefined).catch((error: unknown) => this.options.onTruncateError?.(error));
    return this.truncating;
  }

  private async deleteFlagged(flags: { runs?: boolean; threads?: boolean; assistants?: boolean; checkpointer?: boolean }): Promise<void> {
    const { client, keys } = this.options;
    const root = keys.agentRoot();
    if (flags.runs || flags.threads) {
      await deleteMatching(client, `${root}run:*`);
      await client.unlink([keys.agentRunQueue()]);
    }
    if (flags.threads) {
      await deleteMatching(client, `${root}thread:*`);
      await client.unlink([keys.agentThreads()]);
    }
    if (flags.checkpointer) await deleteMatching(client, `${keys.prefix}checkpoint:*`);
    if (flags.assistants) {
      const ids = await client.zRange(keys.agentAssistants(), 0, -1);
      for (const id of ids) {
        const assistant = await this.storedAssistants.find(id);
        if (assistant && assistant.metadata?.created_by === "system" && getAssistantId(assistant.graph_id) === id) continue;
        await Promise.all([client.unlink([keys.agentAssistant(id), keys.agentAssistantVersions(id)]), client.zRem(keys.agentAssistants(), id)]);
      }
    }
  }
}
