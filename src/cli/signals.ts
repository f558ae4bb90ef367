import type { Logger } from "../logger.js";

/** Resolves with the first SIGINT or SIGTERM, logging it. */
export function untilSignal(log: Logger): Promise<NodeJS.Signals> {
  return new Promise<NodeJS.Signals>((resolve) => {
    const shutdown = (signal: NodeJS.Signals) => {
      process.off("SIGINT", shutdown);
      process.off("SIGTERM", shutdown);
      log.info(`${signal}: shutting down`);
      resolve(signal);
    };
    process.on("SIGINT", shutdown);
    process.on("SIGTERM", shutdown);
  });
}
