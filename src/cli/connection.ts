import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import { closeRedis, connectionOptionsFrom, connectRedis, type RedisClient } from "../redis/client.js";

/**
 * Runs a one-shot command with a Redis connection made from the configuration, and closes it
 * afterwards whatever happens.
 */
export async function withRedis<T>(config: Config, log: Logger, run: (client: RedisClient) => Promise<T>): Promise<T> {
  let lastError = "";
  const client = await connectRedis(
    connectionOptionsFrom(config.redis, {
      clientName: "wellness-cli",
      onError: (error) => {
        if (error.message !== lastError) log.warn(`Redis connection: ${error.message}`);
        lastError = error.message;
      },
    }),
  );
  try {
    return await run(client);
  } finally {
    await closeRedis(client);
  }
}
