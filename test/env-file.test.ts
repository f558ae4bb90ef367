import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig, loadEnvFile } from "../src/index.js";

describe("loadEnvFile", () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "wellness-env-"));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("puts the file's values into loadConfig, with the environment taking precedence", () => {
    const path = join(dir, ".env");
    writeFileSync(
      path,
      [
        "# copied from .env.example",
        "REDIS_URL=redis://127.0.0.1:6390/2",
        'OLLAMA_MODEL="llama3.2:3b"',
        "DEFAULT_USER_ID=from-file",
        "PORT=8123",
        "",
      ].join("\n"),
    );
    const env: Record<string, string | undefined> = { PORT: "9000", USER_TIMEZONE: "UTC" };
    expect(loadEnvFile(path, env).sort()).toEqual(["DEFAULT_USER_ID", "OLLAMA_MODEL", "REDIS_URL"]);
    const config = loadConfig(env);
    expect(config.redis.url).toBe("redis://127.0.0.1:6390/2");
    expect(config.ollama.model).toBe("llama3.2:3b");
    expect(config.defaultUserId).toBe("from-file");
    expect(config.server.port).toBe(9000);
  });

  it("accepts a missing file and names an unreadable one", () => {
    expect(loadEnvFile(join(dir, "absent.env"), {})).toEqual([]);
    const locked = join(dir, "locked.env");
    writeFileSync(locked, "PORT=1\n");
    chmodSync(locked, 0o000);
    const readable = (() => {
      try {
        loadEnvFile(locked, {});
        return true;
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as Error).message).toMatch(/locked\.env: cannot read the file \(EACCES\)/);
        return false;
      }
    })();
    // root reads any file; the refusal is only observable for other users.
    expect(readable).toBe(process.getuid?.() === 0);
  });
});
