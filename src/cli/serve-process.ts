import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import type { PreparedServe } from "./serve-setup.js";
import { loadChatModelModule } from "../agent/model-module.js";
import { createRuntime, installServedRuntime, type WellnessRuntime } from "../runtime/index.js";
import { appLangGraphConfig, loadLangGraphConfig, startAgentServer, withRedisStoreApp } from "../agent-server/index.js";
import { deleteMatching } from "../agent-server/ops/truncate.js";

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

/** What one server process needs: the prepared connection and address (see prepareServe), and what to serve. */
export interface ServeProcessOptions extends Omit<PreparedServe, "shutdown"> {
  config: Config;
  log: Logger;
  /** Record turns through the learning stream and consume it in this process. */
  worker: boolean;
  /** A langgraph.json to serve instead of the app's graphs. */
  langgraphConfig?: string | undefined;
  /** A module exporting the chat model for the app's graphs; Ollama by default. */
  modelModule?: string | undefined;
  /**
   * Whether this process does the work one process does for all: the coaching schedule and
   * loading the knowledge pack. Several processes doing it would only repeat it.
   */
  once: boolean;
}

/** One running server process: its runtime and the Agent Server's listener. */
export interface ServeProcess {
  runtime: WellnessRuntime;
  /** host:port the listener reports (the real port when 0 was asked for). */
  address: string;
  /** Stops taking queued runs and waits for what finished turns left to do (learning). */
  stop(): Promise<void>;
}

/**
 * Builds this process's runtime and starts LangGraph's Agent Server on it: the app's graphs, auth
 * and routes, or those of a langgraph.json. `wellness serve` runs it in its own process when it
 * serves with one process, and in each forked server process otherwise; every such process shares
 * the run queue, threads, checkpoints and store through Redis, so any of them may take any run.
 */
export async function startServeProcess(options: ServeProcessOptions): Promise<ServeProcess> {
  const { config, log, redis, keys, breaker } = options;
  let runtime: WellnessRuntime | undefined;
  let generated: { dispose(): Promise<void> } | undefined;
  try {
    const model = options.modelModule ? (await loadChatModelModule(options.modelModule)).model : undefined;
    runtime = await createRuntime(config, {
      redis,
      breaker,
      log,
      ...(model ? { model } : {}),
      authenticatedCallers: { singleUser: options.singleUser },
      worker: options.worker,
      coaching: options.once,
      role: "serve",
    });
    installServedRuntime(runtime);
    // Another project's /store is served on the Redis store too, by a generated http.app that puts
    // the app's store routes in front of the project's own (see withRedisStoreApp).
    const langgraph = options.langgraphConfig ? await withRedisStoreApp(await loadLangGraphConfig(options.langgraphConfig)) : { loaded: appLangGraphConfig(), dispose: () => Promise.resolve() };
    generated = langgraph;
    if (!options.langgraphConfig && options.once) {
      try {
        log.debug(`Knowledge pack: ${await runtime.agent.loadKnowledge()} facts in semantic memory.`);
      } catch (error) {
        log.warn(`Semantic memory is not ready (${(error as Error).message}); the agent answers without general knowledge.`);
      }
    }
    const server = await startAgentServer({
      client: redis,
      keys,
      checkpointer: runtime.agent.checkpointer,
      store: runtime.store,
      clearStore: async () => void (await deleteMatching(redis, keys.storeKeysPattern())),
      langgraph: langgraph.loaded,
      host: options.host,
      port: options.port,
      workers: config.server.runWorkers,
      threadTtlSeconds: config.memoryTtlSeconds,
      allowTruncate: process.env.WELLNESS_ALLOW_TRUNCATE === "1",
      corsOrigins: config.server.corsOrigins,
      ...(options.langgraphConfig ? {} : { publicErrorNames: PUBLIC_RUN_ERRORS, warmSchemas: false }),
      log,
    });
    const started = runtime;
    return {
      runtime: started,
      address: server.address,
      stop: async () => {
        server.stop();
        await started.close();
      },
    };
  } catch (error) {
    await runtime?.close();
    throw error;
  } finally {
    // The server has imported the generated http.app module (or failed): it is not read again.
    await generated?.dispose();
  }
}
