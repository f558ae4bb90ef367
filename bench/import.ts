/**
 * Apple Health import benchmark: on generated exports (100 MB and 1 GB by default), the reader
 * alone (parse-only, the practical ceiling) and the whole import into Redis, each in its own
 * process so peak RSS is that run's own. Writes its table to docs/benchmarks.md.
 *
 *   npm run bench:import
 *
 * Settings (environment): BENCH_IMPORT_SIZES (default "100MB,1GB").
 */
import { spawn } from "node:child_process";
import { createReadStream, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { closeRedis, connectRedis, KeySchema, RedisServerProcess } from "../src/index.js";
import { importExport } from "../src/health/import/importer.js";
import { readExport, type ExportSink } from "../src/health/import/reader.js";
import { writeSyntheticExport } from "../src/health/synthetic/generator.js";
import { serverInfo } from "../src/redis/health.js";
import { machineDescription, writeBenchmarkSection } from "./report.js";

interface RunResult {
  mode: "parse" | "import";
  seconds: number;
  bytes: number;
  records: number;
  peakRssMb: number;
}

/** Peak resident set size of this process so far, from the kernel's high-water mark. */
function peakRssMb(): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/u.exec(readFileSync("/proc/self/status", "utf8"));
    if (match) return Number(match[1]) / 1024;
  } catch {
    // Not Linux: fall back to the current RSS.
  }
  return process.memoryUsage().rss / 2 ** 20;
}

/** Runs inside a child process: one measurement, printed as JSON. */
async function child(mode: "parse" | "import", path: string, redisUrl: string): Promise<void> {
  const started = performance.now();
  let bytes: number;
  let records: number;
  if (mode === "parse") {
    let count = 0;
    const counter: ExportSink = {
      exportDate: () => undefined,
      me: () => undefined,
      sample: () => void (count += 1),
      record: () => void (count += 1),
      correlatedRecord: () => undefined,
      workout: () => void (count += 1),
      activitySummary: () => void (count += 1),
    };
    ({ bytes } = await readExport(createReadStream(path, { highWaterMark: 64 * 1024 }), counter));
    records = count;
  } else {
    const redis = await connectRedis({ url: redisUrl });
    try {
      const summary = await importExport({ client: redis, keys: new KeySchema("bench:"), userId: "bench", path, indexTtlSeconds: 3600 });
      bytes = summary.bytes;
      records = summary.records;
    } finally {
      await closeRedis(redis);
    }
  }
  const result: RunResult = { mode, seconds: (performance.now() - started) / 1000, bytes, records, peakRssMb: peakRssMb() };
  process.stdout.write(JSON.stringify(result));
}

function measure(mode: "parse" | "import", path: string, redisUrl: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const script = fileURLToPath(import.meta.url);
    const run = spawn(process.execPath, ["--import", "tsx", script, "--child", mode, path, redisUrl], { stdio: ["ignore", "pipe", "inherit"] });
    let output = "";
    run.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    run.once("exit", (code) => (code === 0 ? resolve(JSON.parse(output) as RunResult) : reject(new Error(`${mode} run exited with ${code}`))));
  });
}

function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(MB|GB)$/iu.exec(text.trim());
  if (!match) throw new Error(`bad size ${text}: use e.g. 100MB or 1GB`);
  return Number(match[1]) * ((match[2] ?? "MB").toUpperCase() === "GB" ? 1e9 : 1e6);
}

async function main(): Promise<void> {
  const sizes = (process.env.BENCH_IMPORT_SIZES ?? "100MB,1GB").split(",").map((size) => size.trim());
  const dir = mkdtempSync(join(tmpdir(), "wellness-bench-import-"));
  const server = await RedisServerProcess.start({ port: 20_000 + Math.floor(Math.random() * 20_000), dir: join(dir, "redis") });
  const rows: string[] = [];
  let redisVersion = "unknown";
  try {
    const redis = await connectRedis({ url: server.url });
    redisVersion = (await serverInfo(redis)).version;
    await closeRedis(redis);
    for (const size of sizes) {
      const path = join(dir, `export-${size}.xml`);
      process.stderr.write(`generating ${size}...\n`);
      const generated = await writeSyntheticExport(path, { seed: 42, bytes: parseSize(size) });
      for (const mode of ["parse", "import"] as const) {
        process.stderr.write(`${mode} ${size}...\n`);
        const result = await measure(mode, path, server.url);
        rows.push(
          `| ${size} (${(generated.bytes / 1e6).toFixed(0)} MB, ${generated.days} days) | ${mode === "parse" ? "reader only (parse)" : "end-to-end import into Redis"} | ` +
            `${(result.bytes / 1e6 / result.seconds).toFixed(1)} | ${Math.round(result.records / result.seconds).toLocaleString("en-US")} | ` +
            `${result.records.toLocaleString("en-US")} | ${result.seconds.toFixed(1)} | ${result.peakRssMb.toFixed(0)} |`,
        );
      }
      rmSync(path, { force: true });
    }
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const body = [
    `${machineDescription()}, redis-server ${redisVersion} (private, loopback, no persistence).`,
    "",
    "Generated exports (`wellness generate-export`, seed 42): iPhone and Watch steps, distance and energy, heart rate every 2 minutes, HRV, sleep stages from two sources, workouts, blood-pressure correlations, daylight-saving and travel offsets. " +
      "Each run is its own process (`node --import tsx`), so peak RSS (the kernel's VmHWM) is that run's alone. " +
      "Parse = the streaming reader alone, counting elements; end-to-end = read, aggregate, write the permanent data to staging keys, swap it in, rebuild the indexes.",
    "",
    "| export | run | MB/s | records/s | records | seconds | peak RSS MB |",
    "|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
  process.stdout.write(`${body}\n`);
  writeBenchmarkSection("## Apple Health import (`npm run bench:import`)", body);
}

const [flag, mode, path, redisUrl] = process.argv.slice(2);
if (flag === "--child" && (mode === "parse" || mode === "import") && path && redisUrl) {
  await child(mode, path, redisUrl);
} else {
  await main();
}
