/**
 * What the turn benchmarks (bench/turn.ts, bench/turn-ab.ts, bench/runtime-calls.ts) share: a
 * private Redis holding the synthetic export, a bench server (bench/turn-server.ts of a checkout)
 * spoken to over IPC, one chat turn over HTTP, and medians.
 */
import { fork, type ChildProcess } from "node:child_process";
import { Agent, request as httpRequest } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeSyntheticExport } from "../src/health/synthetic/generator.js";
import { closeRedis, connectRedis, importExport, KeySchema, RedisServerProcess, type RedisClient } from "../src/index.js";

export type Mode = "stateful" | "stateless";

export function median(values: number[]): number {
  return percentile(values, 50);
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

/** The user whose data the turn benchmarks ask about. */
export const BENCH_USER = "bench";

/**
 * A private Redis server in a temporary directory, holding one synthetic export (seed 7, 3 MB,
 * ending today) imported for {@link BENCH_USER} under each of `prefixes`.
 */
export class BenchRedis {
  private constructor(
    private readonly server: RedisServerProcess,
    readonly client: RedisClient,
    private readonly dir: string,
  ) {}

  static async start(name: string, prefixes: readonly string[]): Promise<BenchRedis> {
    const dir = mkdtempSync(join(tmpdir(), `wellness-bench-${name}-`));
    const server = await RedisServerProcess.start({ port: 20_000 + Math.floor(Math.random() * 20_000), dir });
    const bench = new BenchRedis(server, await connectRedis({ url: server.url }), dir);
    try {
      const exportPath = join(dir, "export.xml");
      await writeSyntheticExport(exportPath, { seed: 7, bytes: 3_000_000, endDate: new Date().toISOString().slice(0, 10) });
      for (const prefix of prefixes) await importExport({ client: bench.client, keys: new KeySchema(prefix), userId: BENCH_USER, path: exportPath, indexTtlSeconds: 3600 });
    } catch (error) {
      await bench.stop();
      throw error;
    }
    return bench;
  }

  get url(): string {
    return this.server.url;
  }

  async stop(): Promise<void> {
    await closeRedis(this.client);
    await this.server.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A bench server process (this checkout's, or the one `checkout` names), spoken to over IPC. */
export class ServerProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {}

  static async start(env: Record<string, string>, checkout?: string): Promise<ServerProcess> {
    const free = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const script = checkout === undefined ? new URL("./turn-server.ts", import.meta.url).pathname : join(checkout, "bench", "turn-server.ts");
    const child = fork(script, [], {
      ...(checkout === undefined ? {} : { cwd: checkout }),
      env: { ...process.env, ...env, BENCH_SERVER_PORT: String(free) },
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const port = await new Promise<number>((resolve, reject) => {
      child.once("message", (message: { port: number }) => resolve(message.port));
      child.once("exit", (code) => reject(new Error(`the bench server exited (${code})`)));
    });
    return new ServerProcess(child, port);
  }

  ask<T>(request: object): Promise<T> {
    return new Promise((resolve) => {
      this.child.once("message", (reply: T) => resolve(reply));
      this.child.send(request);
    });
  }

  async cpuMs(): Promise<number> {
    return (await this.ask<{ ms: number }>({ type: "cpu" })).ms;
  }

  /** Server CPU ms per turn while `work` runs `turns` turns, the after-turn work they leave drained. */
  async cpuPerTurn(turns: number, work: () => Promise<unknown>): Promise<number> {
    const before = await this.cpuMs();
    await work();
    await this.ask({ type: "drain" });
    return ((await this.cpuMs()) - before) / turns;
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    await this.ask({ type: "stop" });
    await exited;
  }
}

/**
 * Keeps the benchmark's connections open between turns, as a browser does. A plain node:http
 * client: the benchmark shares the machine's two cores with the server, and `fetch` (undici, web
 * streams) took the client 4.3 ms of CPU per turn where this takes 2.0 (session 11's machine),
 * time taken from the server in the parallel runs. An idle connection is closed after 2 s, before
 * the server's keep-alive timeout (5 s) closes it under a request.
 */
const connections = new Agent({ keepAlive: true, timeout: 2_000 });

/** One attempt at a turn: the response's text, or the failure and whether it came on a kept-alive connection before any response. */
function post(port: number, mode: Mode, body: string): Promise<{ status: number | undefined; text: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: "127.0.0.1", port, path: `/api/chat/${mode}/stream`, method: "POST", agent: connections, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          text += chunk;
        });
        response.on("error", reject);
        response.on("end", () => resolve({ status: response.statusCode, text }));
      },
    );
    request.on("error", (error: NodeJS.ErrnoException) => reject(Object.assign(error, { staleConnection: request.reusedSocket && error.code === "ECONNRESET" })));
    request.end(body);
  });
}

/** One turn over HTTP: the milliseconds until the `done` event (throws on an `error` event). */
export async function turn(port: number, mode: Mode, message: string, sessionId?: string): Promise<number> {
  const body = JSON.stringify({ message, ...(sessionId ? { session_id: sessionId } : {}) });
  const started = performance.now();
  // A kept-alive connection the server closed as the request went out: sent again on a new one,
  // as Node's documentation advises (the server saw no request on it).
  const { status, text } = await post(port, mode, body).catch((error: Error & { staleConnection?: boolean }) => {
    if (error.staleConnection) return post(port, mode, body);
    throw error;
  });
  const elapsed = performance.now() - started;
  if (!text.includes("event: done")) throw new Error(`${mode} turn failed (HTTP ${status}): ${text.slice(0, 300)}`);
  return elapsed;
}
