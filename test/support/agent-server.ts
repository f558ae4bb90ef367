import { spawn, type ChildProcess } from "node:child_process";
import { freePort } from "./ports.js";

const root = new URL("../../", import.meta.url).pathname;

export interface RunningServe {
  url: string;
  child: ChildProcess;
  output: () => string;
  /** SIGTERM, then SIGKILL after 5 s; resolves when the process has exited. */
  stop: () => Promise<void>;
}

/**
 * Starts `wellness serve` from source on a free port with a controlled environment (nothing
 * inherited but PATH and HOME) and waits until it listens: with `--config <file>` when a
 * langgraph.json is given, else the app itself (then `args` usually name a `--model-module`).
 */
export async function startServe(config: string | undefined, env: Record<string, string>, timeoutMs = 60_000, args: string[] = []): Promise<RunningServe> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "serve", ...(config === undefined ? [] : ["--config", config]), ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", PORT: String(port), REDIS_LOCAL_AUTOSTART: "false", LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  child.stdout?.on("data", (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wellness serve exited (${child.exitCode}):\n${text}`);
    const ok = await fetch(`${url}/info`).then((response) => response.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`wellness serve did not answer /info within ${timeoutMs} ms:\n${text}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    url,
    child,
    output: () => text,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
