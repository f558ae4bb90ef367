import { serve as serveHttp, type ServerType } from "@hono/node-server";
import { loadConfig, redact } from "../config.js";
import { RedisUnavailableError, ServerStartError } from "../errors.js";
import { createLogger, type Logger } from "../logger.js";
import { CircuitBreaker } from "../redis/breaker.js";
import { closeRedis, connectionOptionsFrom, connectRedis, isConnectionFailure, type RedisClient } from "../redis/client.js";
import { checkRedisHealth, type RedisHealthReport } from "../redis/health.js";
import { KeySchema } from "../redis/keys.js";
import { createWellnessAgent } from "../agent/index.js";
import { ollamaReachable } from "../agent/model.js";
import { authentication } from "../server/auth.js";
import { mountLangGraphApi } from "../server/langgraph-api.js";
import { createApp } from "../server/app.js";
import { adoptOrphanRedis, startLocalRedis, type LocalRedis } from "./local-redis.js";
import { modelStatusLine } from "./model-status.js";
import { startLearningWorker } from "./worker.js";
import { checkpointerFromConfig } from "../checkpoint/index.js";
import { loadLangGraphConfig, startAgentServer } from "../agent-server/index.js";
import type { Config } from "../config.js";

/** Resolves on the first SIGINT or SIGTERM. */
function untilSignal(log: Logger): Promise<void> {
  return new Promise<void>((resolve) => {
    const shutdown = (signal: NodeJS.Signals) => {
      log.info(`${signal}: shutting down`);
      resolve();
    };
    process.once("SIGINT", shutdown);
    process.once("SIGTERM", shutdown);
  });
}

/**
 * `wellness serve --config langgraph.json`: the graphs, auth and routes of that file on the
 * official Agent Server, with assistants, threads, runs and checkpoints in Redis.
 */
async function serveLangGraphConfig(
  path: string,
  context: { config: Config; log: Logger; redis: RedisClient; keys: KeySchema; host: string; port: number },
): Promise<void> {
  const { config, log, redis, keys } = context;
  const langgraph = await loadLangGraphConfig(path);
  const { checkpointer } = checkpointerFromConfig(redis, config);
  const server = await startAgentServer({
    client: redis,
    keys,
    checkpointer,
    langgraph,
    host: context.host,
    port: context.port,
    workers: 10,
    threadTtlSeconds: config.memoryTtlSeconds,
    allowTruncate: process.env.WELLNESS_ALLOW_TRUNCATE === "1",
    log,
  });
  log.info(`Agent Server for ${path} listening on http://${server.address} (assistants, threads, runs and checkpoints in Redis)`);
  await untilSignal(log);
  server.stop();
  await closeRedis(redis);
  // The official server's HTTP listener and queue workers offer no way to stop; the process ends here.
  process.exit(0);
}

export interface ServeOptions {
  port?: number;
  host?: string;
  /** Record turns through the learning stream and consume it in this process. */
  worker?: boolean;
  /** A langgraph.json: serve its graphs, auth and routes on the Agent Server with Redis storage. */
  config?: string;
}

/**
 * Logs connection errors once per distinct message, so a long outage is not a wall of lines, and
 * only once a connection has been made: the first attempt's refusal is expected when serve starts
 * its own Redis, and is reported by that step instead.
 */
function connectionErrorLogger(log: Logger): { onError: (error: Error) => void; connected: () => void } {
  let last = "";
  let quiet = true;
  return {
    onError: (error) => {
      if (!quiet && error.message !== last) log.warn(`Redis connection: ${error.message}`);
      last = error.message;
    },
    connected: () => {
      quiet = false;
    },
  };
}

/** A one-line health summary for the terminal. */
export function describeHealth(report: RedisHealthReport, url: string): string {
  const { redis, breaker } = report;
  if (!redis.ok) return `Redis at ${url} is not answering: ${redis.error}`;
  const yesNo = (value: boolean) => (value ? "yes" : "no");
  return (
    `Redis ${redis.version} (${redis.server}, ${redis.mode}) at ${url}: ping ${redis.latencyMs} ms; ` +
    `Query Engine: ${yesNo(redis.capabilities.queryEngine)}, JSON: ${yesNo(redis.capabilities.json)}; ` +
    `circuit: ${breaker?.state ?? "n/a"}`
  );
}

/**
 * `wellness serve`: connects to Redis (starting a local server when none answers and one is
 * installed), prints a health summary and serves the HTTP app until SIGINT or SIGTERM.
 */
export async function serve(options: ServeOptions = {}): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
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

  const keys = new KeySchema(config.redis.keyPrefix);
  const breaker = new CircuitBreaker({
    name: "redis",
    failureThreshold: config.redis.breakerFailureThreshold,
    cooldownMs: config.redis.breakerCooldownMs,
    isFailure: isConnectionFailure,
  });
  log.info(describeHealth(await checkRedisHealth(redis, keys, breaker), shownUrl));
  log.info(await modelStatusLine(config.ollama));
  if (options.config) {
    await serveLangGraphConfig(options.config, { config, log, redis, keys, host: options.host ?? config.server.host, port: options.port ?? config.server.port });
    await localServer?.stop();
    return;
  }

  const auth = authentication(config.server.apiTokens, config.defaultUserId);
  const agent = createWellnessAgent({ redis, config, log, breaker, learning: options.worker ? "queue" : "direct", currentUser: auth.currentUser });
  const stopWorker = options.worker ? await startLearningWorker(config, redis, log) : undefined;
  try {
    log.debug(`Knowledge pack: ${await agent.loadKnowledge()} facts in semantic memory.`);
  } catch (error) {
    log.warn(`Semantic memory is not ready (${(error as Error).message}); the agent answers without general knowledge.`);
  }
  const app = createApp({
    redis,
    keys,
    breaker,
    log,
    memory: agent.memory,
    agent,
    auth,
    indexTtlSeconds: config.memoryTtlSeconds,
    modelHealth: () => ollamaReachable(config.ollama.baseUrl),
  });
  await mountLangGraphApi(app, { client: redis, keys, checkpointer: agent.checkpointer, graphs: agent.buildGraphs(), auth });
  const host = options.host ?? config.server.host;
  if (auth.singleUser && !["127.0.0.1", "localhost", "::1"].includes(host)) {
    await stopWorker?.();
    await closeRedis(redis);
    await localServer?.stop();
    throw new ServerStartError(
      `Refusing to listen on ${host}: without API_TOKENS the API serves one user's health data unauthenticated, so it binds to loopback only. Set API_TOKENS (token:user pairs) to serve other addresses, or use HOST=127.0.0.1.`,
    );
  }
  const port = options.port ?? config.server.port;
  let server: ServerType;
  try {
    server = await new Promise((resolve, reject) => {
      const started = serveHttp({ fetch: app.fetch, hostname: host, port }, (info) => {
        log.info(
          `Listening on http://${host.includes(":") ? `[${host}]` : host}:${info.port} (web app at /; GET /health, /api/chat, /api/sessions, /api/memory, /api/import, LangGraph API /threads and /runs), ` +
            (auth.singleUser ? `single user ${config.defaultUserId}` : `${config.server.apiTokens.size} API tokens`),
        );
        resolve(started);
      });
      started.once("error", reject);
    });
  } catch (error) {
    await stopWorker?.();
    await closeRedis(redis);
    await localServer?.stop();
    const code = (error as NodeJS.ErrnoException).code;
    throw new ServerStartError(
      code === "EADDRINUSE"
        ? `Port ${port} on ${host} is already in use; stop what holds it or choose another with PORT or --port.`
        : `Could not listen on ${host}:${port} (${(error as Error).message}); check HOST and PORT.`,
      { cause: error },
    );
  }

  await new Promise<void>((resolve) => {
    const shutdown = (signal: NodeJS.Signals) => {
      log.info(`${signal}: shutting down`);
      resolve();
    };
    process.once("SIGINT", shutdown);
    process.once("SIGTERM", shutdown);
  });
  // Stop accepting, let running answers (SSE streams) finish, and drop idle keep-alive connections.
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    if ("closeIdleConnections" in server) server.closeIdleConnections();
  });
  await agent.close();
  await stopWorker?.();
  await closeRedis(redis);
  await localServer?.stop();
}
