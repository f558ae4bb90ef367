import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "redis";
import { RedisServerNotInstalledError, RedisServerProcess, WellnessError } from "../../src/index.js";
import { dockerEngineAnswers } from "./docker.js";
import { freePort } from "./ports.js";

/** A Redis server the tests may use, and how to let it go. */
export interface TestRedis {
  url: string;
  source: "TEST_REDIS_URL" | "testcontainers" | "redis-server";
  /** Stops what the harness started; leaves a TEST_REDIS_URL server alone. */
  release(): Promise<void>;
}

/** The harness was pointed at a database that already holds data it did not create. */
export class TestRedisNotEmptyError extends WellnessError {
  constructor(url: string, keyCount: number) {
    super(
      "ERR_TEST_REDIS_NOT_EMPTY",
      `TEST_REDIS_URL (${url}) already holds ${keyCount} keys. Tests never delete data they did not create: point TEST_REDIS_URL at an empty database (for example another db number) or unset it so the harness starts its own server.`,
    );
  }
}

/** No way to get a Redis server for the tests was found. */
export class NoTestRedisError extends WellnessError {
  constructor(options?: { cause?: unknown }) {
    super(
      "ERR_NO_TEST_REDIS",
      "The tests need a Redis server and found none. Do one of: install redis-server (apt-get install redis-server, brew install redis) so the harness can start a private one; start a Docker engine (the harness then runs redis:8 with testcontainers); or set TEST_REDIS_URL to an empty Redis database.",
      options,
    );
  }
}

async function useExisting(url: string): Promise<TestRedis> {
  const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 3_000 } });
  client.on("error", () => undefined);
  try {
    await client.connect();
    const keyCount = await client.dbSize();
    if (keyCount > 0) throw new TestRedisNotEmptyError(url.replace(/\/\/([^:@/]*):[^@/]*@/u, "//$1:***@"), keyCount);
  } finally {
    if (client.isOpen) await client.close();
  }
  return { url, source: "TEST_REDIS_URL", release: () => Promise.resolve() };
}

async function useContainer(): Promise<TestRedis> {
  const { GenericContainer, Wait } = await import("testcontainers");
  const container = await new GenericContainer("redis:8")
    .withExposedPorts(6379)
    .withWaitStrategy(Wait.forLogMessage("Ready to accept connections"))
    .start();
  return {
    url: `redis://${container.getHost()}:${container.getMappedPort(6379)}`,
    source: "testcontainers",
    release: async () => {
      await container.stop();
    },
  };
}

/** Starts a private redis-server on a free loopback port with a temporary directory. */
export async function spawnPrivateRedis(
  options: { extraArgs?: readonly string[]; binary?: string } = {},
): Promise<RedisServerProcess & { cleanup(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "wellness-test-redis-"));
  const port = await freePort();
  try {
    const server = await RedisServerProcess.start({
      port,
      dir,
      ...(options.extraArgs ? { extraArgs: options.extraArgs } : {}),
      ...(options.binary ? { binary: options.binary } : {}),
    });
    return Object.assign(server, {
      cleanup: async () => {
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Gets a private Redis for a test run, in this order: TEST_REDIS_URL (refused if its database
 * holds keys); a redis:8 container when a Docker engine answers; a redis-server spawned from
 * PATH (or the binary TEST_REDIS_SERVER names, e.g. valkey-server); otherwise one error that
 * says how to get Redis.
 */
export async function acquireTestRedis(env: Readonly<Record<string, string | undefined>> = process.env): Promise<TestRedis> {
  const configured = env.TEST_REDIS_URL?.trim();
  if (configured) return useExisting(configured);
  if (await dockerEngineAnswers(env.DOCKER_HOST)) return useContainer();
  try {
    const binary = env.TEST_REDIS_SERVER?.trim();
    const server = await spawnPrivateRedis(binary ? { binary } : {});
    return { url: server.url, source: "redis-server", release: () => server.cleanup() };
  } catch (error) {
    if (error instanceof RedisServerNotInstalledError) throw new NoTestRedisError({ cause: error });
    throw error;
  }
}
