import { hostname } from "node:os";
import type { Config } from "../config.js";
import { loadConfig } from "../config.js";
import { chatModelFromConfig } from "../agent/model.js";
import { checkpointerFromConfig } from "../checkpoint/index.js";
import { OutcomeCheck } from "../coaching/outcomes.js";
import { Reflections } from "../coaching/reflections.js";
import { CoachingSchedule } from "../coaching/schedule.js";
import { checkpointTranscript } from "../coaching/transcript.js";
import { HealthStore } from "../health/store/health-store.js";
import { TurnLearner } from "../learning/turn-learner.js";
import { LearningWorker } from "../learning/worker.js";
import { createLogger, type Logger } from "../logger.js";
import { memoryFromConfig, type Memory } from "../memory/index.js";
import { closeRedis, connectionOptionsFrom, connectRedis, type RedisClient } from "../redis/client.js";
import { KeySchema } from "../redis/keys.js";

/**
 * Starts the timed coaching work on `client` (outcomes of advice whose evaluation window ended,
 * reflections on sessions idle for REFLECTION_IDLE_MINUTES), every COACHING_INTERVAL_SECONDS.
 * Returns a function that stops it (call before closing `client`).
 */
export function startCoachingSchedule(config: Config, client: RedisClient, log: Logger, memory: Memory = memoryFromConfig(client, config)): () => Promise<void> {
  const keys = new KeySchema(config.redis.keyPrefix);
  const { checkpointer } = checkpointerFromConfig(client, config);
  const schedule = new CoachingSchedule({
    outcomes: new OutcomeCheck({ interventions: memory.interventions, store: new HealthStore(client, keys) }),
    reflections: new Reflections({
      client,
      keys,
      memory,
      model: chatModelFromConfig(config),
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

/**
 * Starts a learning worker (with the chat model, to extract stated goals and advice) and its
 * coaching schedule on its own connection (XREADGROUP BLOCK holds a connection, so it has
 * no command timeout). Returns a function that stops it and closes that connection.
 */
export async function startLearningWorker(config: Config, memoryClient: RedisClient, log: Logger): Promise<() => Promise<void>> {
  const blocking = await connectRedis({
    ...connectionOptionsFrom(config.redis, { clientName: "wellness-worker", onError: (error) => log.warn(`Redis (worker): ${error.message}`) }),
    commandTimeoutMs: 0,
  });
  const consumer = `${hostname()}-${process.pid}`;
  const keys = new KeySchema(config.redis.keyPrefix);
  const memory = memoryFromConfig(memoryClient, config);
  const learner = new TurnLearner({ memory, client: memoryClient, keys, model: chatModelFromConfig(config), timeZone: config.userTimezone });
  const worker = new LearningWorker(blocking, keys, learner, { consumer, log });
  await worker.ensureGroup();
  const running = worker.start();
  const stopCoaching = startCoachingSchedule(config, memoryClient, log, memory);
  log.info(`Learning worker ${consumer} is consuming the learning stream.`);
  return async () => {
    await stopCoaching();
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
