import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { answersPing } from "../../src/index.js";
import { signalsItselfOn, startWellness } from "../support/cli.js";
import { freePort } from "../support/ports.js";
import { connectTestRedis, deletePrefix } from "../support/redis.js";


const runCli = (args: string[], env: Record<string, string>) => startWellness(args, env);

describe("wellness serve", () => {
  const dirs: string[] = [];
  const children: ChildProcess[] = [];

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    const redis = await connectTestRedis();
    for (const prefix of ["test:cli:", "test:cli-worker:"]) await deletePrefix(redis.client, prefix);
    await redis.dispose();
  });

  it("uses the Redis at REDIS_URL, prints its health and serves GET /health", async () => {
    const cli = runCli(["serve"], { REDIS_URL: inject("redisUrl"), PORT: "0", REDIS_KEY_PREFIX: "test:cli:" });
    children.push(cli.child);
    await cli.waitFor(/Redis \d+\.\d+\.\d+ \(redis, standalone\) at .*ping .* ms; Query Engine: (yes|no), JSON: (yes|no); circuit: closed/);
    const [, port] = await cli.waitFor(/Listening on http:\/\/127\.0\.0\.1:(\d+)/);
    const response = await fetch(`http://127.0.0.1:${port}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "ok", redis: { ok: true } });
    expect(cli.output()).not.toMatch(/started a local redis-server/);
    cli.child.kill("SIGTERM");
    expect(await cli.exit).toBe(0);
  });

  it("starts a local redis-server with AOF under the data dir when nothing answers, and stops it on exit", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wellness-cli-"));
    dirs.push(dir);
    const redisPort = await freePort();
    const cli = runCli(["serve", "--port", "0"], {
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      REDIS_LOCAL_DATA_DIR: join(dir, "redis"),
    });
    children.push(cli.child);
    await cli.waitFor(/No Redis answered at redis:\/\/127\.0\.0\.1:\d+; started a local redis-server \(pid \d+\) with its data in .*\(AOF on\)\./);
    const [, port] = await cli.waitFor(/Listening on http:\/\/127\.0\.0\.1:(\d+)/);
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    expect(await answersPing(redisPort)).toBe(true);
    expect(existsSync(join(dir, "redis", "appendonlydir"))).toBe(true);
    cli.child.kill("SIGINT");
    expect(await cli.exit).toBe(0);
    expect(await answersPing(redisPort)).toBe(false);
  });

  it("exits with one message naming the three ways to get Redis when none can be had", async () => {
    const redisPort = await freePort();
    const cli = runCli(["serve"], { REDIS_URL: `redis://127.0.0.1:${redisPort}`, REDIS_LOCAL_AUTOSTART: "false" });
    children.push(cli.child);
    expect(await cli.exit).toBe(1);
    expect(cli.output()).toMatch(/No Redis answers at .* Get Redis one of three ways: install redis-server .*docker run -p 6379:6379 redis:8.*set REDIS_URL/);
  });

  it("exits with a clear message when the HTTP port is taken", async () => {
    const { createServer } = await import("node:net");
    const blocker = createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, "127.0.0.1", () => resolve((blocker.address() as { port: number }).port)),
    );
    try {
      const cli = runCli(["serve", "--port", String(port)], { REDIS_URL: inject("redisUrl"), REDIS_KEY_PREFIX: "test:cli:" });
      children.push(cli.child);
      expect(await cli.exit).toBe(1);
      expect(cli.output()).toMatch(new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is already in use; .*PORT or --port`));
      expect(cli.output()).not.toMatch(/at .*\.ts:\d+/);
    } finally {
      blocker.close();
    }
  });

  it("runs a learning worker in the same process with --worker, and stops it on exit", async () => {
    const cli = runCli(["serve", "--port", "0", "--worker"], { REDIS_URL: inject("redisUrl"), REDIS_KEY_PREFIX: "test:cli-worker:" });
    children.push(cli.child);
    await cli.waitFor(/Learning worker \S+ is consuming the learning stream\./);
    await cli.waitFor(/Listening on/);
    cli.child.kill("SIGTERM");
    expect(await cli.exit).toBe(0);
  });

  it("handles SIGTERM from the moment it says it listens (one process or several), and the worker from the moment it says it registered", async () => {
    const env = { REDIS_URL: inject("redisUrl"), REDIS_KEY_PREFIX: "test:cli-worker:" };
    const listening = signalsItselfOn(/^Listening on/m, "SIGTERM");
    const served = startWellness(["serve", "--port", "0", "--worker"], env, 20_000, listening);
    const group = startWellness(["serve", "--port", "0", "--processes", "2"], env, 20_000, listening);
    const worker = startWellness(["worker"], env, 20_000, signalsItselfOn(/^Registered as instance/m, "SIGTERM"));
    children.push(served.child, group.child, worker.child);
    for (const cli of [served, group]) {
      const code = await cli.exit;
      expect(cli.output()).toMatch(/SIGTERM: shutting down/);
      expect(code).toBe(0);
    }
    const code = await worker.exit;
    expect(worker.output()).toMatch(/Stopping the learning worker/);
    expect(code).toBe(0);
  });

  it("refuses to listen beyond loopback without API tokens", async () => {
    const cli = runCli(["serve", "--host", "0.0.0.0", "--port", "0"], { REDIS_URL: inject("redisUrl"), REDIS_KEY_PREFIX: "test:cli:" });
    children.push(cli.child);
    expect(await cli.exit).toBe(1);
    expect(cli.output()).toMatch(/Refusing to listen on 0\.0\.0\.0: without API_TOKENS the API serves one user's health data unauthenticated/);
  });

  it("refuses to start on an invalid setting, naming the variable", async () => {
    const cli = runCli(["serve"], { USER_TIMEZONE: "Nowhere/Special" });
    children.push(cli.child);
    expect(await cli.exit).toBe(2);
    expect(cli.output()).toMatch(/USER_TIMEZONE: expected an IANA time zone name/);
  });
});
