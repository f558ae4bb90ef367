import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import { CONFIG_VARIABLES, ConfigError, DEFAULT_MEMORY_TTL_SECONDS, loadConfig } from "../src/index.js";

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be rejected`);
}

describe("loadConfig", () => {
  it("gives documented defaults for an empty environment", () => {
    const config = loadConfig({ USER_TIMEZONE: "Europe/Berlin" });
    expect(config.redis.url).toBe("redis://127.0.0.1:6379");
    expect(config.redis.clusterNodes).toEqual([]);
    expect(config.redis.keyPrefix).toBe("");
    expect(config.memoryTtlSeconds).toBe(DEFAULT_MEMORY_TTL_SECONDS);
    expect(DEFAULT_MEMORY_TTL_SECONDS).toBe(210 * 86_400);
    expect(config.embeddingCacheTtlSeconds).toBe(3600);
    expect(config.ollama).toEqual({ baseUrl: "http://localhost:11434", model: "qwen2.5:7b" });
    expect(config.embedding).toEqual({ provider: "local", model: "universal-sentence-encoder-lite" });
    expect(config.defaultUserId).toBe("default");
    expect(config.userTimezone).toBe("Europe/Berlin");
    expect(config.server).toEqual({ host: "127.0.0.1", port: 8000, apiTokens: new Map(), runWorkers: 10, processes: 1, corsOrigins: [], webRoot: undefined });
    expect(config.checkpoints).toEqual({ maxPerThread: 0, refreshOnRead: true, maxSessionsPerIndex: 1000 });
  });

  it("is frozen all the way down", () => {
    const config = loadConfig({ REDIS_CLUSTER_NODES: "127.0.0.1:7000" });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.redis)).toBe(true);
    expect(Object.isFrozen(config.redis.clusterNodes)).toBe(true);
  });

  it("accepts redis and rediss URLs with credentials and a database number", () => {
    for (const url of ["redis://localhost:6379", "rediss://user:secret@cache.example.com:6380/3", "redis://:pw@10.0.0.2/0"]) {
      expect(loadConfig({ REDIS_URL: url }).redis.url).toBe(url);
    }
  });

  it("parses cluster nodes given as host:port or URLs", () => {
    const config = loadConfig({ REDIS_CLUSTER_NODES: "10.0.0.1:7000, redis://10.0.0.2:7001 ,," });
    expect(config.redis.clusterNodes).toEqual(["redis://10.0.0.1:7000", "redis://10.0.0.2:7001"]);
  });

  it("picks the embedding model that belongs to the provider unless one is set", () => {
    expect(loadConfig({ EMBEDDING_PROVIDER: "ollama" }).embedding.model).toBe("mxbai-embed-large");
    expect(loadConfig({ EMBEDDING_PROVIDER: "ollama", EMBEDDING_MODEL: "nomic-embed-text" }).embedding.model).toBe("nomic-embed-text");
  });

  it("reads SERVER_PROCESSES as a count, or auto as one per core", () => {
    expect(loadConfig({ SERVER_PROCESSES: "3" }).server.processes).toBe(3);
    expect(loadConfig({ SERVER_PROCESSES: "auto" }).server.processes).toBe(availableParallelism());
  });

  it("treats empty values as unset", () => {
    expect(loadConfig({ REDIS_URL: "", PORT: "  " }).redis.url).toBe("redis://127.0.0.1:6379");
  });

  it.each([
    ["REDIS_URL", "http://localhost:6379", /REDIS_URL: .*redis:\/\/ or rediss:\/\//],
    ["REDIS_URL", "not a url", /REDIS_URL: expected a redis:\/\/ or rediss:\/\/ URL/],
    ["REDIS_URL", "redis://localhost:6379/abc", /REDIS_URL: .*database 'abc' is not a number/],
    ["REDIS_CLUSTER_NODES", "10.0.0.1", /REDIS_CLUSTER_NODES: cluster node '10.0.0.1' needs a port/],
    ["REDIS_KEY_PREFIX", "app{1}:", /REDIS_KEY_PREFIX: expected no whitespace and none of/],
    ["REDIS_CONNECT_TIMEOUT_MS", "soon", /REDIS_CONNECT_TIMEOUT_MS: expected a whole number from 100 to 120000/],
    ["REDIS_COMMAND_TIMEOUT_MS", "0", /REDIS_COMMAND_TIMEOUT_MS: expected a whole number from 10 to 600000/],
    ["REDIS_RECONNECT_MAX_DELAY_MS", "-5", /REDIS_RECONNECT_MAX_DELAY_MS: expected a whole number/],
    ["REDIS_BREAKER_FAILURE_THRESHOLD", "0", /REDIS_BREAKER_FAILURE_THRESHOLD: expected a whole number from 1 to 1000/],
    ["REDIS_BREAKER_COOLDOWN_MS", "1.5", /REDIS_BREAKER_COOLDOWN_MS: expected a whole number/],
    ["REDIS_LOCAL_AUTOSTART", "maybe", /REDIS_LOCAL_AUTOSTART: expected true or false/],
    ["MEMORY_TTL_SECONDS", "ten", /MEMORY_TTL_SECONDS: expected a whole number from 60 to/],
    ["EMBEDDING_CACHE_TTL_SECONDS", "0", /EMBEDDING_CACHE_TTL_SECONDS: expected a whole number from 1 to/],
    ["CHECKPOINT_MAX_PER_THREAD", "-1", /CHECKPOINT_MAX_PER_THREAD: expected a whole number from 0 to/],
    ["CHECKPOINT_REFRESH_ON_READ", "sometimes", /CHECKPOINT_REFRESH_ON_READ: expected true or false/],
    ["SESSION_INDEX_MAX", "0", /SESSION_INDEX_MAX: expected a whole number from 1 to/],
    ["OLLAMA_BASE_URL", "localhost:11434", /OLLAMA_BASE_URL: expected an http:\/\/ or https:\/\/ URL/],
    ["EMBEDDING_PROVIDER", "openai", /EMBEDDING_PROVIDER: expected 'local' or 'ollama'/],
    ["DEFAULT_USER_ID", "al*ce", /DEFAULT_USER_ID: expected 1-128 characters/],
    ["USER_TIMEZONE", "Mars/Olympus_Mons", /USER_TIMEZONE: expected an IANA time zone name/],
    ["PORT", "70000", /PORT: expected a whole number from 0 to 65535/],
    ["SERVER_PROCESSES", "0", /SERVER_PROCESSES: expected a whole number from 1 to 256, or auto/],
    ["SERVER_PROCESSES", "many", /SERVER_PROCESSES: expected a whole number from 1 to 256, or auto/],
    ["LOG_LEVEL", "loud", /LOG_LEVEL: expected debug, info, warn or error/],
  ])("names %s and what it accepts when it is %j", (variable, value, message) => {
    const error = configError({ [variable]: value });
    expect(error.code).toBe("ERR_CONFIG");
    expect(error.issues.map((issue) => issue.variable)).toEqual([variable]);
    expect(error.message).toMatch(message);
    expect(error.message).toContain(`(got '${value}')`);
  });

  it("reads API tokens as token:user pairs and never echoes a bad one", () => {
    const config = loadConfig({ API_TOKENS: "0123456789abcdef0123:alice, fedcba9876543210fedc:bob" });
    expect([...config.server.apiTokens.entries()]).toEqual([
      ["0123456789abcdef0123", "alice"],
      ["fedcba9876543210fedc", "bob"],
    ]);
    const error = configError({ API_TOKENS: "short:alice" });
    expect(error.message).toMatch(/API_TOKENS: expected token:user pairs .* at least 16 characters/);
    expect(error.message).not.toContain("short");
    expect(configError({ API_TOKENS: "0123456789abcdef0123:al*ce" }).issues[0]?.variable).toBe("API_TOKENS");
  });

  it("reports every bad variable at once", () => {
    const error = configError({ PORT: "x", LOG_LEVEL: "x", USER_TIMEZONE: "x" });
    expect(error.issues.map((issue) => issue.variable).sort()).toEqual(["LOG_LEVEL", "PORT", "USER_TIMEZONE"]);
  });

  it("never echoes a password from a bad URL", () => {
    const error = configError({ REDIS_URL: "http://admin:hunter2@localhost:6379" });
    expect(error.message).not.toContain("hunter2");
    expect(error.message).toContain("admin:***@");
  });

  it("documents every variable in .env.example", async () => {
    const { readFile } = await import("node:fs/promises");
    const example = await readFile(new URL("../.env.example", import.meta.url), "utf8");
    for (const variable of CONFIG_VARIABLES) {
      expect(example, variable).toMatch(new RegExp(`^# .+\\n#? ?${variable}=`, "mu"));
    }
  });
});
