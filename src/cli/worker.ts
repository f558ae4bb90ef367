import { loadConfig } from "../config.js";
import { createLogger } from "../logger.js";
import { createRuntime } from "../runtime/runtime.js";
import { explainRedisDown } from "./connection.js";
import { untilSignal } from "./signals.js";

/**
 * `wellness worker`: processes the learning stream until SIGINT or SIGTERM, registered as a live
 * instance (role worker) and publishing the entries it dead-letters on the event bus.
 */
export async function workerCommand(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const runtime = await createRuntime(config, { log, clientName: "wellness-worker-writes", worker: true, role: "worker" }).catch((error: unknown) => {
    throw explainRedisDown(config, error);
  });
  try {
    // Listen for the signal before saying the worker runs: whoever waits for that line may signal at once.
    const signalled = untilSignal(log);
    log.info(`Registered as instance ${runtime.instanceId ?? "(none)"}.`);
    await signalled;
    log.info("Stopping the learning worker.");
  } finally {
    await runtime.close();
  }
}
