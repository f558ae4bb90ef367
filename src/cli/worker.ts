import { loadConfig } from "../config.js";
import { createLogger } from "../logger.js";
import { startLearningWorker } from "../runtime/learning-worker.js";
import { closeRedis, connectionOptionsFrom, connectRedis } from "../redis/client.js";

/** `wellness worker`: processes the learning stream until SIGINT or SIGTERM. */
export async function workerCommand(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const client = await connectRedis(connectionOptionsFrom(config.redis, { clientName: "wellness-worker-writes", onError: (error) => log.warn(`Redis: ${error.message}`) }));
  try {
    const stop = await startLearningWorker({ config, client, log });
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
