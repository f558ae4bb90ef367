import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { Config } from "../config.js";
import { createWellnessAgent, type WellnessAgent } from "../agent/index.js";
import { ollamaReachable } from "../agent/model.js";
import { silentLogger, type Logger } from "../logger.js";
import type { Embeddings } from "../memory/embeddings/index.js";
import { CircuitBreaker } from "../redis/breaker.js";
import { closeRedis, connectionOptionsFrom, connectRedis, isConnectionFailure, type RedisClient } from "../redis/client.js";
import { KeySchema } from "../redis/keys.js";
import { RedisStore } from "../store/index.js";
import { startLearningWorker } from "./learning-worker.js";
import { startCoachingSchedule } from "./coaching-schedule.js";
import { SessionContextStore } from "../agent/session-context.js";
import { EventBus } from "../events/bus.js";
import { InstanceRegistry } from "../instances/registry.js";
import { ModelRegistry } from "../models/registry.js";
import { packageVersion } from "../cli/version.js";

export interface RuntimeOptions {
  /** A connected client the caller owns and closes; without it the runtime connects and closes its own. */
  redis?: RedisClient;
  /** The breaker Redis calls go through (and /health reports); one from the configuration by default. */
  breaker?: CircuitBreaker;
  /** The chat model; the configured one (Ollama) by default. */
  model?: BaseChatModel;
  /** The embedding provider; EMBEDDING_PROVIDER by default. */
  embeddings?: Embeddings;
  log?: Logger;
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
  /** Without a worker: run the timed coaching work (advice outcomes, reflections) in this process. */
  coaching?: boolean;
}

/**
 * Everything one process serves with, built once in dependency order and closed once: the Redis
 * client, key schema, breaker, the agent (checkpointer, memory, graphs) and the LangGraph store.
 * `wellness serve`, the graphs of langgraph.json and the CLI take their dependencies from here, so
 * library modules only ever see plain options.
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
export interface WellnessRuntime {
  config: Config;
  log: Logger;
  redis: RedisClient;
  keys: KeySchema;
  breaker: CircuitBreaker;
  agent: WellnessAgent;
  /** Typed events per user (imports, memory, sessions, runs), published and kept in a capped log. */
  events: EventBus;
  /** The chat and embedding models in use, with call statistics that add up across processes. */
  models: ModelRegistry;
  /** The graphs the Agent Server serves, built once: "stateful" checkpoints every step (history, time travel). */
  graphs: ReturnType<WellnessAgent["buildGraphs"]>;
  /** The LangGraph store (per owner: `store.forOwner(user)`); items of one user never reach another. */
  store: RedisStore;
  /** Whether the chat model answers: Ollama's reachability, or always for a model handed in (it is in process). */
  modelHealth(): Promise<{ ok: boolean; error?: string }>;
  /** Waits for what finished turns left to do, stops the worker and closes what the runtime opened. Idempotent. */
  close(): Promise<void>;
}

/** The Redis circuit breaker the configuration describes. */
export function redisBreaker(config: Config): CircuitBreaker {
  return new CircuitBreaker({
    name: "redis",
    failureThreshold: config.redis.breakerFailureThreshold,
    cooldownMs: config.redis.breakerCooldownMs,
    isFailure: isConnectionFailure,
  });
}

/** Builds a {@link WellnessRuntime} (see there). */
export async function createRuntime(config: Config, options: RuntimeOptions = {}): Promise<WellnessRuntime> {
  const log = options.log ?? silentLogger;
  const ownsClient = options.redis === undefined;
  const redis =
    options.redis ??
    (await connectRedis(connectionOptionsFrom(config.redis, { clientName: "wellness", onError: (error) => log.warn(`Redis: ${error.message}`) })));
  const keys = new KeySchema(config.redis.keyPrefix);
  const breaker = options.breaker ?? redisBreaker(config);
  const callers = options.authenticatedCallers;
  const events = new EventBus({ client: redis, keys, retention: config.live.eventsRetention, log });
  const models = new ModelRegistry({ client: redis, keys, log });
  const instance = options.role ? new InstanceRegistry({ client: redis, keys, role: options.role, version: packageVersion(), heartbeatMs: config.live.heartbeatMs, log }) : undefined;
  const agent = createWellnessAgent({
    events,
    models,
    sessionContexts: new SessionContextStore(redis, keys),
    redis,
    config,
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
      ? await startLearningWorker({ config, client: redis, log, model: options.model, events, models })
      : options.coaching
        ? startCoachingSchedule({ config, client: redis, log, memory: agent.memory, model: options.model })
        : undefined;
    await instance?.start();
  } catch (error) {
    if (ownsClient) await closeRedis(redis);
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    config,
    log,
    redis,
    keys,
    breaker,
    agent,
    events,
    models,
    graphs: agent.buildGraphs(),
    store,
    modelHealth: () => (options.model ? Promise.resolve({ ok: true }) : ollamaReachable(config.ollama.baseUrl)),
    close() {
      closing ??= (async () => {
        await instance?.stop();
        await agent.close();
        await stopWorker?.();
        await models.drain();
        await events.close();
        if (ownsClient) await closeRedis(redis);
      })();
      return closing;
    },
  };
}
