import { hostname } from "node:os";
import type { Config } from "../config.js";
import { loadConfig } from "../config.js";
import { chatModelFromConfig } from "../agent/model.js";
import { EventBus } from "../events/bus.js";
import type { EventSink } from "../events/types.js";
import { InstanceRegistry } from "../instances/registry.js";
import { ModelCallHandler, type ModelCallSink } from "../models/chat-model-handler.js";
import { ModelRegistry } from "../models/registry.js";
import { TurnLearner } from "../learning/turn-learner.js";
import { LearningWorker } from "../learning/worker.js";
import { createLogger, type Logger } from "../logger.js";
import { memoryFromConfig } from "../memory/index.js";
import { closeRedis, connectionOptionsFrom, connectRedis, type RedisClient } from "../redis/client.js";
import { KeySchema } from "../redis/keys.js";
import { packageVersion } from "./version.js";

/**
 * Starts a learning worker (with the chat model, to extract stated goals) on its own connection (XREADGROUP BLOCK holds a connection, so it has
 * no command timeout). Returns a function that stops it and closes that connection. With
 * `events`, dead-lettered entries and memory changes are published; with `models`, the chat and
 * embedding model calls it makes are counted.
 */
export async function startLearningWorker(
  config: Config,
  memoryClient: RedisClient,
  log: Logger,
  options: { events?: EventSink; models?: ModelCallSink } = {},
): Promise<() => Promise<void>> {
  const blocking = await connectRedis({
    ...connectionOptionsFrom(config.redis, { clientName: "wellness-worker", onError: (error) => log.warn(`Redis (worker): ${error.message}`) }),
    commandTimeoutMs: 0,
  });
  const consumer = `${hostname()}-${process.pid}`;
  const keys = new KeySchema(config.redis.keyPrefix);
  const { models, events } = options;
  const model = chatModelFromConfig(config, undefined, models ? [new ModelCallHandler(models)] : undefined);
  const learner = new TurnLearner({ memory: memoryFromConfig(memoryClient, config, { ...(events ? { events } : {}), ...(models ? { models } : {}) }), client: memoryClient, keys, model });
  const worker = new LearningWorker(blocking, keys, learner, { consumer, log, ...(events ? { events } : {}) });
  await worker.ensureGroup();
  const running = worker.start();
  log.info(`Learning worker ${consumer} is consuming the learning stream.`);
  return async () => {
    await worker.stop();
    await running;
    await closeRedis(blocking);
  };
}

/**
 * `wellness worker`: processes the learning stream until SIGINT or SIGTERM, registered as a live
 * instance (role worker) and publishing the entries it dead-letters on the event bus.
 */
export async function workerCommand(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const client = await connectRedis(connectionOptionsFrom(config.redis, { clientName: "wellness-worker-writes", onError: (error) => log.warn(`Redis: ${error.message}`) }));
  const keys = new KeySchema(config.redis.keyPrefix);
  const events = new EventBus({ client, keys, retention: config.live.eventsRetention, log });
  const models = new ModelRegistry({ client, keys, log });
  const registry = new InstanceRegistry({ client, keys, role: "worker", version: packageVersion(), heartbeatMs: config.live.heartbeatMs, log });
  try {
    const stop = await startLearningWorker(config, client, log, { events, models });
    await registry.start();
    log.info(`Registered as instance ${registry.id}.`);
    await new Promise<void>((resolve) => {
      process.once("SIGINT", () => resolve());
      process.once("SIGTERM", () => resolve());
    });
    log.info("Stopping the learning worker.");
    await registry.stop();
    await stop();
  } finally {
    await models.drain();
    await events.close();
    await closeRedis(client);
  }
}
