import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { createWellnessAgent, type WellnessAgent, type WellnessAgentOptions } from "../agent/index.js";
import type { Config } from "../config.js";
import type { Embeddings } from "../memory/embeddings/index.js";
import type { ModelCallSink } from "../models/chat-model-handler.js";
import type { CircuitBreaker } from "../redis/breaker.js";
import type { RedisClient } from "../redis/client.js";
import { redisBreaker } from "./base.js";
import { KeySchema } from "../redis/keys.js";
import { checkpointerFromConfig, memoryFromConfig, runtimeChatModel } from "./from-config.js";

export interface AgentFromConfigOptions extends Pick<WellnessAgentOptions, "learning" | "currentUser" | "log" | "events" | "sessionContexts"> {
  /** The chat model (its calls are counted in `models` too); ChatOllama on OLLAMA_BASE_URL by default. */
  model?: BaseChatModel;
  /** The embedding provider; EMBEDDING_PROVIDER by default. */
  embeddings?: Embeddings;
  /** The breaker the cache layer goes through; one from the configuration by default. */
  breaker?: CircuitBreaker;
  /** Counts the configured chat model's and the embedding provider's calls (the model registry). */
  models?: ModelCallSink;
}

/** The agent the configuration describes: its memory, checkpointer, model, breaker, time zone and TTLs (see createWellnessAgent). */
export function wellnessAgentFromConfig(redis: RedisClient, config: Config, options: AgentFromConfigOptions = {}): WellnessAgent {
  const { model, embeddings, breaker, models, ...rest } = options;
  const { checkpointer, sessions } = checkpointerFromConfig(redis, config);
  return createWellnessAgent({
    ...rest,
    redis,
    keys: new KeySchema(config.redis.keyPrefix),
    memory: memoryFromConfig(redis, config, {
      ...(options.events ? { events: options.events } : {}),
      ...(models ? { models } : {}),
      ...(embeddings ? { embeddings } : {}),
      ...(options.log ? { log: options.log } : {}),
    }),
    model: runtimeChatModel(config, { model, models }),
    checkpointer,
    sessions,
    breaker: breaker ?? redisBreaker(config),
    timeZone: config.userTimezone,
    defaultUserId: config.defaultUserId,
    indexTtlSeconds: config.memoryTtlSeconds,
    toolCache: config.toolCache,
  });
}
