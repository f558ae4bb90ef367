import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join, resolve } from "node:path";
import { RedisServerNotInstalledError, RedisUnavailableError } from "../errors.js";

export interface RedisServerProcessOptions {
  port: number;
  /** Working directory for data files (AOF, RDB); created if missing. */
  dir: string;
  /** Keep an append-only file so data survives restarts. */
  appendOnly?: boolean;
  /** More `--name value` arguments, e.g. cluster settings. */
  extraArgs?: readonly string[];
  /** Path of the binary; `redis-server` from PATH when omitted. */
  binary?: string;
  /** How long to wait for the server to answer PING. */
  startTimeoutMs?: number;
}

/** Sends an inline PING over a raw socket; resolves true on +PONG (or an auth error: it answers). */
export function answersPing(port: number, host = "127.0.0.1", timeoutMs = 500): Promise<boolean> {
  return new Promise((resolvePing) => {
    const socket = connect({ port, host });
    const done = (answer: boolean) => {
      socket.destroy();
      resolvePing(answer);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => done(/^(\+PONG|-NOAUTH)/u.test(data.toString("latin1"))));
  });
}

/**
 * A redis-server child process on a loopback port: the app's local fallback server and the test
 * harness's private servers. Whoever starts one stops it.
 *
 * @example
 * ```ts
 * const server = await RedisServerProcess.start({ port: 6390, dir: ".data/redis", appendOnly: true });
 * console.log(server.url); // redis://127.0.0.1:6390
 * await server.stop();
 * ```
 */
export class RedisServerProcess {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;

  private constructor(child: ChildProcess, port: number, dir: string, exited: Promise<void>) {
    this.child = child;
    this.port = port;
    this.dir = dir;
    this.url = `redis://127.0.0.1:${port}`;
    this.exited = exited;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Starts the server and waits until it answers PING. */
  static async start(options: RedisServerProcessOptions): Promise<RedisServerProcess> {
    const binary = options.binary ?? "redis-server";
    const dir = resolve(options.dir);
    mkdirSync(dir, { recursive: true });
    const args = [
      "--port", String(options.port),
      "--bind", "127.0.0.1",
      "--dir", dir,
      "--daemonize", "no",
      "--save", "",
      "--appendonly", options.appendOnly ? "yes" : "no",
      "--logfile", "",
      ...(options.extraArgs ?? []),
    ];
    const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-4_000);
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    let hasExited = false;
    let spawnError: NodeJS.ErrnoException | undefined;
    const exited = new Promise<void>((resolveExit) => {
      child.once("exit", () => {
        hasExited = true;
        resolveExit();
      });
      child.once("error", (error: NodeJS.ErrnoException) => {
        spawnError = error;
        hasExited = true;
        resolveExit();
      });
    });

    const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
    while (Date.now() < deadline) {
      if (hasExited) break;
      if (await answersPing(options.port)) return new RedisServerProcess(child, options.port, dir, exited);
      await new Promise((wait) => setTimeout(wait, 50));
    }
    child.kill("SIGKILL");
    await exited;
    if (spawnError?.code === "ENOENT") {
      throw new RedisServerNotInstalledError(binary, { cause: spawnError });
    }
    const lastLines = output.trim().split("\n").slice(-3).join(" | ");
    throw new RedisUnavailableError(
      `redis-server did not start on port ${options.port}${lastLines ? `: ${lastLines}` : ""}`,
    );
  }

  /** Stops the server with SIGTERM (a clean shutdown that flushes the AOF), then SIGKILL if stuck. */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** What the pid file of an app-started redis-server records. */
export interface LocalRedisRecord {
  /** The redis-server process. */
  redisPid: number;
  port: number;
  /** The `wellness serve` process that started it and stops it on exit. */
  ownerPid: number;
}

/** The pid file of the local redis-server that `wellness serve` starts, inside its data directory. */
export function localRedisPidFile(dir: string): string {
  return join(resolve(dir), "wellness-redis.pid");
}

/** Whether a process with this id exists (signal 0 checks without signalling). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Writes the pid file (JSON), replacing any previous one. */
export function writeLocalRedisRecord(dir: string, record: LocalRedisRecord): void {
  writeFileSync(localRedisPidFile(dir), `${JSON.stringify(record)}\n`);
}

/** The pid file's record, or undefined when there is none or it is not one this app wrote. */
export function readLocalRedisRecord(dir: string): LocalRedisRecord | undefined {
  let text: string;
  try {
    text = readFileSync(localRedisPidFile(dir), "utf8");
  } catch {
    return undefined;
  }
  try {
    const value = JSON.parse(text) as Partial<LocalRedisRecord>;
    const whole = (n: unknown): n is number => typeof n === "number" && Number.isInteger(n) && n > 0;
    return whole(value.redisPid) && whole(value.port) && whole(value.ownerPid) ? { redisPid: value.redisPid, port: value.port, ownerPid: value.ownerPid } : undefined;
  } catch {
    return undefined;
  }
}

/** Removes the pid file if it still names this redis-server (another process may have replaced it). */
export function removeLocalRedisRecord(dir: string, redisPid: number): void {
  if (readLocalRedisRecord(dir)?.redisPid === redisPid) rmSync(localRedisPidFile(dir), { force: true });
}

/**
 * Stops a redis-server this process did not spawn (one adopted from a crashed `wellness serve`):
 * SIGTERM, which makes Redis flush its AOF and exit, then SIGKILL if it is still there.
 */
export async function stopRedisPid(pid: number, timeoutMs = 10_000): Promise<void> {
  if (!processAlive(pid)) return;
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + timeoutMs;
  while (processAlive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, "SIGKILL");
      return;
    }
    await new Promise((wait) => setTimeout(wait, 50));
  }
}
