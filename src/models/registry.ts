import type { Logger } from "../logger.js";
import { silentLogger } from "../logger.js";
import { BackgroundWrites } from "../redis/background-writes.js";
import type { RedisClient } from "../redis/client.js";
import type { KeySchema } from "../redis/keys.js";
import { RedisScript } from "../redis/script.js";
import { bucketField, LATENCY_BUCKETS_MS, quantileMs } from "./histogram.js";

export type ModelKind = "chat" | "embedding";

/** What one model call did. */
export interface ModelCall {
  kind: ModelKind;
  /** "ollama", "local", the LangChain integration's name... */
  provider: string;
  name: string;
  /** Embedding models only. */
  dimensions?: number;
  latencyMs: number;
  ok: boolean;
  /** When the model reported them. */
  promptTokens?: number;
  completionTokens?: number;
}

/** A model in use and what its calls did, summed over every process that recorded them. */
export interface ModelStats {
  id: string;
  kind: ModelKind;
  provider: string;
  name: string;
  dimensions: number | null;
  /** ms since the epoch. */
  firstSeen: number;
  lastSeen: number;
  calls: number;
  errors: number;
  latency: { count: number; totalMs: number; avgMs: number | null; p50Ms: number | null; p95Ms: number | null };
  tokens: { prompt: number; completion: number };
}

export interface ModelRegistryOptions {
  client: RedisClient;
  keys: KeySchema;
  /** A model unused this long leaves the registry (default 30 days; each call pushes it out). */
  ttlSeconds?: number;
  maxInFlight?: number;
  log?: Logger;
}

/**
 * Adds one call to a model's hash, atomically, in one command (a MULTI of the same commands costs
 * the process ten replies to parse per model call, and a turn makes two or three).
 * KEYS: model HASH. ARGV: now ms, ttl seconds, kind, provider, name, dimensions ('' when none),
 * ok (1/0), latency ms, latency bucket field, prompt tokens, completion tokens (0 when unknown).
 */
const RECORD_CALL = new RedisScript(`
local key = KEYS[1]
redis.call('HSETNX', key, 'first_seen', ARGV[1])
redis.call('HSET', key, 'kind', ARGV[3], 'provider', ARGV[4], 'name', ARGV[5], 'last_seen', ARGV[1])
redis.call('EXPIRE', key, ARGV[2])
if ARGV[6] ~= '' then redis.call('HSET', key, 'dimensions', ARGV[6]) end
redis.call('HINCRBY', key, 'calls', 1)
if ARGV[7] == '1' then
  redis.call('HINCRBY', key, 'latency_count', 1)
  redis.call('HINCRBYFLOAT', key, 'latency_total_ms', ARGV[8])
  redis.call('HINCRBY', key, ARGV[9], 1)
else
  redis.call('HINCRBY', key, 'errors', 1)
end
if ARGV[10] ~= '0' then redis.call('HINCRBY', key, 'prompt_tokens', ARGV[10]) end
if ARGV[11] ~= '0' then redis.call('HINCRBY', key, 'completion_tokens', ARGV[11]) end
return 1
`);

/** A model's id: kind, provider and name, which together say which model answered. */
export function modelId(kind: ModelKind, provider: string, name: string): string {
  return `${kind}:${provider}:${name}`;
}

const number = (value: string | undefined) => (value === undefined ? 0 : Number(value));

function parse(id: string, fields: Record<string, string>): ModelStats | undefined {
  if (fields.kind !== "chat" && fields.kind !== "embedding") return undefined;
  const buckets = new Map<string, number>();
  for (const bound of [...LATENCY_BUCKETS_MS, "inf"]) buckets.set(`le:${bound}`, number(fields[`le:${bound}`]));
  const count = number(fields.latency_count);
  const totalMs = Math.round(number(fields.latency_total_ms) * 10) / 10;
  return {
    id,
    kind: fields.kind,
    provider: fields.provider ?? "",
    name: fields.name ?? "",
    dimensions: fields.dimensions ? Number(fields.dimensions) : null,
    firstSeen: number(fields.first_seen),
    lastSeen: number(fields.last_seen),
    calls: number(fields.calls),
    errors: number(fields.errors),
    latency: {
      count,
      totalMs,
      avgMs: count > 0 ? Math.round((totalMs / count) * 10) / 10 : null,
      p50Ms: quantileMs(buckets, 0.5),
      p95Ms: quantileMs(buckets, 0.95),
    },
    tokens: { prompt: number(fields.prompt_tokens), completion: number(fields.completion_tokens) },
  };
}

/**
 * The chat and embedding models in use and per-model statistics, in Redis so every process adds
 * to the same numbers: one hash per model (`model:{id}`: identity, first and last seen, calls,
 * errors, latency count and total, a fixed-bucket latency histogram for p50/p95, tokens) and a set
 * of model ids (`models`). Latency counts successful calls; `calls` counts all, `errors` the
 * failed. Each call is one script of HINCRBYs on the model's hash (atomic, so concurrent processes
 * lose nothing), sent in the background: recording never slows or fails
 * the model call it measures. A model unused for `ttlSeconds` expires and leaves the list.
 *
 * @example
 * ```ts
 * const models = new ModelRegistry({ client: redis, keys, log });
 * models.record({ kind: "chat", provider: "ollama", name: "qwen2.5:7b", latencyMs: 840, ok: true, promptTokens: 900, completionTokens: 120 });
 * console.log(await models.list());
 * ```
 */
export class ModelRegistry {
  private readonly client: RedisClient;
  private readonly keys: KeySchema;
  private readonly ttlSeconds: number;
  private readonly writes: BackgroundWrites;

  constructor(options: ModelRegistryOptions) {
    this.client = options.client;
    this.keys = options.keys;
    this.ttlSeconds = options.ttlSeconds ?? 30 * 24 * 60 * 60;
    this.writes = new BackgroundWrites({ name: "model statistics", maxInFlight: options.maxInFlight ?? 256, log: options.log ?? silentLogger });
  }

  /** Adds one call to its model's statistics; returns at once and never throws. */
  record(call: ModelCall): void {
    this.writes.run(() => this.write(call));
  }

  /** Every model in use, chat models first, then by name. */
  async list(): Promise<ModelStats[]> {
    const ids = await this.client.sMembers(this.keys.models());
    const hashes = await Promise.all(ids.map((id) => this.client.hGetAll(this.keys.model(id))));
    const models: ModelStats[] = [];
    const gone: string[] = [];
    ids.forEach((id, index) => {
      const stats = parse(id, hashes[index] ?? {});
      if (stats) models.push(stats);
      else gone.push(id);
    });
    if (gone.length > 0) await this.client.sRem(this.keys.models(), gone);
    return models.sort((a, b) => a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id));
  }

  /** Waits for the writes in flight (shutdown, tests). */
  drain(): Promise<void> {
    return this.writes.drain();
  }

  private async write(call: ModelCall): Promise<void> {
    const id = modelId(call.kind, call.provider, call.name);
    // A count that is not a finite number would stop the script part-way (HINCRBY refuses it).
    const finite = (value: number | undefined) => (value !== undefined && Number.isFinite(value) ? value : 0);
    const latencyMs = Math.max(0, finite(call.latencyMs));
    const args = [
      String(Date.now()),
      String(this.ttlSeconds),
      call.kind,
      call.provider,
      call.name,
      call.dimensions !== undefined ? String(call.dimensions) : "",
      call.ok ? "1" : "0",
      String(Math.round(latencyMs * 1000) / 1000),
      bucketField(latencyMs),
      String(Math.round(finite(call.promptTokens))),
      String(Math.round(finite(call.completionTokens))),
    ];
    // The set lives in another slot on a cluster, so it is its own command (sent in the same round trip).
    await Promise.all([RECORD_CALL.run(this.client, [this.keys.model(id)], args), this.client.sAdd(this.keys.models(), id)]);
  }
}
