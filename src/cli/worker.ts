import { loadConfig } from "../config.js";
import { createLogger } from "../logger.js";
import { startLearningWorker } from "../runtime/learning-worker.js";
import { closeRedis, connectionOptionsFrom, connectRedis } from "../redis/client.js";
import { KeySchema } from "../redis/keys.js";
import { EventBus } from "../events/bus.js";
import { InstanceRegistry } from "../instances/registry.js";
import { ModelRegistry } from "../models/registry.js";
import { packageVersion } from "./version.js";

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
    const stop = await startLearningWorker({ config, client, log, events, models });
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
