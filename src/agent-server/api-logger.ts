/** Where the official server's winston logger registers itself for the SDK's `getLogger`. */
const SDK_LOGGER = Symbol.for("langgraph.api.sdk-logger");
const GATED = Symbol("wellness.levelGated");

/** The part of a winston logger this gate uses. */
export interface LevelledLogger {
  levels: Record<string, number>;
  isLevelEnabled(level: string): boolean;
}

/** The official server's logger, once its startServer has registered it. */
export function officialServerLogger(): LevelledLogger | undefined {
  const logger = (globalThis as Record<symbol, unknown>)[SDK_LOGGER];
  return logger !== null && typeof logger === "object" && typeof (logger as LevelledLogger).isLevelEnabled === "function" ? (logger as LevelledLogger) : undefined;
}

/**
 * Makes a winston logger drop a call below its level before formatting it. winston runs its
 * whole format chain (timestamps, colours, util.inspect of the metadata) for every call and
 * filters by level only in the transport, so the official server's two request lines per HTTP
 * request cost CPU on every turn even at LOG_LEVEL=error. The level is read at each call, so a
 * later change of `logger.level` still applies. Returns false when `logger` is absent.
 *
 * @example
 * ```ts
 * gateByLevel(officialServerLogger());
 * ```
 */
export function gateByLevel(logger: LevelledLogger | undefined): boolean {
  if (!logger) return false;
  const target = logger as unknown as Record<string | symbol, unknown>;
  if (target[GATED]) return true;
  for (const level of Object.keys(logger.levels)) {
    const original = target[level];
    if (typeof original !== "function") continue;
    target[level] = function gated(this: unknown, ...args: unknown[]): unknown {
      return logger.isLevelEnabled(level) ? (original as (...args: unknown[]) => unknown).apply(this ?? logger, args) : (this ?? logger);
    };
  }
  target[GATED] = true;
  return true;
}
