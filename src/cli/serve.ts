import cluster from "node:cluster";
import { loadConfig, type Config } from "../config.js";
import { createLogger, type Logger } from "../logger.js";
import { ServeCluster } from "./serve-cluster.js";
import { listeningMessage } from "./serve-messages.js";
import { startServeProcess } from "./serve-process.js";
import { prepareServe, type PreparedServe } from "./serve-setup.js";
import { serveWorker } from "./serve-worker.js";
import { untilSignal } from "./signals.js";

export { describeHealth } from "./serve-messages.js";

export interface ServeOptions {
  port?: number;
  host?: string;
  /** Record turns through the learning stream and consume it in this process (in each server process). */
  worker?: boolean;
  /** A langgraph.json: serve its graphs, auth and routes instead of the app's, with Redis storage. */
  config?: string;
  /** A module exporting the chat model for the app's graphs (see loadChatModelModule); Ollama by default. */
  modelModule?: string;
  /** Server processes on the one port; SERVER_PROCESSES by default. */
  processes?: number;
}

/**
 * `wellness serve`: connects to Redis (starting a local server when none answers and one is
 * installed), prints a health summary and runs LangGraph's Agent Server on Redis until SIGINT or
 * SIGTERM: the app's graphs, auth and routes, or those of the langgraph.json given with --config.
 * With one process (the default) it serves in this process; with more, this process prepares once
 * and supervises that many forked server processes sharing the port (node:cluster), each of which
 * runs this same command and lands in {@link serveWorker}.
 */
export async function serve(options: ServeOptions = {}): Promise<void> {
  if (cluster.isWorker) return serveWorker(options);
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const processes = options.processes ?? config.server.processes;
  const prepared = await prepareServe(config, log, options);
  if (processes === 1) return serveHere(config, log, prepared, options);
  return serveOnProcesses(config, log, prepared, options, processes);
}

/** One process: the runtime and the Agent Server in this process, as `serve` always did. */
async function serveHere(config: Config, log: Logger, prepared: PreparedServe, options: ServeOptions): Promise<void> {
  const { redis, keys, breaker, host, port, singleUser } = prepared;
  let running;
  try {
    running = await startServeProcess({ config, log, redis, keys, breaker, host, port, singleUser, worker: options.worker ?? false, langgraphConfig: options.config, modelModule: options.modelModule, once: true });
  } catch (error) {
    await prepared.shutdown();
    throw error;
  }
  // Listen for the signal before saying so: whoever waits for that line may signal at once.
  const signalled = untilSignal(log);
  log.info(listeningMessage({ config, langgraphConfig: options.config, host, address: running.address, processes: 1 }));
  await signalled;
  // Stop taking queued runs, let the turns in flight finish their learning, then close.
  await running.stop();
  await prepared.shutdown();
  // The official server's HTTP listener and queue workers offer no way to stop; the process ends here.
  process.exit(0);
}

/**
 * Several processes: fork them, say where they listen once all do, and on SIGINT or SIGTERM have
 * each finish its turns before the local Redis (if serve started one) stops. A second signal
 * while they finish kills them.
 */
async function serveOnProcesses(config: Config, log: Logger, prepared: PreparedServe, options: ServeOptions, processes: number): Promise<void> {
  const group = new ServeCluster({ processes, log });
  let address: string;
  try {
    address = await group.start();
  } catch (error) {
    await group.stop();
    await prepared.shutdown();
    throw error;
  }
  const signalled = untilSignal(log);
  log.info(listeningMessage({ config, langgraphConfig: options.config, host: prepared.host, address, processes }));
  log.debug(`Server processes: ${group.pids().join(", ")}.`);
  const failed = await Promise.race([signalled.then(() => undefined), group.failure.catch((error: unknown) => error as Error)]);
  const force = (signal: NodeJS.Signals) => {
    log.warn(`${signal} again: killing the server processes without waiting for their turns.`);
    group.kill();
  };
  process.once("SIGINT", force);
  process.once("SIGTERM", force);
  await group.stop();
  await prepared.shutdown();
  if (failed) throw failed;
  process.exit(0);
}
