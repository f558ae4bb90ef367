/**
 * What the turn benchmarks (bench/turn.ts, bench/turn-ab.ts) share: a bench server
 * (bench/turn-server.ts of a checkout) spoken to over IPC, one chat turn over HTTP, and medians.
 */
import { fork, type ChildProcess } from "node:child_process";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";

export type Mode = "stateful" | "stateless";

export function median(values: number[]): number {
  return percentile(values, 50);
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
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

/** One turn over HTTP: the milliseconds until the `done` event (throws on an `error` event). */
export async function turn(port: number, mode: Mode, message: string, sessionId?: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(`http://127.0.0.1:${port}/api/chat/${mode}/stream`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ message, ...(sessionId ? { session_id: sessionId } : {}) }),
  });
  const body = await response.text();
  const elapsed = performance.now() - started;
  if (!body.includes("event: done")) throw new Error(`${mode} turn failed: ${body.slice(0, 300)}`);
  return elapsed;
}
