import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Logger } from "../logger.js";
import { silentLogger } from "../logger.js";
import type { RedisClient } from "../redis/client.js";
import type { KeySchema } from "../redis/keys.js";

export type InstanceRole = "serve" | "worker";

/** One live process, as its last heartbeat left it. */
export interface InstanceInfo {
  id: string;
  role: InstanceRole;
  host: string;
  pid: number;
  version: string;
  /** ms since the epoch. */
  startedAt: number;
  lastHeartbeat: number;
  /** How long after its last heartbeat the instance counts as gone. */
  ttlMs: number;
}

export interface InstanceRegistryOptions {
  client: RedisClient;
  keys: KeySchema;
  role: InstanceRole;
  /** The app's version (package.json). */
  version: string;
  /** Default: `<host>-<pid>-<random>`, unique even when a pid is reused. */
  id?: string;
  host?: string;
  pid?: number;
  /** Default 5 s. */
  heartbeatMs?: number;
  /** Default three heartbeats: one lost heartbeat never makes a live process look dead. */
  ttlMs?: number;
  log?: Logger;
}

/** Zset members older than this are dropped without a look (their hashes expired long ago). */
const FORGET_AFTER_MS = 60 * 60 * 1000;

function parse(fields: Record<string, string>): InstanceInfo | undefined {
  if (!fields.id || (fields.role !== "serve" && fields.role !== "worker")) return undefined;
  return {
    id: fields.id,
    role: fields.role,
    host: fields.host ?? "",
    pid: Number(fields.pid),
    version: fields.version ?? "",
    startedAt: Number(fields.started_at),
    lastHeartbeat: Number(fields.last_heartbeat),
    ttlMs: Number(fields.ttl_ms),
  };
}

/**
 * The live `serve` and `worker` processes. An instance is a hash (`instance:{id}`) that expires
 * `ttlMs` after its last heartbeat, plus its member in a sorted set by last heartbeat
 * (`instances`). Liveness is the hash's existence, decided by Redis's own expiry, so clocks of
 * different hosts never disagree about it; the set only lets readers find the hashes without
 * SCAN, and readers drop members whose hash is gone. A process killed without `stop()` therefore
 * disappears from `list()` within its TTL.
 *
 * @example
 * ```ts
 * const registry = new InstanceRegistry({ client: redis, keys, role: "serve", version: "0.1.0" });
 * await registry.start();
 * console.log(await listInstances(redis, keys));
 * await registry.stop();
 * ```
 */
export class InstanceRegistry {
  readonly id: string;
  private readonly client: RedisClient;
  private readonly keys: KeySchema;
  private readonly heartbeatMs: number;
  private readonly ttlMs: number;
  private readonly log: Logger;
  private readonly fields: Record<string, string>;
  private timer: NodeJS.Timeout | undefined;
  private failing = false;

  constructor(options: InstanceRegistryOptions) {
    const host = options.host ?? hostname();
    const pid = options.pid ?? process.pid;
    this.id = options.id ?? `${host}-${pid}-${randomBytes(3).toString("hex")}`;
    this.client = options.client;
    this.keys = options.keys;
    this.heartbeatMs = options.heartbeatMs ?? 5_000;
    this.ttlMs = options.ttlMs ?? this.heartbeatMs * 3;
    this.log = options.log ?? silentLogger;
    this.keys.instance(this.id);
    this.fields = {
      id: this.id,
      role: options.role,
      host,
      pid: String(pid),
      version: options.version,
      started_at: String(Date.now()),
      ttl_ms: String(this.ttlMs),
    };
  }

  /** Registers now and every `heartbeatMs` until `stop()`; a failed heartbeat is logged, never thrown. */
  async start(): Promise<void> {
    if (this.timer) return;
    this.timer = setInterval(() => void this.beat(), this.heartbeatMs);
    this.timer.unref();
    await this.beat();
  }

  /**
   * One heartbeat: the hash with a fresh TTL, then the instance's score in the set. The hash goes
   * first, so a reader never finds a new member without its hash and prunes it.
   */
  async heartbeat(): Promise<void> {
    const now = Date.now();
    const key = this.keys.instance(this.id);
    await this.client.multi().hSet(key, { ...this.fields, last_heartbeat: String(now) }).pExpire(key, this.ttlMs).exec();
    await this.client.zAdd(this.keys.instances(), { score: now, value: this.id });
  }

  /** Every live instance (this one included while it runs); see {@link listInstances}. */
  list(): Promise<InstanceInfo[]> {
    return listInstances(this.client, this.keys);
  }

  /** Stops heartbeating and removes the instance at once (a clean shutdown). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all([this.client.unlink(this.keys.instance(this.id)), this.client.zRem(this.keys.instances(), this.id)]).catch((error: unknown) =>
      this.log.warn(`instance ${this.id}: could not deregister (${(error as Error).message}); it expires on its own.`),
    );
  }

  private async beat(): Promise<void> {
    try {
      await this.heartbeat();
      if (this.failing) this.log.info(`instance ${this.id}: heartbeats reach Redis again.`);
      this.failing = false;
    } catch (error) {
      if (!this.failing) this.log.warn(`instance ${this.id}: heartbeat failed (${(error as Error).message}); retrying every ${this.heartbeatMs} ms.`);
      this.failing = true;
    }
  }
}

/**
 * Every live instance, oldest first (by start), pruning the set of members whose hash expired.
 * Reads one hash per member, pipelined: for a status view, not a hot path.
 */
export async function listInstances(client: RedisClient, keys: KeySchema): Promise<InstanceInfo[]> {
  const set = keys.instances();
  await client.zRemRangeByScore(set, "-inf", Date.now() - FORGET_AFTER_MS);
  const ids = await client.zRange(set, 0, -1);
  const hashes = await Promise.all(ids.map((id) => client.hGetAll(keys.instance(id))));
  const live: InstanceInfo[] = [];
  const gone: string[] = [];
  ids.forEach((id, index) => {
    const info = parse(hashes[index] ?? {});
    if (info) live.push(info);
    else gone.push(id);
  });
  if (gone.length > 0) await client.zRem(set, gone);
  return live.sort((a, b) => a.startedAt - b.startedAt || a.id.localeCompare(b.id));
}
