import { availableParallelism } from "node:os";

/** What a server process count must be, for the message that refuses another. */
export const SERVER_PROCESSES_EXPECTED = "expected a whole number from 1 to 256, or auto (one per core)";

/**
 * A server process count as SERVER_PROCESSES and `wellness serve --processes` take it: a whole
 * number from 1 to 256, or "auto" for one process per core the machine lets this process use
 * (os.availableParallelism()). Undefined when it is neither. Kept out of config.ts so that the
 * CLI can parse the option without loading the configuration schema.
 */
export function serverProcessCount(value: string): number | undefined {
  const text = value.trim().toLowerCase();
  if (text === "auto") return availableParallelism();
  const count = /^\d+$/u.test(text) ? Number(text) : Number.NaN;
  return Number.isInteger(count) && count >= 1 && count <= 256 ? count : undefined;
}
