import type { Callbacks } from "@langchain/core/callbacks/manager";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { ollamaChatModel } from "../agent/model.js";
import { RedisCheckpointSaver, SessionIndex } from "../checkpoint/index.js";
import type { Config } from "../config.js";
import type { EventSink } from "../events/types.js";
import type { Logger } from "../logger.js";
import { embeddingProvider, type Embeddings } from "../memory/embeddings/index.js";
import { Memory } from "../memory/index.js";
import type { ModelCallSink } from "../models/chat-model-handler.js";
import { countedModel } from "../models/counted-model.js";
import { MeasuredEmbeddings } from "../models/measured-embeddings.js";
import type { RedisClient } from "../redis/client.js";
import { KeySchema } from "../redis/keys.js";

/*
 * Where the app's configuration becomes the plain options of the library modules (checkpointer,
 * memory, models here; the agent in agent-from-config.ts; the Redis connection in base.ts, kept
 * light for the one-shot commands). The modules never import Config, so code using them as a
 * library passes its own values, as the Postgres saver takes a pool.
 */

/** ChatOllama on OLLAMA_BASE_URL with OLLAMA_MODEL (see ollamaChatModel). */
export function chatModelFromConfig(config: Pick<Config, "ollama">, timeoutMs?: number, callbacks?: Callbacks): BaseChatModel {
  return ollamaChatModel({ baseUrl: config.ollama.baseUrl, model: config.ollama.model, ...(timeoutMs === undefined ? {} : { timeoutMs }), ...(callbacks ? { callbacks } : {}) });
}

/**
 * The chat model a part of the runtime uses: `model` when one is handed in (`--model-module`,
 * tests), else ChatOllama as configured; with `models`, its calls are counted in the model
 * registry (see countedModel), whichever it is.
 */
export function runtimeChatModel(config: Pick<Config, "ollama">, { model, models }: { model?: BaseChatModel | undefined; models?: ModelCallSink | undefined }): BaseChatModel {
  const chosen = model ?? chatModelFromConfig(config);
  return models ? countedModel(chosen, models) : chosen;
}

/** The provider EMBEDDING_PROVIDER names, with EMBEDDING_MODEL (uncached: Memory caches it). */
export function embeddingsFromConfig(config: Pick<Config, "embedding" | "ollama">): Embeddings {
  return embeddingProvider({ provider: config.embedding.provider, model: config.embedding.model, ollamaBaseUrl: config.ollama.baseUrl });
}

/**
 * The memory the app runs with: the configured provider (or `embeddings`), prefix and TTLs. With
 * `models`, the provider's calls (cache misses only) are counted in the model registry; with
 * `events`, the user's memory changes are published.
 */
export function memoryFromConfig(
  client: RedisClient,
  config: Config,
  live: { events?: EventSink; models?: ModelCallSink; embeddings?: Embeddings; log?: Logger } = {},
): Memory {
  const provider = live.embeddings ?? embeddingsFromConfig(config);
  return new Memory({
    client,
    keys: new KeySchema(config.redis.keyPrefix),
    embeddings: live.models ? new MeasuredEmbeddings(provider, live.models) : provider,
    ttlSeconds: config.memoryTtlSeconds,
    embeddingCacheTtlSeconds: config.embeddingCacheTtlSeconds,
    interventions: { ttlAfterResolveSeconds: config.interventionTtlSeconds, evaluationDays: config.interventionWindowDays },
    ...(live.events ? { events: live.events } : {}),
    ...(live.log ? { log: live.log } : {}),
  });
}

/**
 * The saver and session index the app runs with: the configured key prefix, the memory TTL on
 * every checkpoint key (refreshed on read unless turned off), and the retention bound.
 */
export function checkpointerFromConfig(
  client: RedisClient,
  config: Pick<Config, "memoryTtlSeconds" | "checkpoints"> & { redis: Pick<Config["redis"], "keyPrefix"> },
): { checkpointer: RedisCheckpointSaver; sessions: SessionIndex } {
  const keys = new KeySchema(config.redis.keyPrefix);
  const sessions = new SessionIndex(client, keys, {
    ttlSeconds: config.memoryTtlSeconds,
    maxSessions: config.checkpoints.maxSessionsPerIndex,
  });
  const checkpointer = new RedisCheckpointSaver(client, {
    keys,
    ttlSeconds: config.memoryTtlSeconds,
    refreshOnRead: config.checkpoints.refreshOnRead,
    maxCheckpointsPerThread: config.checkpoints.maxPerThread,
    sessionIndex: sessions,
  });
  return { checkpointer, sessions };
}
