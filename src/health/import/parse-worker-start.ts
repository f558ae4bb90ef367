/**
 * Starting the parse worker (parse-worker.ts) beside the reader's module. A worker inherits its
 * parent's Node options, and some of them stop it before it runs a line: so it gets the parent's
 * options without those, and a host process started in an unusual way still parses on two threads.
 */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";

/**
 * Node options a worker refuses: `--input-type` (given to a process run as `node
 * --input-type=module -e ...`) is only allowed with string input, and a worker given a file fails
 * with ERR_INPUT_TYPE_NOT_ALLOWED, which would leave the whole parse in one thread.
 */
const REFUSED_WITH_VALUE = new Set(["--input-type"]);

/** The parent's Node options that a worker accepts: `execArgv` without the refused ones (and their values). */
export function workerExecArgv(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let index = 0; index < execArgv.length; index++) {
    const option = execArgv[index] as string;
    const name = option.split("=", 1)[0] as string;
    if (!REFUSED_WITH_VALUE.has(name)) kept.push(option);
    else if (!option.includes("=")) index += 1;
  }
  return kept;
}

/**
 * Starts the parse worker: the compiled JavaScript beside this module, or, when running from the
 * TypeScript sources (tests, benchmarks), the .ts file with tsx's loader registered first.
 */
export function startParseWorker(): Worker {
  const here = import.meta.url;
  const execArgv = workerExecArgv(process.execArgv);
  if (!here.endsWith(".ts")) return new Worker(new URL("./parse-worker.js", here), { execArgv });
  const tsx = createRequire(here).resolve("tsx/esm/api").replace(/\.cjs$/u, ".mjs");
  const script = new URL("./parse-worker.ts", here).href;
  return new Worker(`import(${JSON.stringify(pathToFileURL(tsx).href)}).then((api) => { api.register(); return import(${JSON.stringify(script)}); });`, {
    eval: true,
    execArgv,
  });
}
