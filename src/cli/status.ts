import { loadConfig, redact } from "../config.js";
import type { InstanceInfo } from "../instances/registry.js";
import { createLogger } from "../logger.js";
import type { ModelStats } from "../models/registry.js";
import { checkRedisHealth, type RedisHealthReport } from "../redis/health.js";
import { liveStatus, type LiveStatus } from "../server/routes/health-live.js";
import { withRuntime } from "./connection.js";

/** "3s", "5m", "2h", "4d": how long ago, for a terminal line. */
export function ago(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7_200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.round(seconds / 3_600)}h`;
  return `${Math.round(seconds / 86_400)}d`;
}

const ms = (value: number | null) => (value === null ? "-" : `${value} ms`);

function instanceLine(instance: InstanceInfo, now: number): string {
  return `  ${instance.role.padEnd(6)}  ${instance.id}  host ${instance.host}  pid ${instance.pid}  v${instance.version}  up ${ago(now - instance.startedAt)}  heartbeat ${ago(now - instance.lastHeartbeat)} ago`;
}

function modelLine(model: ModelStats, now: number): string {
  const name = model.dimensions ? `${model.provider} ${model.name} (${model.dimensions} dims)` : `${model.provider} ${model.name}`;
  const tokens = model.tokens.prompt || model.tokens.completion ? `  tokens ${model.tokens.prompt} in / ${model.tokens.completion} out` : "";
  return (
    `  ${model.kind.padEnd(9)}  ${name}  calls ${model.calls}  errors ${model.errors}  avg ${ms(model.latency.avgMs)}  ` +
    `p50 ${ms(model.latency.p50Ms)}  p95 ${ms(model.latency.p95Ms)}${tokens}  last used ${ago(now - model.lastSeen)} ago`
  );
}

/** The status report as terminal lines. */
export function describeStatus(redis: RedisHealthReport, live: LiveStatus, url: string, now = Date.now()): string {
  const lines: string[] = [];
  if (!redis.redis.ok) return `Redis at ${url} is not answering: ${redis.redis.error}`;
  lines.push(`Redis ${redis.redis.version} (${redis.redis.server}, ${redis.redis.mode}) at ${url}: ping ${redis.redis.latencyMs} ms`);
  if (!live.ok) {
    lines.push(`Live status unavailable: ${live.error}`);
    return lines.join("\n");
  }
  const running = [...live.instances, ...live.workers].sort((a, b) => a.startedAt - b.startedAt);
  lines.push(`Instances: ${live.instances.length} serve, ${live.workers.length} worker${live.workers.length === 1 ? "" : "s"}${running.length === 0 ? " (none running: start one with wellness serve or wellness worker)" : ""}`);
  for (const instance of running) lines.push(instanceLine(instance, now));
  const learning = live.learning;
  lines.push(
    `Learning stream: ${learning.length} ${learning.length === 1 ? "entry" : "entries"}, lag ${learning.lag ?? "unknown"}, pending ${learning.pending}, dead letters ${learning.deadLetters}` +
      (learning.group ? `, ${learning.consumers} consumer${learning.consumers === 1 ? "" : "s"} seen` : ", no worker has started yet"),
  );
  lines.push(`Models: ${live.models.length === 0 ? "none used yet" : ""}`.trimEnd());
  for (const model of live.models) lines.push(modelLine(model, now));
  return lines.join("\n");
}

/** `wellness status`: Redis health, live instances and workers, the learning stream, models with statistics. */
export async function statusCommand(options: { json?: boolean }): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const url = config.redis.clusterNodes.length > 0 ? config.redis.clusterNodes.join(",") : redact(config.redis.url);
  await withRuntime(config, log, async ({ redis: client, keys }) => {
    const [redis, live] = await Promise.all([checkRedisHealth(client, keys), liveStatus({ client, keys })]);
    process.stdout.write(options.json ? `${JSON.stringify({ ...redis, live }, null, 2)}\n` : `${describeStatus(redis, live, url)}\n`);
  });
}
