import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { RedisCheckpointSaver } from "../src/checkpoint/index.js";
import { createStatefulGraph, createStatelessGraph } from "../src/agent/graph.js";
import { createHealthTools } from "../src/agent/tools/index.js";
import { HealthStore } from "../src/health/store/health-store.js";
import { KNOWLEDGE_PACK, Memory } from "../src/memory/index.js";
import type { Embeddings } from "../src/memory/embeddings/index.js";
import type { RedisClient } from "../src/redis/client.js";
import type { KeySchema } from "../src/redis/keys.js";
import type { EvalGraph, EvalMode } from "./harness.js";

export interface EvalGraphOptions {
  client: RedisClient;
  keys: KeySchema;
  model: BaseChatModel;
  embeddings: Embeddings;
  timeZone: string;
  /** The evaluation's fixed clock, so "last week" means the same days on every run. */
  now: Date;
  memoryTtlSeconds: number;
}

/**
 * The real stateful graph (Redis checkpointer, memory with the knowledge pack loaded) and its
 * stateless baseline, on the same model and tools, with the evaluation's clock.
 */
export async function buildEvalGraphs(options: EvalGraphOptions): Promise<Record<EvalMode, EvalGraph>> {
  const { client, keys, model, timeZone } = options;
  const now = () => options.now;
  const memory = new Memory({ client, keys, embeddings: options.embeddings, ttlSeconds: options.memoryTtlSeconds, embeddingCacheTtlSeconds: 3600 });
  await memory.semantic.load(KNOWLEDGE_PACK);
  const tools = Object.values(createHealthTools({ client, keys, store: new HealthStore(client, keys), memory, timeZone, now }));
  return {
    stateful: createStatefulGraph({ checkpointer: new RedisCheckpointSaver(client, { keys }), model, memory, tools, timeZone, now }),
    stateless: createStatelessGraph({ model, tools, timeZone, now }),
  };
}
