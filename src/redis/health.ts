import { ErrorReply } from "redis";
import type { CircuitBreaker, CircuitBreakerSnapshot } from "./breaker.js";
import { isCluster, type RedisClient } from "./client.js";
import type { KeySchema } from "./keys.js";

export interface RedisCapabilities {
  /** The Query Engine (FT.*; RediSearch, Redis Stack, Redis 8). */
  queryEngine: boolean;
  /** The JSON data type (JSON.*). */
  json: boolean;
}

export interface RedisServerInfo {
  /** "redis", "valkey", ... as the server names itself. */
  server: string;
  version: string;
  mode: "standalone" | "cluster" | "sentinel";
}

export type RedisHealth =
  | ({ ok: true; latencyMs: number; capabilities: RedisCapabilities } & RedisServerInfo)
  | { ok: false; error: string };

export interface RedisHealthReport {
  redis: RedisHealth;
  breaker?: CircuitBreakerSnapshot;
}

function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/u)) {
    const separator = line.indexOf(":");
    if (separator > 0 && !line.startsWith("#")) fields.set(line.slice(0, separator), line.slice(separator + 1).trim());
  }
  return fields;
}

/** Sends a raw command to one node (any node for keyless commands on a cluster). */
async function send(client: RedisClient, args: string[], key?: string): Promise<unknown> {
  if (isCluster(client)) return client.sendCommand(key, true, args);
  return client.sendCommand(args);
}

/**
 * Tries a harmless command and reports whether the server knows it. Only "unknown command"
 * style replies mean "absent"; connection errors propagate. MODULE LIST is never used because
 * managed services (ElastiCache, Memorystore) forbid it.
 */
async function supports(client: RedisClient, args: string[], key?: string): Promise<boolean> {
  try {
    await send(client, args, key);
    return true;
  } catch (error) {
    if (error instanceof ErrorReply) return false;
    throw error;
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** PING latency in milliseconds: the median of a few sequential round trips. */
export async function pingLatency(client: RedisClient, samples = 3): Promise<number> {
  const timings: number[] = [];
  for (let i = 0; i < samples; i++) {
    const start = process.hrtime.bigint();
    await send(client, ["PING"]);
    timings.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return Math.round(median(timings) * 1000) / 1000;
}

/** Server name, version and mode from INFO server (asked of one master on a cluster). */
export async function serverInfo(client: RedisClient): Promise<RedisServerInfo> {
  const text = String(await send(client, ["INFO", "server"]));
  const info = parseInfo(text);
  const mode = info.get("redis_mode");
  return {
    server: info.get("server_name") ?? "redis",
    version: info.get("valkey_version") ?? info.get("redis_version") ?? "unknown",
    mode: mode === "cluster" || mode === "sentinel" ? mode : "standalone",
  };
}

/** Which optional server features are present, found by trying them. */
export async function detectCapabilities(client: RedisClient, keys: KeySchema): Promise<RedisCapabilities> {
  const probe = keys.capabilityProbe();
  const [queryEngine, json] = await Promise.all([
    supports(client, ["FT._LIST"]),
    supports(client, ["JSON.GET", probe], probe),
  ]);
  return { queryEngine, json };
}

/**
 * One health report: PING latency, server version and mode, capabilities, and the breaker's
 * state. Never throws: an unreachable server is reported as `{ ok: false }`.
 *
 * @example
 * ```ts
 * const report = await checkRedisHealth(redis, keys, breaker);
 * if (!report.redis.ok) console.error(report.redis.error);
 * ```
 */
export async function checkRedisHealth(
  client: RedisClient,
  keys: KeySchema,
  breaker?: CircuitBreaker,
): Promise<RedisHealthReport> {
  const check = async (): Promise<RedisHealth> => {
    const latencyMs = await pingLatency(client);
    const [info, capabilities] = await Promise.all([serverInfo(client), detectCapabilities(client, keys)]);
    return { ok: true, latencyMs, ...info, capabilities };
  };
  let redis: RedisHealth;
  try {
    redis = breaker ? await breaker.execute(check) : await check();
  } catch (error) {
    redis = { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  return breaker ? { redis, breaker: breaker.snapshot() } : { redis };
}
