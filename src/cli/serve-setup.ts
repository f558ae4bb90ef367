import { createServer } from "node:net";
import { redact, type Config } from "../config.js";
import { RedisUnavailableError, ServerStartError } from "../errors.js";
import type { Logger } from "../logger.js";
import { closeRedis, connectRedis, type RedisClient } from "../redis/client.js";
import { checkRedisHealth } from "../redis/health.js";
import { KeySchema } from "../redis/keys.js";
import type { CircuitBreaker } from "../redis/breaker.js";
import { connectionErrorLogger, connectionOptionsFrom, redisBreaker } from "../runtime/base.js";
import { removeStaleUploads } from "../health/import/stale-uploads.js";
import { repairPendingIndexes } from "../health/store/index-repair.js";
import { adoptOrphanRedis, startLocalRedis, type LocalRedis } from "./local-redis.js";
import { modelStatusLine } from "./model-status.js";
import { describeHealth } from "./serve-messages.js";

/** What `wellness serve` has once its one-time preparation is done. */
export interface PreparedServe {
  redis: RedisClient;
  keys: KeySchema;
  breaker: CircuitBreaker;
  host: string;
  port: number;
  singleUser: boolean;
  /** Closes this process's Redis client and stops the local redis-server, if serve started or adopted one. */
  shutdown(): Promise<void>;
}

export interface ServeSetupOptions {
  port?: number | undefined;
  host?: string | undefined;
  modelModule?: string | undefined;
}

/** Fails with a clear message when host:port cannot be bound (the Agent Server's listener would crash the process instead). */
async function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new ServerStartError(
          error.code === "EADDRINUSE"
            ? `Port ${port} on ${host} is already in use; stop what holds it or choose another with PORT or --port.`
            : `Could not listen on ${host}:${port} (${error.message}); check HOST and PORT.`,
          { cause: error },
        ),
      ),
    );
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

/**
 * What `wellness serve` does once, however many server processes follow: connect to Redis (or
 * start a local redis-server when none answers, or adopt the one a killed serve left), print the
 * health and chat model lines, refuse a non-loopback address without tokens, check that the port
 * is free, and clear what a server that did not shut down left behind (upload directories,
 * indexes an interrupted import left pending). Done in the server processes themselves, each would
 * race the others to start Redis and repair the same indexes.
 */
export async function prepareServe(config: Config, log: Logger, options: ServeSetupOptions): Promise<PreparedServe> {
  const errors = connectionErrorLogger(log);
  const connection = connectionOptionsFrom(config.redis, { onError: errors.onError, clientName: "wellness" });
  const shownUrl = config.redis.clusterNodes.length > 0 ? config.redis.clusterNodes.join(",") : redact(config.redis.url);

  let localServer: LocalRedis | undefined;
  let redis: RedisClient;
  try {
    redis = await connectRedis({ ...connection, reconnect: { ...connection.reconnect, connectAttempts: 1 } });
  } catch (error) {
    if (!(error instanceof RedisUnavailableError)) throw error;
    const local =
      config.redis.localAutostart && config.redis.clusterNodes.length === 0
        ? await startLocalRedis(config.redis.url, config.redis.localDataDir)
        : { skipped: "REDIS_LOCAL_AUTOSTART is off or a cluster is configured" };
    if ("skipped" in local) {
      throw new RedisUnavailableError(
        `No Redis answers at ${shownUrl} and none could be started here (${local.skipped}). Get Redis one of three ways: ` +
          "install redis-server (apt-get install redis-server, or brew install redis) and run npm start again; " +
          "run docker run -p 6379:6379 redis:8; or set REDIS_URL to a Redis you already have.",
        { cause: error },
      );
    }
    localServer = local.started;
    log.info(`No Redis answered at ${shownUrl}; started a local redis-server (pid ${localServer.pid}) with its data in ${localServer.dir} (AOF on).`);
    redis = await connectRedis(connection);
  }
  errors.connected();
  if (!localServer && config.redis.localAutostart && config.redis.clusterNodes.length === 0) {
    const orphan = await adoptOrphanRedis(config.redis.url, config.redis.localDataDir);
    if (orphan) log.info(orphan.message);
    localServer = orphan?.adopted;
  }
  const shutdown = async () => {
    await closeRedis(redis);
    await localServer?.stop();
  };

  const keys = new KeySchema(config.redis.keyPrefix);
  const breaker = redisBreaker(config);
  const host = options.host ?? config.server.host;
  const port = options.port ?? config.server.port;
  const singleUser = config.server.apiTokens.size === 0;
  try {
    log.info(describeHealth(await checkRedisHealth(redis, keys, breaker), shownUrl));
    log.info(options.modelModule ? `Chat model from ${options.modelModule}.` : await modelStatusLine(config.ollama));
    if (singleUser && !["127.0.0.1", "localhost", "::1"].includes(host)) {
      throw new ServerStartError(
        `Refusing to listen on ${host}: without API_TOKENS the API serves one user's health data unauthenticated, so it binds to loopback only. Set API_TOKENS (token:user pairs) to serve other addresses, or use HOST=127.0.0.1.`,
      );
    }
    await assertPortFree(host, port);
    const stale = await removeStaleUploads();
    if (singleUser) {
      // An import killed after its swap left the indexes pending: rebuild them now rather than on first read.
      const repaired = await repairPendingIndexes({ client: redis, keys, userId: config.defaultUserId, indexTtlSeconds: config.memoryTtlSeconds });
      if (repaired === "repaired") log.info(`Rebuilt the indexes an interrupted import left pending for ${config.defaultUserId}.`);
    }
    if (stale.length > 0) log.info(`Removed ${stale.length} upload director${stale.length === 1 ? "y" : "ies"} left by servers that did not shut down.`);
  } catch (error) {
    await shutdown();
    throw error;
  }
  return { redis, keys, breaker, host, port, singleUser, shutdown };
}
