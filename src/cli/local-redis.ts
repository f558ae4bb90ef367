import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { RedisUnavailableError, WellnessError } from "../errors.js";
import {
  processAlive,
  readLocalRedisRecord,
  RedisServerProcess,
  removeLocalRedisRecord,
  stopRedisPid,
  writeLocalRedisRecord,
} from "../redis/server-process.js";

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/** A redis-server that this `wellness serve` is responsible for stopping when it exits. */
export interface LocalRedis {
  readonly pid: number | undefined;
  readonly dir: string;
  stop(): Promise<void>;
}

/** Why a local server was not started, or the started server. */
export type LocalRedisOutcome = { started: LocalRedis } | { skipped: string };

/** The loopback port of REDIS_URL, or why the app must not start or adopt a server for it. */
function loopbackPort(url: string): { port: number } | { skipped: string } {
  const parsed = new URL(url);
  if (!LOOPBACK_HOSTS.has(parsed.hostname)) {
    return { skipped: `REDIS_URL points at ${parsed.hostname}, not this machine` };
  }
  if (parsed.username || parsed.password) {
    return { skipped: "REDIS_URL carries credentials, so it names a server you run yourself" };
  }
  return { port: parsed.port === "" ? 6379 : Number(parsed.port) };
}

/**
 * Starts a redis-server for REDIS_URL when nothing answers there, so `npm start` works on a
 * machine that has Redis installed but not running. Only for a plain loopback URL: a remote or
 * password-protected URL means the user runs their own server, and starting another would hide
 * their mistake. A pid file in the data directory names the server and this process, so a later
 * start can find it if this process dies without stopping it (see {@link adoptOrphanRedis}).
 */
export async function startLocalRedis(url: string, dataDir: string): Promise<LocalRedisOutcome> {
  const target = loopbackPort(url);
  if ("skipped" in target) return target;
  let server: RedisServerProcess;
  try {
    server = await RedisServerProcess.start({ port: target.port, dir: dataDir, appendOnly: true });
  } catch (error) {
    if (error instanceof WellnessError) return { skipped: error.message };
    throw new RedisUnavailableError("could not start a local redis-server", { cause: error });
  }
  const redisPid = server.pid;
  if (redisPid !== undefined) writeLocalRedisRecord(dataDir, { redisPid, port: target.port, ownerPid: process.pid });
  return {
    started: {
      pid: redisPid,
      dir: server.dir,
      async stop() {
        await server.stop();
        if (redisPid !== undefined) removeLocalRedisRecord(dataDir, redisPid);
      },
    },
  };
}

/** Whether a process is a redis-server listening on this port, from its title ("redis-server 127.0.0.1:6379"). */
async function isRedisServerOn(pid: number, port: number): Promise<boolean> {
  let title: string;
  try {
    title = (await readFile(`/proc/${pid}/cmdline`, "utf8")).replaceAll("\0", " ");
  } catch {
    try {
      title = (await promisify(execFile)("ps", ["-p", String(pid), "-o", "command="])).stdout;
    } catch {
      return false;
    }
  }
  return /redis-server/u.test(title) && title.includes(`:${port}`);
}

/**
 * Finds a redis-server that an earlier `wellness serve` started for this REDIS_URL and data
 * directory but never stopped (it was killed with SIGKILL or crashed), and adopts it: this process
 * now owns it, says so, and stops it on exit. A server whose owner still runs is that owner's and
 * is left alone; a pid file naming a dead server is removed.
 *
 * @returns the adopted server and the line to print, or undefined when there is no orphan.
 */
export async function adoptOrphanRedis(url: string, dataDir: string): Promise<{ adopted: LocalRedis; message: string } | undefined> {
  const target = loopbackPort(url);
  if ("skipped" in target) return undefined;
  const record = readLocalRedisRecord(dataDir);
  if (!record || record.port !== target.port) return undefined;
  if (!processAlive(record.redisPid) || !(await isRedisServerOn(record.redisPid, record.port))) {
    removeLocalRedisRecord(dataDir, record.redisPid);
    return undefined;
  }
  if (record.ownerPid !== process.pid && processAlive(record.ownerPid)) return undefined;
  writeLocalRedisRecord(dataDir, { ...record, ownerPid: process.pid });
  const { redisPid } = record;
  return {
    adopted: {
      pid: redisPid,
      dir: dataDir,
      async stop() {
        await stopRedisPid(redisPid);
        removeLocalRedisRecord(dataDir, redisPid);
      },
    },
    message:
      `Found the local redis-server (pid ${redisPid}, data in ${dataDir}) that an earlier wellness serve (pid ${record.ownerPid}) ` +
      "left running when it stopped without shutting down; using it, and stopping it when this server stops.",
  };
}
