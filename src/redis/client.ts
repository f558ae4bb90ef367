import {
  ClientClosedError,
  ClientOfflineError,
  ConnectionTimeoutError,
  createClient,
  createCluster,
  DisconnectsClientError,
  ErrorReply,
  ReconnectStrategyError,
  RootNodesUnavailableError,
  SocketClosedUnexpectedlyError,
  SocketTimeoutError,
  TimeoutError,
  type RedisClientType,
  type RedisClusterType,
} from "redis";
import { redact } from "../config.js";
import { CircuitOpenError, RedisUnavailableError } from "../errors.js";

/** A connected node-redis client: one server, or a Redis Cluster. */
export type RedisClient = RedisClientType | RedisClusterType;

export interface ReconnectPolicy {
  /** First retry delay; each retry doubles it. */
  initialDelayMs: number;
  /** Upper bound of one delay, before jitter. */
  maxDelayMs: number;
  /** Attempts made for the very first connection before giving up (later drops retry forever). */
  connectAttempts: number;
}

export interface RedisConnectionOptions {
  /** redis:// or rediss:// URL, with optional user:password and database number. */
  url: string;
  /** host:port or URLs of cluster nodes; when non-empty a cluster client is created. */
  clusterNodes?: readonly string[];
  connectTimeoutMs?: number;
  /**
   * A command the server leaves unanswered this long fails instead of waiting forever: the
   * silent connection is dropped (rejecting what waits on it) and re-established. Idle
   * connections send a PING every half of this so they never look silent. 0 disables it, which
   * a client used for blocking commands (XREADGROUP BLOCK) needs.
   *
   * It is the socket's timeout, not node-redis's per-command `timeout`: that one only bounds the
   * wait before a command is written (it is dropped once the command is on the wire), which with
   * the offline queue off is a wait on a socket that makes no progress, and so is bounded here
   * already; yet it costs every command an AbortSignal with a timer that later fires and builds an
   * AbortError (without them a chat turn took 0.81x-0.92x the server CPU, docs/benchmarks.md).
   */
  commandTimeoutMs?: number;
  reconnect?: Partial<ReconnectPolicy>;
  /**
   * Queue commands issued while disconnected and send them after reconnecting. Off by default:
   * while Redis is away commands fail at once, which is what the circuit breaker needs.
   */
  offlineQueue?: boolean;
  /** Receives connection errors (node-redis reports each failed reconnect here). */
  onError?: (error: Error) => void;
  /** Sent with CLIENT SETNAME so operators can tell the app's connections apart. */
  clientName?: string;
}

const DEFAULT_RECONNECT: ReconnectPolicy = { initialDelayMs: 100, maxDelayMs: 5_000, connectAttempts: 3 };

/**
 * Capped exponential backoff with "equal jitter": half the capped delay is fixed, half random,
 * so many clients that lost the same server do not reconnect in lockstep.
 */
export function reconnectDelay(
  retries: number,
  policy: Pick<ReconnectPolicy, "initialDelayMs" | "maxDelayMs">,
  random: () => number = Math.random,
): number {
  const capped = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.min(retries, 30));
  return Math.round(capped / 2 + random() * (capped / 2));
}

function reconnectStrategy(policy: ReconnectPolicy, state: { ready: boolean }) {
  return (retries: number, cause: Error): number | Error => {
    if (!state.ready && retries + 1 >= policy.connectAttempts) {
      return new RedisUnavailableError(`gave up after ${retries + 1} attempts: ${cause.message}`, { cause });
    }
    return reconnectDelay(retries, policy);
  };
}

/** Node-redis wants a URL per cluster node; host:port entries are accepted too. */
function nodeUrl(entry: string): string {
  return /^[a-z]+:\/\//iu.test(entry) ? entry : `redis://${entry}`;
}

/**
 * Cluster nodes are discovered from the cluster itself, so only REDIS_URL's credentials apply to
 * them, never its host.
 */
function credentials(url: string): { username?: string; password?: string } {
  const parsed = new URL(url);
  return {
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
  };
}

export function isCluster(client: RedisClient): client is RedisClusterType {
  return "nodeClient" in client;
}

/**
 * Creates and connects a client for a URL, or a cluster client when cluster nodes are given.
 * The caller owns the client and closes it with {@link closeRedis}.
 *
 * @throws {RedisUnavailableError} when the first connection cannot be made; the message says
 *   how to get a Redis server.
 * @example
 * ```ts
 * const redis = await connectRedis({ url: "redis://127.0.0.1:6379" });
 * try {
 *   await redis.ping();
 * } finally {
 *   await closeRedis(redis);
 * }
 * ```
 */
export async function connectRedis(options: RedisConnectionOptions): Promise<RedisClient> {
  const policy: ReconnectPolicy = { ...DEFAULT_RECONNECT, ...options.reconnect };
  const state = { ready: false };
  const commandTimeoutMs = options.commandTimeoutMs ?? 5_000;
  const socket = {
    connectTimeout: options.connectTimeoutMs ?? 5_000,
    reconnectStrategy: reconnectStrategy(policy, state),
    ...(commandTimeoutMs > 0 ? { socketTimeout: commandTimeoutMs } : {}),
  };
  const pingInterval = commandTimeoutMs > 0 ? { pingInterval: Math.max(1, Math.floor(commandTimeoutMs / 2)) } : {};
  const disableOfflineQueue = !(options.offlineQueue ?? false);
  const clusterNodes = options.clusterNodes ?? [];
  const target = clusterNodes.length > 0 ? clusterNodes.join(",") : redact(options.url);

  const client: RedisClient =
    clusterNodes.length > 0
      ? (createCluster({
          rootNodes: clusterNodes.map((node) => ({ url: nodeUrl(node) })),
          defaults: {
            ...credentials(options.url),
            socket: { ...socket, ...(new URL(options.url).protocol === "rediss:" ? { tls: true as const } : {}) },
            disableOfflineQueue,
            ...pingInterval,
            ...(options.clientName ? { name: options.clientName } : {}),
          },
        }) as unknown as RedisClusterType)
      : (createClient({
          url: options.url,
          socket,
          disableOfflineQueue,
          ...pingInterval,
          ...(options.clientName ? { name: options.clientName } : {}),
        }) as unknown as RedisClientType);

  // node-redis emits "error" for every failed (re)connect; without a listener Node would crash.
  const onError = options.onError ?? (() => undefined);
  client.on("error", (error: Error) => onError(error));

  try {
    await client.connect();
    state.ready = true;
  } catch (error) {
    if (client.isOpen) client.destroy();
    const reason = error instanceof Error ? error.message : String(error);
    throw new RedisUnavailableError(
      `Could not connect to Redis at ${target} (${reason}). Start a Redis server (apt-get install redis-server, brew install redis, or docker run -p 6379:6379 redis:8) or set REDIS_URL.`,
      { cause: error },
    );
  }
  return client;
}

/**
 * Closes a client after its pending commands have settled. If the server is gone and closing
 * does not finish within `timeoutMs`, the socket is destroyed so shutdown never hangs.
 */
export async function closeRedis(client: RedisClient, timeoutMs = 2_000): Promise<void> {
  if (!client.isOpen) return;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
    timer.unref();
  });
  try {
    const outcome = await Promise.race([client.close().then(() => "closed" as const), timedOut]);
    if (outcome === "timeout") client.destroy();
  } catch {
    client.destroy();
  } finally {
    clearTimeout(timer);
  }
}

const UNHEALTHY_REPLIES = /^(LOADING|BUSY|CLUSTERDOWN|MASTERDOWN|TRYAGAIN|READONLY)\b/u;

/**
 * Whether an error means Redis itself is unhealthy (for the circuit breaker). A reply such as
 * WRONGTYPE or an unknown command proves the server answered, so it does not count, except the
 * replies a server gives while it cannot serve (LOADING, CLUSTERDOWN, ...).
 */
export function isConnectionFailure(error: unknown): boolean {
  if (error instanceof ErrorReply) return UNHEALTHY_REPLIES.test(error.message);
  return true;
}

const OUTAGE_CLASSES = [
  RedisUnavailableError,
  CircuitOpenError,
  ClientClosedError,
  ClientOfflineError,
  ConnectionTimeoutError,
  DisconnectsClientError,
  ReconnectStrategyError,
  RootNodesUnavailableError,
  SocketClosedUnexpectedlyError,
  SocketTimeoutError,
  TimeoutError,
] as const;

/**
 * Whether an error anywhere in a cause chain says Redis cannot serve right now: no connection,
 * a closed or offline client, a command that timed out, an open circuit, or a reply such as
 * LOADING. Unlike {@link isConnectionFailure} (which judges errors of calls known to be Redis
 * calls), anything else is not an outage: a TypeError stays a bug, never a 503.
 */
export function isRedisOutage(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
    if (OUTAGE_CLASSES.some((type) => current instanceof type)) return true;
    if (current instanceof ErrorReply && UNHEALTHY_REPLIES.test(current.message)) return true;
    current = current.cause;
  }
  return false;
}

