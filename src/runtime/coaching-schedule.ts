import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { Config } from "../config.js";
import { OutcomeCheck } from "../coaching/outcomes.js";
import { Reflections } from "../coaching/reflections.js";
import { CoachingSchedule } from "../coaching/schedule.js";
import { checkpointTranscript } from "../coaching/transcript.js";
import { HealthStore } from "../health/store/health-store.js";
import type { Logger } from "../logger.js";
import type { Memory } from "../memory/index.js";
import type { ModelCallSink } from "../models/chat-model-handler.js";
import { checkpointerFromConfig, memoryFromConfig, runtimeChatModel } from "./from-config.js";
import type { RedisClient } from "../redis/client.js";
import { KeySchema } from "../redis/keys.js";

export interface CoachingScheduleOptions {
  config: Config;
  /** The connection the work writes with; the caller owns it. */
  client: RedisClient;
  log: Logger;
  memory?: Memory;
  /** The chat model that writes reflections; the configured one by default. */
  model?: BaseChatModel | undefined;
  /** Counts that model's calls in the model registry. */
  models?: ModelCallSink | undefined;
}

/**
 * Starts the timed coaching work on `client` (outcomes of advice whose evaluation window ended,
 * reflections on sessions idle for REFLECTION_IDLE_MINUTES), every COACHING_INTERVAL_SECONDS.
 * Returns a function that stops it (call before closing `client`).
 */
export function startCoachingSchedule({ config, client, log, memory = memoryFromConfig(client, config), model, models }: CoachingScheduleOptions): () => Promise<void> {
  const keys = new KeySchema(config.redis.keyPrefix);
  const { checkpointer } = checkpointerFromConfig(client, config);
  const schedule = new CoachingSchedule({
    outcomes: new OutcomeCheck({ interventions: memory.interventions, store: new HealthStore(client, keys) }),
    reflections: new Reflections({
      client,
      keys,
      memory,
      model: runtimeChatModel(config, { model, models }),
      transcript: checkpointTranscript(checkpointer),
      idleMs: config.coaching.reflectionIdleMinutes * 60_000,
      ttlSeconds: config.memoryTtlSeconds,
      log,
    }),
    intervalMs: config.coaching.intervalSeconds * 1_000,
    log,
  });
  schedule.start();
  return () => schedule.stop();
}
