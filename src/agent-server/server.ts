import type { RunnableConfig } from "@langchain/core/runnables";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { runUser } from "../agent/caller.js";
import type { RedisStore } from "../store/index.js";
import type { Logger } from "../logger.js";
import type { RedisClient } from "../redis/client.js";
import type { KeySchema } from "../redis/keys.js";
import { bindGraphsToRedis, builtInStoreClearer, warmGraphSchemas, withRunMetadata } from "./graph-persistence.js";
import { gateByLevel, officialServerLogger } from "./api-logger.js";
import { applyLangGraphEnv, type CorsConfig, type LoadedLangGraphConfig } from "./langgraph-config.js";
import { RedisOps } from "./ops/index.js";
import { TurnExecutor } from "./turn-executor.js";
import { SHARES_SYSTEM_ASSISTANTS } from "./auth.js";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

export interface AgentServerOptions {
  client: RedisClient;
  keys: KeySchema;
  checkpointer: BaseCheckpointSaver;
  /**
   * The Redis store: graphs see the view of the run's authenticated user, the official in-memory
   * /store routes are disabled, and the app's http.app serves /store on it (src/server/routes/
   * store.ts). Without it the official routes serve the server's in-memory store.
   */
  store?: RedisStore;
  /** Empties `store` for truncation on test servers (the Redis store's own clearing). */
  clearStore?: () => Promise<void>;
  langgraph: LoadedLangGraphConfig;
  host: string;
  port: number;
  /** Concurrent runs this process executes (queue workers). */
  workers: number;
  threadTtlSeconds: number;
  /** WELLNESS_ALLOW_TRUNCATE=1: POST /internal/truncate empties storage (conformance suites only). */
  allowTruncate: boolean;
  /**
   * Run failures clients may read in full, by error name (the project's own errors, whose
   * messages say what to do); any other failure streams as "InternalError" with a generic message
   * (its text stays in the server log). Absent: every failure streams as the server serialized it.
   */
  publicErrorNames?: ReadonlySet<string>;
  /**
   * Extract the graphs' schemas from their source in the background at start (default true), for
   * graphs without runtime schemas; the app's graphs carry zod schemas, so serve skips it for them.
   */
  warmSchemas?: boolean;
  /** Origins allowed by CORS; a langgraph.json `http.cors` wins. None by default. */
  corsOrigins?: readonly string[];
  log: Logger;
}

/** Keeps a run failure's name and message for the names given; anything else becomes a generic internal error. */
function publicErrorOf(names: ReadonlySet<string>): (data: unknown) => unknown {
  return (data) => {
    const name = (data as { error?: unknown } | null)?.error;
    if (typeof name === "string" && names.has(name)) return data;
    return { error: "InternalError", message: "The run failed; the server log has the details." };
  };
}

/** Whether the langgraph.json's auth is the app's token auth, which shares the graphs' assistants. */
async function sharesSystemAssistants(langgraph: LoadedLangGraphConfig): Promise<boolean> {
  const path = langgraph.config.auth?.path;
  if (!path) return false;
  const [file = "", symbol = "default"] = path.split(":", 2);
  const module = (await import(pathToFileURL(resolve(langgraph.cwd, file)).href)) as Record<string, unknown>;
  const handler = module[symbol];
  return typeof handler === "object" && handler !== null && (handler as Record<symbol, unknown>)[SHARES_SYSTEM_ASSISTANTS] === true;
}

export interface AgentServer {
  ops: RedisOps;
  /** host:port the server listens on. */
  address: string;
  /** Stops handing out queued runs (runs executing finish; the HTTP listener closes with the process). */
  stop(): void;
}

/**
 * LangGraph's own Agent Server (`startServer` of @langchain/langgraph-api) on Redis: storage is
 * {@link RedisOps}, and every graph of the langgraph.json is bound to the Redis checkpointer (and
 * store, when given) before any run executes. Auth, custom routes (`http.app`) and `env` come from
 * the langgraph.json as with `langgraph dev`.
 *
 * @example
 * ```ts
 * const server = await startAgentServer({ client, keys, checkpointer, langgraph: await loadLangGraphConfig("langgraph.json"), host: "127.0.0.1", port: 8000, workers: 10, threadTtlSeconds: 0, allowTruncate: false, log });
 * ```
 */
export async function startAgentServer(options: AgentServerOptions): Promise<AgentServer> {
  const { langgraph, log } = options;
  applyLangGraphEnv(langgraph);
  const checkpointer = withRunMetadata(options.checkpointer);
  const clearStore = options.clearStore ?? (options.store || !options.allowTruncate ? undefined : await builtInStoreClearer());
  const ops = new RedisOps({
    sharedSystemAssistants: await sharesSystemAssistants(langgraph),
    client: options.client,
    keys: options.keys,
    checkpointer,
    ...(options.store ? { store: options.store } : {}),
    threadTtlSeconds: options.threadTtlSeconds,
    allowTruncate: options.allowTruncate,
    onRefusedTruncate: () => log.warn("POST /internal/truncate refused: set WELLNESS_ALLOW_TRUNCATE=1 only on a test server."),
    ...(clearStore ? { clearStore } : {}),
    onTruncateError: (error) => log.error(`Truncation failed: ${(error as Error).message}`),
    ...(options.publicErrorNames ? { publicError: publicErrorOf(options.publicErrorNames) } : {}),
    onLostWrite: (what, error) => log.warn(`Redis did not take the ${what} within the outage allowance (${(error as Error).message}).`),
  });
  ops.runs.executeTurnsWith(new TurnExecutor(ops, { log }));
  let release: () => void = () => undefined;
  ops.runs.holdUntil(new Promise<void>((resolve) => (release = resolve)));
  const cors: CorsConfig = langgraph.config.http?.cors ?? { allow_origins: [...(options.corsOrigins ?? [])] };
  const { startServer } = await import("@langchain/langgraph-api/server");
  const started = await startServer(
    {
      port: options.port,
      host: options.host,
      nWorkers: options.workers,
      cwd: langgraph.cwd,
      graphs: langgraph.config.graphs,
      ...(langgraph.config.auth ? { auth: { disable_studio_auth: false, ...langgraph.config.auth } } : {}),
      http: {
        disable_assistants: false,
        disable_threads: false,
        disable_runs: false,
        disable_meta: false,
        ...langgraph.config.http,
        disable_store: options.store !== undefined || (langgraph.config.http?.disable_store ?? false),
        cors,
      },
    },
    { ops },
  );
  gateByLevel(officialServerLogger());
  const store = options.store;
  await bindGraphsToRedis(Object.keys(langgraph.config.graphs), {
    checkpointer,
    ...(store ? { storeFor: (config: RunnableConfig | undefined) => store.forOwner(runUser(config?.configurable, () => store.owner) ?? store.owner) } : {}),
  });
  release();
  if (options.warmSchemas !== false) warmGraphSchemas(Object.keys(langgraph.config.graphs)).catch((error: unknown) => log.debug(`Schema warm-up: ${(error as Error).message}`));
  return { ops, address: started.host, stop: () => ops.runs.close() };
}
