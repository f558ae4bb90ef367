import { loadConfig } from "../config.js";
import { createLogger } from "../logger.js";
import { closeRedis, connectRedis } from "../redis/client.js";
import { KeySchema } from "../redis/keys.js";
import { connectionErrorLogger, connectionOptionsFrom, redisBreaker } from "../runtime/base.js";
import { SERVE_SLOT_VARIABLE, type ReadyMessage } from "./serve-cluster.js";
import { startServeProcess, type ServeProcess } from "./serve-process.js";
import type { ServeOptions } from "./serve.js";

/**
 * Resolves when this server process is told to stop: by the primary's message, or by SIGINT or
 * SIGTERM (Ctrl-C in a terminal reaches every process of the group, and the primary signals a
 * process that is still starting). Listening starts at once, so a stop during startup is kept.
 */
function untilStopped(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      process.off("message", onMessage);
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    const onMessage = (message: unknown) => {
      if (typeof message === "object" && message !== null && (message as { type?: unknown }).type === "wellness:stop") stop();
    };
    process.on("message", onMessage);
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

/**
 * One forked server process of `wellness serve` (see ServeCluster): it connects to the Redis the
 * primary prepared, builds its own runtime and Agent Server on the shared port, tells the primary
 * it listens, and on stop finishes its turns (runtime.close()) and exits.
 */
export async function serveWorker(options: ServeOptions): Promise<void> {
  const stopped = untilStopped();
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const errors = connectionErrorLogger(log);
  const redis = await connectRedis(connectionOptionsFrom(config.redis, { onError: errors.onError, clientName: "wellness" }));
  errors.connected();
  let running: ServeProcess;
  try {
    running = await startServeProcess({
      config,
      log,
      redis,
      keys: new KeySchema(config.redis.keyPrefix),
      breaker: redisBreaker(config),
      host: options.host ?? config.server.host,
      port: options.port ?? config.server.port,
      singleUser: config.server.apiTokens.size === 0,
      worker: options.worker ?? false,
      langgraphConfig: options.config,
      modelModule: options.modelModule,
      once: process.env[SERVE_SLOT_VARIABLE] === "0",
    });
  } catch (error) {
    await closeRedis(redis);
    // The error is printed by the command; whatever a half-built runtime left open must not keep
    // this process (and so the primary's startup) waiting.
    setTimeout(() => process.exit(1), 1_000).unref();
    throw error;
  }
  const ready: ReadyMessage = { type: "wellness:ready", address: running.address };
  process.send?.(ready);
  await stopped;
  await running.stop();
  await closeRedis(redis);
  // The official server's HTTP listener and queue workers offer no way to stop; the process ends here.
  process.exit(0);
}
