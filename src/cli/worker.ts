import { hostname } from "node:os";
import type { Config } from "../config.js";
import { loadConfig } from "../config.js";
import { chatModelFromConfig } from "../agent/model.js";
import { TurnLearner } from "../learning/turn-learner.js";
import { LearningWorker } from "../learning/worker.js";
import { createLogger, type Logger } from "../logger.js";
import { memoryFromConfig } from "../memory/index.js";
import { closeRedis, connectionOptionsFrom, connectRedis, type RedisClient } from "../redis/client.js";
import { KeySchema } from "../redis/keys.js";

/**
 * Starts a learning worker (with the chat model, to extract stated goals) on its own connection (XREADGROUP BLOCK holds a connection, so it has
 * no command timeout). Returns a function that stops it and closes that connection.
 */
export async function startLearningWorker(config: Config, memoryClient: RedisClient, log: Logger): Promise<() => Promise<void>> {
  const blocking = await connectRedis({
    ...connectionOptionsFrom(config.redis, { clientName: "wellness-worker", onError: (error) => log.warn(`Redis (worker): ${error.message}`) }),
    commandTimeoutMs: 0,
  });
  const consumer = `${hostname()}-${process.pid}`;
  const keys = new KeySchema(config.redis.keyPrefix);
  const learner = new TurnLearner({ memory: memoryFromConfig(memoryClient, config), client: memoryClient, keys, model: chatModelFromConfig(config) });
  const worker = new LearningWorker(blocking, keys, learner, { consumer, log });
  await worker.ensureGroup();
  const running = worker.start();
  log.info(`Learning worker ${consumer} is consuming the learning stream.`);
  return async () => {
    await worker.stop();
    await running;
    await closeRedis(blocking);
  };
}

/** `wellness worker`: processes the learning stream until SIGINT or SIGTERM. */
export async function workerCommand(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const client = await connectRedis(connectionOptionsFrom(config.redis, { clientName: "wellness-worker-writes", onError: (error) => log.warn(`Redis: ${error.message}`) }));
  try {
    const stop = await startLearningWorker(config, client, log);
    await new Promise<void>((resolve) => {
      process.once("SIGINT", () => resolve());
      process.once("SIGTERM", () => resolve());
    });
    log.info("Stopping the learning worker.");
    await stop();
  } finally {
    await closeRedis(client);
  }
}
