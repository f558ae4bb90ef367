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

  it("finds the official server's logger once its server module has registered it", async () => {
    // The module startServer registers its logger from (not exported: found beside ./server).
    const logging = new URL("./logging.mjs", import.meta.resolve("@langchain/langgraph-api/server")).href;
    const { registerSdkLogger } = (await import(/* @vite-ignore */ logging)) as { registerSdkLogger: () => void };
    registerSdkLogger();
    const logger = officialServerLogger();
    expect(logger?.isLevelEnabled("error")).toBe(true);
    expect(typeof (logger as unknown as { info: unknown }).info).toBe("function");
  });
});
