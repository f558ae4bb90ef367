import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { Config } from "../config.js";
import type { WellnessAgent } from "../agent/index.js";
import { ollamaReachable } from "../agent/model.js";
import type { Embeddings } from "../memory/embeddings/index.js";
import { RedisStore } from "../store/index.js";
import { startLearningWorker } from "./learning-worker.js";
import { startCoachingSchedule } from "./coaching-schedule.js";
import { SessionContextStore } from "../agent/session-context.js";
import { InstanceRegistry } from "../instances/registry.js";
import { packageVersion } from "../cli/version.js";
import { openBaseRuntime, type BaseRuntime, type BaseRuntimeOptions } from "./base.js";
import { wellnessAgentFromConfig } from "./agent-from-config.js";

export interface RuntimeOptions extends BaseRuntimeOptions {
  /** The chat model; the configured one (Ollama) by default. */
  model?: BaseChatModel;
  /** The embedding provider; EMBEDDING_PROVIDER by default. */
  embeddings?: Embeddings;
  /**
   * Whether the host authenticates its callers (the Agent Server): then graphs act for the
   * authenticated user only and ignore configurable.userId. With `singleUser`, a run that carries
   * no authenticated user acts for DEFAULT_USER_ID.
   */
  authenticatedCallers?: { singleUser: boolean };
  /** Queue finished turns on the learning stream and consume it in this process (`serve --worker`). */
  worker?: boolean;
  /** Register this process as a live instance with this role (heartbeats until `close()`). */
  role?: "serve" | "worker";
  /**
   * Run the timed coaching work (advice outcomes, reflections) in this process: without a worker
   * only when true; with one unless false (the worker runs it by default).
   */
  coaching?: boolean;
}

/**
 * Everything one process serves with, built once in dependency order and closed once: the
 * {@link BaseRuntime} (Redis client, key schema, breaker, event bus, model registry), the agent
 * (checkpointer, memory, graphs) and the LangGraph store. `wellness serve`, `chat` and `worker` and
 * the graphs of langgraph.json take their dependencies from here, the one-shot commands from the
 * base alone, so library modules only ever see plain options (src/runtime/from-config.ts).
 *
 * @example
 * ```ts
 * const runtime = await createRuntime(loadConfig());
 * try {
 *   await runtime.agent.invoke("session-1", "alice", "How did I sleep?");
 * } finally {
 *   await runtime.close();
 * }
 * ```
 */
export interface WellnessRuntime extends BaseRuntime {
  agent: WellnessAgent;
  /** The graphs the Agent Server serves, built once: "stateful" checkpoints every step (history, time travel). */
  graphs: ReturnType<WellnessAgent["buildGraphs"]>;
  /** The LangGraph store (per owner: `store.forOwner(user)`); items of one user never reach another. */
  store: RedisStore;
  /** The id this process registered under as a live instance (with a `role`), as `wellness status` lists it. */
  instanceId: string | undefined;
  /** Whether the chat model answers: Ollama's reachability, or always for a model handed in (it is in process). */
  modelHealth(): Promise<{ ok: boolean; error?: string }>;
  /** Waits for what finished turns left to do, stops the worker and closes what the runtime opened. Idempotent. */
  close(): Promise<void>;
}

/** Builds a {@link WellnessRuntime} (see there). */
export async function createRuntime(config: Config, options: RuntimeOptions = {}): Promise<WellnessRuntime> {
  // LangChain runs callback handlers that do not ask to be awaited (LangGraph's token stream among
  // them) through one global promise queue: a scheduling hop and an async context switch per event
  // of every runnable. This process's handlers are all in memory, so they run inline; about a fifth
  // of a turn's server CPU (docs/benchmarks.md). An explicit setting wins.
  process.env.LANGCHAIN_CALLBACKS_BACKGROUND ??= "false";
  const base = await openBaseRuntime(config, options);
  const { redis, keys, log, events, models, breaker } = base;
  const callers = options.authenticatedCallers;
  const instance = options.role ? new InstanceRegistry({ client: redis, keys, role: options.role, version: packageVersion(), heartbeatMs: config.live.heartbeatMs, log }) : undefined;
  const agent = wellnessAgentFromConfig(redis, config, {
    events,
    models,
    sessionContexts: new SessionContextStore(redis, keys),
    log,
    breaker,
    learning: options.worker ? "queue" : "direct",
    ...(options.model ? { model: options.model } : {}),
    ...(options.embeddings ? { embeddings: options.embeddings } : {}),
    ...(callers ? { currentUser: () => (callers.singleUser ? config.defaultUserId : undefined) } : {}),
  });
  const store = new RedisStore({ client: redis, keys, owner: config.defaultUserId, index: { embeddings: agent.memory.embeddings, dims: agent.memory.embeddings.dimensions } });
  let stopWorker: (() => Promise<void>) | undefined;
  try {
    // The worker runs the coaching schedule too; without it this process does.
    stopWorker = options.worker
      ? await startLearningWorker({ config, client: redis, log, model: options.model, events, models, coaching: options.coaching !== false })
      : options.coaching
        ? startCoachingSchedule({ config, client: redis, log, memory: agent.memory, model: options.model, models })
        : undefined;
    await instance?.start();
  } catch (error) {
    await stopWorker?.();
    await base.close();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    ...base,
    agent,
    graphs: agent.buildGraphs(),
    store,
    instanceId: instance?.id,
    modelHealth: () => (options.model ? Promise.resolve({ ok: true }) : ollamaReachable(config.ollama.baseUrl)),
    close() {
      closing ??= (async () => {
        await instance?.stop();
        await agent.close();
        await stopWorker?.();
        await base.close();
      })();
      return closing;
    },
  };
}
