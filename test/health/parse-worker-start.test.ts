import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { workerExecArgv } from "../../src/health/import/parse-worker-start.js";

describe("workerExecArgv", () => {
  it("drops --input-type, in either spelling, and keeps every other option", () => {
    expect(workerExecArgv(["--input-type=module", "-e", "code"])).toEqual(["-e", "code"]);
    expect(workerExecArgv(["--enable-source-maps", "--input-type", "commonjs", "--import", "tsx"])).toEqual(["--enable-source-maps", "--import", "tsx"]);
    expect(workerExecArgv(["--max-old-space-size=512"])).toEqual(["--max-old-space-size=512"]);
  });

  it("lets a file worker start in a process run as node --input-type=module -e, where the inherited options stop it", () => {
    const dir = mkdtempSync(join(tmpdir(), "wellness-worker-argv-"));
    try {
      const file = join(dir, "worker.mjs");
      writeFileSync(file, 'import { parentPort } from "node:worker_threads";\nparentPort.postMessage("started");\n');
      const host = (execArgv: string) =>
        `import { Worker } from "node:worker_threads";
const worker = new Worker(new URL(${JSON.stringify(pathToFileURL(file).href)}), { execArgv: ${execArgv} });
worker.once("message", (message) => { console.log(message); void worker.terminate(); });
worker.once("error", (error) => console.log(error.code));`;
      const run = (execArgv: string) => spawnSync(process.execPath, ["--input-type=module", "-e", host(execArgv)], { encoding: "utf8" }).stdout.trim();
      expect(run("process.execArgv")).toBe("ERR_INPUT_TYPE_NOT_ALLOWED");
      expect(run(JSON.stringify(workerExecArgv(["--input-type=module"])))).toBe("started");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
