import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const root = new URL("../../", import.meta.url).pathname;
/** tsx's loader by absolute URL, so the command also runs from another working directory. */
const tsxLoader = pathToFileURL(join(root, "node_modules/tsx/dist/loader.mjs")).href;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the `wellness` command from source in a child process with a controlled environment
 * (nothing inherited but PATH and HOME), feeding `input` on stdin, and collects its output. It runs
 * in the project's directory unless `cwd` names another (where a `.env` may wait).
 */
export function wellness(args: string[], env: Record<string, string>, input = "", cwd = root): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", tsxLoader, join(root, "src/cli/main.ts"), ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** A long-running `wellness` command (such as `serve`) whose output is collected as it comes. */
export interface RunningCli {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the first match of `pattern` in the output; throws if the process exits first or time runs out. */
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<RegExpExecArray>;
  exit: Promise<number | null>;
}

/**
 * Node options that make the process send itself `signal` synchronously the moment it writes a line
 * matching `pattern` to stderr: the earliest a parent waiting for that line could signal it, so a
 * command that announces readiness before it handles the signal dies by it every time, not once in
 * a while on a loaded machine.
 */
export function signalsItselfOn(pattern: RegExp, signal: NodeJS.Signals): string[] {
  const source = [
    `const pattern = new RegExp(${JSON.stringify(pattern.source)}, ${JSON.stringify(pattern.flags)});`,
    "const write = process.stderr.write.bind(process.stderr);",
    "process.stderr.write = (chunk, ...rest) => {",
    "  const written = write(chunk, ...rest);",
    `  if (pattern.test(String(chunk))) process.kill(process.pid, ${JSON.stringify(signal)});`,
    "  return written;",
    "};",
  ].join("\n");
  return ["--import", `data:text/javascript,${encodeURIComponent(source)}`];
}

/**
 * Starts the `wellness` command from source with a controlled environment (nothing inherited but
 * PATH and HOME); `nodeArgs` go to node before the command (see signalsItselfOn).
 */
export function startWellness(args: string[], env: Record<string, string>, defaultTimeoutMs = 20_000, nodeArgs: string[] = []): RunningCli {
  const child = spawn(process.execPath, [...nodeArgs, "--import", tsxLoader, join(root, "src/cli/main.ts"), ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  child.stdout.on("data", (chunk: Buffer) => (text += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (text += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const waitFor = async (pattern: RegExp, timeoutMs = defaultTimeoutMs) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const match = pattern.exec(text);
      if (match) return match;
      if (child.exitCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`output never matched ${pattern}:\n${text}`);
  };
  return { child, output: () => text, waitFor, exit };
}
