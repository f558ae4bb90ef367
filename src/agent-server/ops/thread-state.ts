import type { Metadata, RunCommand, RunnableConfig, ThreadsStateRepo } from "@langchain/langgraph-api/storage";
import { handleAuthEvent, isAuthMatching, type AuthContext } from "@langchain/langgraph-api/auth";
import { getGraph } from "@langchain/langgraph-api/graph";
import { Command, Send, type StateSnapshot } from "@langchain/langgraph";
import { HTTPException } from "hono/http-exception";
import type { OpsContext } from "./context.js";
import { apiJson, notFound } from "./records.js";
import type { RedisThreads } from "./threads.js";

/** The LangGraph Command a run or a bulk update names in JSON. */
export function toCommand(command: RunCommand): Command {
  const goto = command.goto != null && !Array.isArray(command.goto) ? [command.goto] : command.goto;
  return new Command({
    goto: goto?.map((item) => (typeof item === "string" ? item : new Send(item.node, item.input))),
    update: command.update,
    resume: command.resume,
  });
}

/**
 * A thread's state and history, read and written through the thread's graph on the Redis
 * checkpointer (never the server's in-memory one), after the same auth checks as the thread.
 */
export class RedisThreadState implements ThreadsStateRepo {
  constructor(
    private readonly context: OpsContext,
    private readonly threads: RedisThreads,
  ) {}

  private graphOf(graphId: string, config: RunnableConfig | undefined) {
    return getGraph(graphId, config, { checkpointer: this.context.checkpointer, ...(this.context.store ? { store: this.context.store } : {}) });
  }

  async get(config: RunnableConfig, options: { subgraphs?: boolean }, auth: AuthContext | undefined): Promise<StateSnapshot> {
    const threadId = config.configurable?.thread_id;
    const thread = threadId ? await this.threads.getHeader(threadId, auth) : undefined;
    const graphId = thread?.metadata?.graph_id;
    if (!thread || typeof graphId !== "string") {
      return { values: {}, next: [], config: {}, metadata: undefined, createdAt: undefined, parentConfig: undefined, tasks: [] };
    }
    const graph = await this.graphOf(graphId, thread.config);
    const result = await graph.getState(config, { subgraphs: options.subgraphs ?? false });
    if (result.metadata != null && "checkpoint_ns" in result.metadata && result.metadata.checkpoint_ns === "") {
      delete (result.metadata as Record<string, unknown>).checkpoint_ns;
    }
    return result;
  }

  private async writable(config: RunnableConfig, auth: AuthContext | undefined) {
    const threadId = config.configurable?.thread_id;
    const [filters] = await handleAuthEvent(auth, "threads:update", { thread_id: threadId });
    const thread = threadId ? await this.threads.getHeader(threadId, auth) : undefined;
    if (!thread || !threadId) throw notFound(`Thread ${threadId} not found`);
    if (!isAuthMatching(thread.metadata, filters)) throw new HTTPException(403);
    const graphId = thread.metadata?.graph_id;
    if (typeof graphId !== "string") throw new HTTPException(400, { message: `Thread ${threadId} has no graph ID` });
    config.configurable ??= {};
    config.configurable.graph_id ??= graphId;
    const updateConfig = structuredClone(config);
    updateConfig.configurable ??= {};
    updateConfig.configurable.checkpoint_ns ??= "";
    return { threadId, graph: await this.graphOf(graphId, thread.config), updateConfig };
  }

  private async storeValues(threadId: string, config: RunnableConfig, auth: AuthContext | undefined): Promise<void> {
    const state = await this.get(config, { subgraphs: false }, auth);
    await this.threads.write(threadId, { values: apiJson(state.values) });
  }

  async post(
    config: RunnableConfig,
    values: Record<string, unknown>[] | Record<string, unknown> | null | undefined,
    asNode: string | undefined,
    auth: AuthContext | undefined,
  ): Promise<{ checkpoint: Record<string, unknown> | undefined }> {
    const { threadId, graph, updateConfig } = await this.writable(config, auth);
    if ((await this.context.client.sCard(this.context.keys.agentThreadInflight(threadId))) > 0) {
      throw new HTTPException(409, { message: "Thread is busy" });
    }
    const next = await graph.updateState(updateConfig, values, asNode);
    await this.storeValues(threadId, config, auth);
    return { checkpoint: next.configurable };
  }

  async bulk(
    config: RunnableConfig,
    supersteps: Parameters<ThreadsStateRepo["bulk"]>[1],
    auth: AuthContext | undefined,
  ): Promise<{ checkpoint: Record<string, unknown> | undefined } | unknown[]> {
    if (!config.configurable?.thread_id) return [];
    const { threadId, graph, updateConfig } = await this.writable(config, auth);
    const next = await graph.bulkUpdateState(
      updateConfig,
      supersteps.map((step) => ({
        updates: step.updates.map((update) => ({
          values: update.command != null ? toCommand(update.command) : update.values,
          asNode: update.as_node,
        })),
      })),
    );
    await this.storeValues(threadId, config, auth);
    return { checkpoint: next.configurable };
  }

  async list(
    config: RunnableConfig,
    options: { limit?: number; before?: string | RunnableConfig; metadata?: Metadata },
    auth: AuthContext | undefined,
  ): Promise<StateSnapshot[]> {
    const threadId = config.configurable?.thread_id;
    if (!threadId) return [];
    const [filters] = await handleAuthEvent(auth, "threads:read", { thread_id: threadId });
    const thread = await this.threads.getHeader(threadId, auth);
    if (!isAuthMatching(thread.metadata, filters)) return [];
    const graphId = thread.metadata?.graph_id;
    if (typeof graphId !== "string") return [];
    const graph = await this.graphOf(graphId, thread.config);
    const before = typeof options.before === "string" ? { configurable: { checkpoint_id: options.before } } : options.before;
    const states: StateSnapshot[] = [];
    for await (const state of graph.getStateHistory(config, { limit: options.limit ?? 10, before, filter: options.metadata })) states.push(state);
    return states;
  }
}
