import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { writeSyntheticExport } from "../../src/health/synthetic/generator.js";
import { wellness } from "../support/cli.js";
import { KeySchema } from "../../src/redis/keys.js";
import { connectTestRedis, uniquePrefix, deletePrefix, type TestConnection } from "../support/redis.js";

const root = new URL("../../", import.meta.url).pathname;


describe("wellness import and reindex", () => {
  let dir: string;
  let test: TestConnection;
  const prefix = uniquePrefix("cli-import");

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "wellness-cli-import-"));
    test = await connectTestRedis();
  });

  afterAll(async () => {
    await deletePrefix(test.client, prefix);
    await test.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it("imports a generated 50 MB export with the V8 heap capped at 96 MB, and prints the summary as JSON", async () => {
    const path = join(dir, "export.xml");
    const generated = await writeSyntheticExport(path, { seed: 3, bytes: 50e6 });
    const env = { REDIS_URL: inject("redisUrl"), REDIS_KEY_PREFIX: prefix, NODE_OPTIONS: "--max-old-space-size=96" };
    const result = await wellness(["import", path, "--user", "big", "--json"], env);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as { records: number; bytes: number; workouts: number; sleepNights: number; metrics: number };
    expect(summary.bytes).toBe(generated.bytes);
    expect(summary.records).toBeGreaterThan(100_000);
    expect(summary.sleepNights).toBeGreaterThanOrEqual(generated.days);
    expect(summary.metrics).toBeGreaterThanOrEqual(12);
    const events = await test.client.xRange(new KeySchema(prefix).eventsLog("big"), "-", "+");
    const types = events.map((entry) => entry.message.type);
    expect(types[0]).toBe("import.started");
    expect(types.at(-1)).toBe("import.finished");
    expect(types).toContain("import.progress");

    await test.client.unlink(`${prefix}health:user:{big}:metric:{StepCount}`);
    const reindex = await wellness(["reindex", "--user", "big", "--json"], env);
    expect(reindex.code).toBe(0);
    expect(JSON.parse(reindex.stdout)).toMatchObject({ userId: "big", workouts: summary.workouts, sleepNights: summary.sleepNights });
    expect(await test.client.exists(`${prefix}health:user:{big}:metric:{StepCount}`)).toBe(1);
  });

  it("gives the import lock back at once when the import is interrupted with Ctrl-C", async () => {
    const path = join(dir, "interrupted.xml");
    await writeSyntheticExport(path, { seed: 5, bytes: 40e6 });
    const lock = `${prefix}lock:{import}:{ctrlc}`;
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "import", path, "--user", "ctrlc", "--json"], {
      cwd: root,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", REDIS_URL: inject("redisUrl"), REDIS_KEY_PREFIX: prefix },
      stdio: "ignore",
    });
    const exited = once(child, "exit");
    let held = false;
    for (let attempt = 0; attempt < 600 && !held; attempt++) {
      held = (await test.client.exists(lock)) === 1;
      if (!held) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(held).toBe(true);
    expect(await test.client.pTTL(lock)).toBeLessThanOrEqual(30_000);
    child.kill("SIGINT");
    const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
    expect(code === 0 ? "finished first" : signal).toBe("SIGINT");
    expect(await test.client.exists(lock)).toBe(0);
  }, 120_000);

  it("prints the summary table without --json", async () => {
    const result = await wellness(["import", join(root, "test/fixtures/apple-health/healthkit-to-sqlite/tests_export.xml"), "--user", "table"], {
      REDIS_URL: inject("redisUrl"),
      REDIS_KEY_PREFIX: prefix,
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^user\s+table$/mu);
    expect(result.stdout).toMatch(/^workouts\s+1$/mu);
    expect(result.stdout).toMatch(/^date range\s+2016-04-18 to 2018-09-10$/mu);
    expect(result.stdout).toMatch(/records by type:\n\s+ActivitySummary\s+2/u);
  });

  it("exits non-zero with one clear line, no stack trace, for a bad file or an unknown user", async () => {
    const missing = await wellness(["import", join(dir, "nope.zip")], { REDIS_URL: inject("redisUrl"), REDIS_KEY_PREFIX: prefix });
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toMatch(/^Cannot read .*nope\.zip: give the path of export\.zip or export\.xml/u);
    expect(missing.stderr).not.toMatch(/\n\s+at /u);
    const reindex = await wellness(["reindex", "--user", "nobody"], { REDIS_URL: inject("redisUrl"), REDIS_KEY_PREFIX: prefix });
    expect(reindex.code).toBe(1);
    expect(reindex.stderr).toMatch(/User nobody has no imported health data; run wellness import/);
  });
});

describe("import output", () => {
  it("draws a progress line with percent, megabytes, records per second and time left", async () => {
    const { progressLine } = await import("../../src/cli/import.js");
    expect(progressLine({ bytesRead: 25e6, totalBytes: 100e6, records: 50_000, elapsedMs: 2_000 }, 20)).toBe(
      "[=====               ]  25% 25.0/100.0 MB  25,000 records/s  ETA 6s",
    );
    expect(progressLine({ bytesRead: 0, totalBytes: 0, records: 0, elapsedMs: 0 }, 4)).toBe("[    ]   0% 0.0/0.0 MB  0 records/s  ETA 0s");
  });
});
