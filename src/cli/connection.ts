import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { redact, type Config } from "../config.js";
import { RedisUnavailableError } from "../errors.js";
import type { Logger } from "../logger.js";
import { closeRedis, connectionOptionsFrom, connectRedis, type RedisClient } from "../redis/client.js";

/** Whether an executable of this name is on PATH. */
export function onPath(binary: string, path = process.env.PATH ?? ""): boolean {
  return path.split(delimiter).some((dir) => {
    if (dir === "") return false;
    try {
      accessSync(join(dir, binary), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * What a one-shot command says when no Redis answers: the URL it tried, and the next step that
 * fits this machine (npm start when redis-server is installed, otherwise how to get one).
 */
export function redisDownMessage(config: Config, reason: string, redisServerInstalled = onPath("redis-server")): string {
  const target = config.redis.clusterNodes.length > 0 ? config.redis.clusterNodes.join(",") : redact(config.redis.url);
  const start = redisServerInstalled
    ? "Start the app first with npm start (or wellness serve) in another terminal: it starts the installed redis-server with its data in " +
      `${config.redis.localDataDir}. Or run redis-server yourself`
    : "Install Redis (apt-get install redis-server, or brew install redis) and run npm start, or run docker run -p 6379:6379 redis:8";
  return `No Redis answers at ${target} (${reason}). ${start}, or set REDIS_URL to a Redis you already have.`;
}

/**
 * Runs a one-shot command with a Redis connection made from the configuration, and closes it
 * afterwards whatever happens.
 */
export async function withRedis<T>(config: Config, log: Logger, run: (client: RedisClient) => Promise<T>): Promise<T> {
  let lastError = "";
  let connected = false;
  let client: RedisClient;
  try {
    client = await connectRedis(
      connectionOptionsFrom(config.redis, {
        clientName: "wellness-cli",
        onError: (error) => {
          // Before the first connection the failure becomes one clear error below, not a warning.
          if (connected && error.message !== lastError) log.warn(`Redis connection: ${error.message}`);
          lastError = error.message;
        },
      }),
    );
  } catch (error) {
    if (!(error instanceof RedisUnavailableError)) throw error;
    const reason = (error.cause instanceof Error ? error.cause.message : "") || error.message;
    throw new RedisUnavailableError(redisDownMessage(config, reason), { cause: error });
  }
  connected = true;
  try {
    return await run(client);
  } finally {
    await closeRedis(client);
  }
}
