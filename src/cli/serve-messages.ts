import type { Config } from "../config.js";
import type { RedisHealthReport } from "../redis/health.js";

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

export interface ListeningFacts {
  config: Config;
  /** The langgraph.json served instead of the app, if any. */
  langgraphConfig: string | undefined;
  host: string;
  /** host:port as the listener reports it (the port is the real one when 0 was asked for). */
  address: string;
  /** Server processes sharing the port. */
  processes: number;
}

/** The line `wellness serve` prints once every server process listens: where, what, for whom. */
export function listeningMessage({ config, langgraphConfig, host, address, processes }: ListeningFacts): string {
  const port = address.slice(address.lastIndexOf(":") + 1);
  const shown = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  const across = processes > 1 ? `; ${processes} server processes` : "";
  if (langgraphConfig) return `Agent Server for ${langgraphConfig} listening on ${shown} (assistants, threads, runs, checkpoints and store items in Redis${across})`;
  const users = config.server.apiTokens.size === 0 ? `single user ${config.defaultUserId}` : `${config.server.apiTokens.size} API tokens`;
  return `Listening on ${shown} (web app at /; GET /health, /api/chat, /api/sessions, /api/memory, /api/import; LangGraph API /assistants, /threads, /runs, /store), ${users}${across}`;
}
