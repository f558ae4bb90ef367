import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { hostname } from "node:os";
import type { Config } from "../config.js";
import { TurnLearner } from "../learning/turn-learner.js";
import { LearningWorker } from "../learning/worker.js";
import type { Logger } from "../logger.js";
import { closeRedis, connectRedis, type RedisClient } from "../redis/client.js";
import { connectionOptionsFrom } from "./base.js";
import { memoryFromConfig, runtimeChatModel } from "./from-config.js";
import { KeySchema } from "../redis/keys.js";
import { startCoachingSchedule } from "./coaching-schedule.js";
import type { EventSink } from "../events/types.js";
import type { ModelCallSink } from "../models/chat-model-handler.js";

export interface LearningWorkerOptions {
  config: Config;
  /** The connection learning writes with (memory, analytics); the caller owns it. */
  client: RedisClient;
  log: Logger;
  /** The chat model that extracts stated goals; the configured one by default. */
  model?: BaseChatModel | undefined;
  /** Hears dead-lettered entries and memory changes (the event bus). */
  events?: EventSink;
  /** Counts the configured chat model's and the embedding provider's calls. */
  models?: ModelCallSink;
  /**
   * Run the coaching schedule beside the consumer (default true). `wellness serve` in several
   * processes runs it in one of them only: a pass covers every user, so more would only repeat it.
   */
  coaching?: boolean;
}

/**
 * Starts a learning worker (with the chat model, to extract stated goals and advice) and its
 * coaching schedule, on a connection of its own: XREADGROUP BLOCK holds a connection, so it has
 * no command timeout. Returns a function that stops both and closes that connection.
 */
export async function startLearningWorker({ config, client, log, model, events, models, coaching = true }: LearningWorkerOptions): Promise<() => Promise<void>> {
  const blocking = await connectRedis({
    ...connectionOptionsFrom(config.redis, { clientName: "wellness-worker", onError: (error) => log.warn(`Redis (worker): ${error.message}`) }),
    commandTimeoutMs: 0,
  });
  const consumer = `${hostname()}-${process.pid}`;
  const keys = new KeySchema(config.redis.keyPrefix);
  const memory = memoryFromConfig(client, config, { ...(events ? { events } : {}), ...(models ? { models } : {}), log });
  const chatModel = runtimeChatModel(config, { model, models });
  const learner = new TurnLearner({ memory, client, keys, model: chatModel, timeZone: config.userTimezone });
  const worker = new LearningWorker(blocking, keys, learner, { consumer, log, ...(events ? { events } : {}) });
  try {
    await worker.ensureGroup();
  } catch (error) {
    await closeRedis(blocking);
    throw error;
  }
  const running = worker.start();
  const stopCoaching = coaching ? startCoachingSchedule({ config, client, log, memory, model: chatModel }) : () => Promise.resolve();
  log.info(`Learning worker ${consumer} is consuming the learning stream.`);
  return async () => {
    await stopCoaching();
    await worker.stop();
    await running;
    await memory.drain();
    await closeRedis(blocking);
  };
}
