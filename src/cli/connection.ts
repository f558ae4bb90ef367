import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { redact, type Config } from "../config.js";
import { RedisUnavailableError } from "../errors.js";
import type { Logger } from "../logger.js";
import { openBaseRuntime, type BaseRuntime } from "../runtime/base.js";

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

/** A Redis that did not answer, as the error that says how to get one; any other error as it is. */
export function explainRedisDown(config: Config, error: unknown): unknown {
  if (!(error instanceof RedisUnavailableError)) return error;
  const reason = (error.cause instanceof Error ? error.cause.message : "") || error.message;
  return new RedisUnavailableError(redisDownMessage(config, reason), { cause: error });
}

/**
 * Opens the runtime a one-shot command works with (the Redis connection the configuration
 * describes, keys, event bus, model registry), runs `run` and closes it whatever happens. A Redis
 * that does not answer becomes one error that says how to get one.
 */
export async function withRuntime<T>(config: Config, log: Logger, run: (runtime: BaseRuntime) => Promise<T>): Promise<T> {
  let runtime: BaseRuntime;
  try {
    runtime = await openBaseRuntime(config, { log, clientName: "wellness-cli" });
  } catch (error) {
    throw explainRedisDown(config, error);
  }
  try {
    return await run(runtime);
  } finally {
    await runtime.close();
  }
}
