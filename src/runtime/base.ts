import type { Config } from "../config.js";
import { EventBus } from "../events/bus.js";
import { silentLogger, type Logger } from "../logger.js";
import { ModelRegistry } from "../models/registry.js";
import { CircuitBreaker } from "../redis/breaker.js";
import { closeRedis, connectRedis, isConnectionFailure, type RedisClient, type RedisConnectionOptions } from "../redis/client.js";
import { KeySchema } from "../redis/keys.js";

export interface BaseRuntimeOptions {
  /** A connected client the caller owns and closes; without it the runtime connects and closes its own. */
  redis?: RedisClient;
  /** The breaker Redis calls go through (and /health reports); one from the configuration by default. */
  breaker?: CircuitBreaker;
  log?: Logger;
  /** CLIENT SETNAME of the connection the runtime makes (what `CLIENT LIST` shows). */
  clientName?: string;
}

/**
 * What every process of the app needs, whatever it does: the Redis client, the key schema, the
 * breaker, the event bus and the model registry. The one-shot CLI commands (import, reindex,
 * status, events, memory, reflect) run on this alone, so they never load the agent's modules;
 * `createRuntime` builds the agent, graphs and store on top of it.
 */
export interface BaseRuntime {
  config: Config;
  log: Logger;
  redis: RedisClient;
  keys: KeySchema;
  breaker: CircuitBreaker;
  /** Typed events per user (imports, memory, sessions, runs), published and kept in a capped log. */
  events: EventBus;
  /** The chat and embedding models in use, with call statistics that add up across processes. */
  models: ModelRegistry;
  /** Flushes the event bus and the model statistics, then closes the client if the runtime opened it. Idempotent. */
  close(): Promise<void>;
}

/** The connection options the configuration asks for. */
export function connectionOptionsFrom(
  config: Config["redis"],
  extra: Pick<RedisConnectionOptions, "onError" | "clientName"> = {},
): RedisConnectionOptions {
  return {
    url: config.url,
    clusterNodes: config.clusterNodes,
    connectTimeoutMs: config.connectTimeoutMs,
    commandTimeoutMs: config.commandTimeoutMs,
    reconnect: { maxDelayMs: config.reconnectMaxDelayMs },
    ...extra,
  };
}

/**
 * Logs connection errors once per distinct message, so a long outage is not a wall of lines, and
 * only once a connection has been made: a failure to connect at all is reported by whoever
 * connects (as one error that says what to do), not as warnings.
 */
export function connectionErrorLogger(log: Logger): { onError: (error: Error) => void; connected: () => void } {
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

/** The Redis circuit breaker the configuration describes. */
export function redisBreaker(config: Config): CircuitBreaker {
  return new CircuitBreaker({
    name: "redis",
    failureThreshold: config.redis.breakerFailureThreshold,
    cooldownMs: config.redis.breakerCooldownMs,
    isFailure: isConnectionFailure,
  });
}

/**
 * Connects (unless given a client) and builds a {@link BaseRuntime}. Connection errors are
 * logged once per distinct message and only after the first connection: a failure to connect
 * at all rejects with RedisUnavailableError instead, for the caller to explain.
 *
 * @example
 * ```ts
 * const runtime = await openBaseRuntime(loadConfig(), { log });
 * try {
 *   await importExport({ client: runtime.redis, keys: runtime.keys, ... });
 * } finally {
 *   await runtime.close();
 * }
 * ```
 */
export async function openBaseRuntime(config: Config, options: BaseRuntimeOptions = {}): Promise<BaseRuntime> {
  const log = options.log ?? silentLogger;
  const ownsClient = options.redis === undefined;
  const errors = connectionErrorLogger(log);
  const redis = options.redis ?? (await connectRedis(connectionOptionsFrom(config.redis, { clientName: options.clientName ?? "wellness", onError: errors.onError })));
  errors.connected();
  const keys = new KeySchema(config.redis.keyPrefix);
  const events = new EventBus({ client: redis, keys, retention: config.live.eventsRetention, log });
  const models = new ModelRegistry({ client: redis, keys, log });
  let closing: Promise<void> | undefined;
  return {
    config,
    log,
    redis,
    keys,
    breaker: options.breaker ?? redisBreaker(config),
    events,
    models,
    close() {
      closing ??= (async () => {
        await models.drain();
        await events.close();
        if (ownsClient) await closeRedis(redis);
      })();
      return closing;
    },
  };
}
