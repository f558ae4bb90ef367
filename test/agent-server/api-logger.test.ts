import { readFileSync } from "node:fs";
import { Writable } from "node:stream";
import winston from "winston";
import { describe, expect, it } from "vitest";
import { gateByLevel, officialServerLogger } from "../../src/agent-server/api-logger.js";

/** A winston logger like the official server's, counting how often its format chain runs. */
function countingLogger(level: string) {
  const lines: string[] = [];
  let formatted = 0;
  const counting = winston.format((info) => {
    formatted += 1;
    return info;
  });
  const logger = winston.createLogger({
    level,
    format: winston.format.combine(counting(), winston.format.simple()),
    transports: [new winston.transports.Stream({ stream: new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()) }) })],
  });
  return { logger, lines, formatted: () => formatted };
}

describe("gateByLevel", () => {
  it("skips formatting below the level and logs at or above it as before", () => {
    const { logger, lines, formatted } = countingLogger("warn");
    expect(gateByLevel(logger)).toBe(true);
    logger.info("<-- POST /api/chat/stateful/stream");
    logger.debug("detail", { run_id: "r" });
    expect(formatted()).toBe(0);
    logger.warn("slow");
    logger.error("failed", { run_id: "r" });
    expect(formatted()).toBe(2);
    expect(lines.join("")).toMatch(/warn: slow[\s\S]*error: failed/u);
  });

  it("follows a later change of the level and is applied once", () => {
    const { logger, lines, formatted } = countingLogger("error");
    gateByLevel(logger);
    gateByLevel(logger);
    logger.info("hidden");
    logger.level = "info";
    logger.info("shown");
    expect(formatted()).toBe(1);
    expect(lines.join("")).toContain("info: shown");
    expect(lines.join("")).not.toContain("hidden");
  });

  it("does nothing without a logger", () => {
    expect(gateByLevel(undefined)).toBe(false);
  });

  it("finds the logger the official server registers for its SDK, under the symbol its logging module uses", () => {
    // Read, not imported: importing the module would install its process-wide error handlers here.
    const dist = new URL(".", import.meta.resolve("@langchain/langgraph-api/server"));
    expect(readFileSync(new URL("logging.mjs", dist), "utf8")).toContain('Symbol.for("langgraph.api.sdk-logger")');
    expect(readFileSync(new URL("server.mjs", dist), "utf8")).toMatch(/registerSdkLogger\(\)/u);
    const symbol = Symbol.for("langgraph.api.sdk-logger");
    const registry = globalThis as Record<symbol, unknown>;
    const { logger } = countingLogger("error");
    registry[symbol] = logger;
    try {
      expect(officialServerLogger()).toBe(logger);
    } finally {
      delete registry[symbol];
    }
    expect(officialServerLogger()).toBeUndefined();
  });
});
