import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { adoptOrphanRedis } from "../../src/cli/local-redis.js";
import { answersPing } from "../../src/index.js";
import { localRedisPidFile, processAlive, readLocalRedisRecord, RedisServerProcess, stopRedisPid, writeLocalRedisRecord } from "../../src/redis/server-process.js";
import { startWellness } from "../support/cli.js";
import { freePort } from "../support/ports.js";

const root = new URL("../../", import.meta.url).pathname;

/** `wellness serve` from source, its output collected. */
const serve = (env: Record<string, string>) => startWellness(["serve", "--port", "0"], env, 60_000);

/** The pid of a process that has already exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => child.once("exit", resolve));
  return child.pid ?? 0;
}

describe("the local redis-server of wellness serve", () => {
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  const redisPids: number[] = [];

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
    for (const pid of redisPids) await stopRedisPid(pid);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("writes a pid file; after serve is killed with SIGKILL, the next start adopts its orphan and stops it on exit", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wellness-orphan-"));
    dirs.push(dir);
    const redisPort = await freePort();
    const env = { REDIS_URL: `redis://127.0.0.1:${redisPort}`, REDIS_LOCAL_DATA_DIR: join(dir, "redis"), OLLAMA_BASE_URL: `http://127.0.0.1:${await freePort()}` };

    const first = serve(env);
    children.push(first.child);
    const [, pid] = await first.waitFor(/started a local redis-server \(pid (\d+)\)/);
    const redisPid = Number(pid);
    redisPids.push(redisPid);
    await first.waitFor(/Listening on/);
    expect(first.output()).not.toMatch(/warn: Redis connection/);
    expect(first.output()).toMatch(/^Chat model qwen2\.5:7b at http:\/\/127\.0\.0\.1:\d+: not reachable \(ECONNREFUSED\); .*ollama serve.*ollama pull qwen2\.5:7b/mu);
    expect(readLocalRedisRecord(join(dir, "redis"))).toEqual({ redisPid, port: redisPort, ownerPid: first.child.pid });

    first.child.kill("SIGKILL");
    await first.exit;
    expect(processAlive(redisPid)).toBe(true);
    expect(await answersPing(redisPort)).toBe(true);

    const second = serve(env);
    children.push(second.child);
    await second.waitFor(new RegExp(`Found the local redis-server \\(pid ${redisPid}, data in .*\\) that an earlier wellness serve \\(pid ${first.child.pid}\\) left running`, "u"));
    await second.waitFor(/Listening on/);
    expect(second.output()).not.toMatch(/started a local redis-server/);
    expect(readLocalRedisRecord(join(dir, "redis"))?.ownerPid).toBe(second.child.pid);
    second.child.kill("SIGTERM");
    expect(await second.exit).toBe(0);
    expect(processAlive(redisPid)).toBe(false);
    expect(existsSync(localRedisPidFile(join(dir, "redis")))).toBe(false);
  }, 180_000);

  it("leaves a server whose owner still runs alone, and drops a pid file naming a dead server", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wellness-orphan-"));
    dirs.push(dir);
    const port = await freePort();
    const server = await RedisServerProcess.start({ port, dir });
    const url = `redis://127.0.0.1:${port}`;
    try {
      writeLocalRedisRecord(dir, { redisPid: server.pid ?? 0, port, ownerPid: process.ppid });
      expect(await adoptOrphanRedis(url, dir)).toBeUndefined();
      expect(await adoptOrphanRedis(`redis://127.0.0.1:${await freePort()}`, dir)).toBeUndefined();
      writeLocalRedisRecord(dir, { redisPid: await deadPid(), port, ownerPid: await deadPid() });
      expect(await adoptOrphanRedis(url, dir)).toBeUndefined();
      expect(existsSync(localRedisPidFile(dir))).toBe(false);
    } finally {
      await server.stop();
    }
    expect(readFileSync(join(root, ".gitignore"), "utf8")).toMatch(/^\.data\/$/mu);
  }, 60_000);
});
