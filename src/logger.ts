import type { LogLevel } from "./config.js";

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Where the app's own messages go; injected so tests and embedders can capture or silence them. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/**
 * A logger writing one line per message to a stream (stderr by default), below `level` silent.
 *
 * @example
 * ```ts
 * const log = createLogger("info");
 * log.info("listening on http://127.0.0.1:8000");
 * ```
 */
export function createLogger(level: LogLevel, write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  const at = (messageLevel: LogLevel) => (message: string) => {
    if (ORDER[messageLevel] >= ORDER[level]) write(`${messageLevel === "info" ? "" : `${messageLevel}: `}${message}\n`);
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** A logger that drops everything. */
export const silentLogger: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
