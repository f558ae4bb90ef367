import { loadConfig, redact } from "../config.js";
import { RedisUnavailableError, ServerStartError } from "../errors.js";
import { createLogger, type Logger } from "../logger.js";
import { closeRedis, connectRedis, type RedisClient } from "../redis/client.js";
import { connectionErrorLogger, connectionOptionsFrom } from "../runtime/base.js";
import { checkRedisHealth, type RedisHealthReport } from "../redis/health.js";
import { KeySchema } from "../redis/keys.js";
import { loadChatModelModule } from "../agent/model-module.js";
import { createRuntime, installServedRuntime, redisBreaker, type WellnessRuntime } from "../runtime/index.js";
import { adoptOrphanRedis, startLocalRedis, type LocalRedis } from "./local-redis.js";
import { modelStatusLine } from "./model-status.js";
import { appLangGraphConfig, loadLangGraphConfig, startAgentServer, withRedisStoreApp, type AgentServer } from "../agent-server/index.js";
import { deleteMatching } from "../agent-server/ops/truncate.js";
import { createServer } from "node:net";
import { removeStaleUploads } from "../health/import/stale-uploads.js";
import { repairPendingIndexes } from "../health/store/index-repair.js";

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

export interface ServeOptions {
  port?: number;
  host?: string;
  /** Record turns through the learning stream and consume it in this process. */
  worker?: boolean;
  /** A langgraph.json: serve its graphs, auth and routes instead of the app's, with Redis storage. */
  config?: string;
  /** A module exporting the chat model for the app's graphs (see loadChatModelModule); Ollama by default. */
  modelModule?: string;
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
 * Run failures of the app's graphs whose messages a client may read: the project's errors (they
 * say what to do) and LangGraph's own run endings. Anything else (a TypeError, say) streams as a
 * generic internal error, its text kept to the server log.
 */
const PUBLIC_RUN_ERRORS: ReadonlySet<string> = new Set([
  "ModelUnavailableError",
  "EmbeddingUnavailableError",
  "EmbeddingModelMismatchError",
  "RedisUnavailableError",
  "CircuitOpenError",
  "ValidationError",
  "InvalidIdError",
  "GraphRecursionError",
  "GraphInterrupt",
  "UserInterrupt",
  "UserRollback",
  "AbortError",
]);

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
 * `wellness serve`: connects to Redis (starting a local server when none answers and one is
 * installed), prints a health summary and runs LangGraph's Agent Server on Redis until SIGINT or
 * SIGTERM: the app's graphs, auth and routes, or those of the langgraph.json given with --config.
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
  const breaker = redisBreaker(config);
  log.info(describeHealth(await checkRedisHealth(redis, keys, breaker), shownUrl));
  log.info(options.modelModule ? `Chat model from ${options.modelModule}.` : await modelStatusLine(config.ollama));
  const host = options.host ?? config.server.host;
  const port = options.port ?? config.server.port;
  const singleUser = config.server.apiTokens.size === 0;
  const stopLocal = async () => {
    await closeRedis(redis);
    await localServer?.stop();
  };
  if (singleUser && !["127.0.0.1", "localhost", "::1"].includes(host)) {
    await stopLocal();
    throw new ServerStartError(
      `Refusing to listen on ${host}: without API_TOKENS the API serves one user's health data unauthenticated, so it binds to loopback only. Set API_TOKENS (token:user pairs) to serve other addresses, or use HOST=127.0.0.1.`,
    );
  }
  let runtime: WellnessRuntime | undefined;
  let generated: { dispose(): Promise<void> } | undefined;
  let server: AgentServer;
  try {
    await assertPortFree(host, port);
    const stale = await removeStaleUploads();
    if (singleUser) {
      // An import killed after its swap left the indexes pending: rebuild them now rather than on first read.
      const repaired = await repairPendingIndexes({ client: redis, keys, userId: config.defaultUserId, indexTtlSeconds: config.memoryTtlSeconds });
      if (repaired === "repaired") log.info(`Rebuilt the indexes an interrupted import left pending for ${config.defaultUserId}.`);
    }
    if (stale.length > 0) log.info(`Removed ${stale.length} upload director${stale.length === 1 ? "y" : "ies"} left by servers that did not shut down.`);
    const model = options.modelModule ? (await loadChatModelModule(options.modelModule)).model : undefined;
    runtime = await createRuntime(config, { redis, breaker, log, ...(model ? { model } : {}), authenticatedCallers: { singleUser }, worker: options.worker ?? false, coaching: true, role: "serve" });
    installServedRuntime(runtime);
    // Another project's /store is served on the Redis store too, by a generated http.app that puts
    // the app's store routes in front of the project's own (see withRedisStoreApp).
    const langgraph = options.config ? await withRedisStoreApp(await loadLangGraphConfig(options.config)) : { loaded: appLangGraphConfig(), dispose: () => Promise.resolve() };
    generated = langgraph;
    if (!options.config) {
      try {
        log.debug(`Knowledge pack: ${await runtime.agent.loadKnowledge()} facts in semantic memory.`);
      } catch (error) {
        log.warn(`Semantic memory is not ready (${(error as Error).message}); the agent answers without general knowledge.`);
      }
    }
    server = await startAgentServer({
      client: redis,
      keys,
      checkpointer: runtime.agent.checkpointer,
      store: runtime.store,
      clearStore: async () => void (await deleteMatching(redis, keys.storeKeysPattern())),
      langgraph: langgraph.loaded,
      host,
      port,
      workers: config.server.runWorkers,
      threadTtlSeconds: config.memoryTtlSeconds,
      allowTruncate: process.env.WELLNESS_ALLOW_TRUNCATE === "1",
      corsOrigins: config.server.corsOrigins,
      ...(options.config ? {} : { publicErrorNames: PUBLIC_RUN_ERRORS, warmSchemas: false }),
      log,
    });
  } catch (error) {
    await runtime?.close();
    await stopLocal();
    throw error;
  } finally {
    // The server has imported the generated http.app module (or failed): it is not read again.
    await generated?.dispose();
  }
  const listening = server.address.slice(server.address.lastIndexOf(":") + 1);
  const shown = `http://${host.includes(":") ? `[${host}]` : host}:${listening}`;
  log.info(
    options.config
      ? `Agent Server for ${options.config} listening on ${shown} (assistants, threads, runs, checkpoints and store items in Redis)`
      : `Listening on ${shown} (web app at /; GET /health, /api/chat, /api/sessions, /api/memory, /api/import; LangGraph API /assistants, /threads, /runs, /store), ` +
          (singleUser ? `single user ${config.defaultUserId}` : `${config.server.apiTokens.size} API tokens`),
  );
  await untilSignal(log);
  // Stop taking queued runs, let the turns in flight finish their learning, then close.
  server.stop();
  await runtime.close();
  await stopLocal();
  // The official server's HTTP listener and queue workers offer no way to stop; the process ends here.
  process.exit(0);
}
