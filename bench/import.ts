/**
 * Apple Health import benchmark. On generated exports (200 MB and 1 GB by default) it measures,
 * side by side in one run: Python's C expat parser counting elements with a no-op callback (the
 * reference), this project's reader alone (scan and walk in one thread, counting records), and the
 * whole import into Redis (parse in a worker thread, aggregate, write, swap, index). Each run is its
 * own process, so peak RSS is that run's own; runs alternate and repeat, and the table gives
 * medians and each row's speed as a ratio of expat's. Writes its table to docs/benchmarks.md.
 *
 *   npm run bench:import
 *
 * Settings (environment): BENCH_IMPORT_SIZES (default "200MB,1GB"), BENCH_IMPORT_REPEAT
 * (default 3). Without python3 the expat row is skipped, and the table says so.
 */
import { spawn } from "node:child_process";
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ExportSink } from "../src/health/import/reader.js";
import { machineDescription, versionOf, writeBenchmarkSection } from "./report.js";

type Mode = "expat" | "parse" | "import";

interface RunResult {
  mode: Mode;
  seconds: number;
  bytes: number;
  records: number;
  peakRssMb: number;
}

/** Python's expat with a no-op start-element callback that counts: the C parser's own speed. */
const EXPAT_SCRIPT = `
import json, resource, sys, time, xml.parsers.expat
count = 0
def start(name, attributes):
    global count
    count += 1
parser = xml.parsers.expat.ParserCreate()
parser.StartElementHandler = start
started = time.perf_counter()
size = 0
with open(sys.argv[1], "rb") as source:
    while True:
        block = source.read(1 << 20)
        if not block:
            break
        size += len(block)
        parser.Parse(block, False)
parser.Parse(b"", True)
seconds = time.perf_counter() - started
print(json.dumps({"mode": "expat", "seconds": seconds, "bytes": size, "records": count, "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
`;

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

/**
 * Runs inside a child process: one measurement, printed as JSON. It loads only the modules that
 * run (as `wellness import` does), so peak RSS is the import's, not the whole library's.
 */
async function child(mode: "parse" | "import", path: string, redisUrl: string): Promise<void> {
  const [{ readExport }, { closeRedis, connectRedis }, { KeySchema }, { importExport }] = await Promise.all([
    import("../src/health/import/reader.js"),
    import("../src/redis/client.js"),
    import("../src/redis/keys.js"),
    import("../src/health/import/importer.js"),
  ]);
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
    ({ bytes } = await readExport(createReadStream(path, { highWaterMark: 1 << 20 }), counter));
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

function measure(mode: Mode, path: string, redisUrl: string, expatScript: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const run =
      mode === "expat"
        ? spawn("python3", [expatScript, path], { stdio: ["ignore", "pipe", "inherit"] })
        : spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--child", mode, path, redisUrl], { stdio: ["ignore", "pipe", "inherit"] });
    let output = "";
    run.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    run.once("error", reject);
    run.once("exit", (code) => (code === 0 ? resolve(JSON.parse(output) as RunResult) : reject(new Error(`${mode} run exited with ${code}`))));
  });
}

function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(MB|GB)$/iu.exec(text.trim());
  if (!match) throw new Error(`bad size ${text}: use e.g. 200MB or 1GB`);
  return Number(match[1]) * ((match[2] ?? "MB").toUpperCase() === "GB" ? 1e9 : 1e6);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

const LABELS: Record<Mode, string> = {
  expat: "Python expat, parse only (reference)",
  parse: "reader alone (scan + walk, one thread)",
  import: "end-to-end import into Redis (worker parse)",
};

async function main(): Promise<void> {
  const { closeRedis, connectRedis, RedisServerProcess } = await import("../src/redis/index.js");
  const { serverInfo } = await import("../src/redis/health.js");
  const { writeSyntheticExport } = await import("../src/health/synthetic/generator.js");
  const sizes = (process.env.BENCH_IMPORT_SIZES ?? "200MB,1GB").split(",").map((size) => size.trim());
  const repeat = Math.max(1, Number(process.env.BENCH_IMPORT_REPEAT ?? 3));
  const python = versionOf("python3", ["--version"]);
  const modes: Mode[] = python === "not installed" ? ["parse", "import"] : ["expat", "parse", "import"];
  const dir = mkdtempSync(join(tmpdir(), "wellness-bench-import-"));
  const expatScript = join(dir, "expat_count.py");
  writeFileSync(expatScript, EXPAT_SCRIPT);
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
      const results = new Map<Mode, RunResult[]>(modes.map((mode) => [mode, []]));
      for (let round = 0; round < repeat; round++) {
        for (const mode of modes) {
          process.stderr.write(`${size} round ${round + 1}/${repeat}: ${mode}...\n`);
          results.get(mode)?.push(await measure(mode, path, server.url, expatScript));
        }
      }
      const mbps = (result: RunResult) => result.bytes / 1e6 / result.seconds;
      const reference = results.get("expat");
      const referenceSpeed = reference && reference.length > 0 ? median(reference.map(mbps)) : undefined;
      for (const mode of modes) {
        const runs = results.get(mode) ?? [];
        const speed = median(runs.map(mbps));
        const seconds = median(runs.map((run) => run.seconds));
        const records = runs[0]?.records ?? 0;
        rows.push(
          `| ${size} (${(generated.bytes / 1e6).toFixed(0)} MB, ${generated.days} days) | ${LABELS[mode]} | ${speed.toFixed(1)} | ` +
            `${referenceSpeed ? `${(speed / referenceSpeed).toFixed(2)}x` : "n/a"} | ${records.toLocaleString("en-US")} | ${seconds.toFixed(1)} | ` +
            `${runs.map((run) => mbps(run).toFixed(0)).join(" / ")} | ${Math.max(...runs.map((run) => run.peakRssMb)).toFixed(0)} |`,
        );
      }
      rmSync(path, { force: true });
    }
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const body = [
    `${machineDescription()}, ${python}, redis-server ${redisVersion} (private, loopback, no persistence). ` +
      `Command: \`npm run bench:import\` (BENCH_IMPORT_SIZES=${sizes.join(",")}, BENCH_IMPORT_REPEAT=${repeat}).`,
    "",
    "Generated exports (`wellness generate-export`, seed 42): iPhone and Watch steps, distance and energy, heart rate every 2 minutes, HRV, sleep stages from two sources, workouts, blood-pressure correlations, daylight-saving and travel offsets. " +
      "Each run is its own process, so peak RSS (the kernel's high-water mark) is that run's alone; the three kinds of run alternate, round after round, so they share the machine's conditions, and the table gives the median of the rounds. " +
      "The ratio is each row's median speed over expat's in the same run: it is what to compare across machines, not the MB/s. " +
      "Records: expat counts every start tag (MetadataEntry, HRV beats, ...); the reader counts Records, Workouts and ActivitySummaries; the import counts what it stored by type. " +
      (modes.includes("expat") ? "" : "python3 is not installed here, so the expat reference row is skipped."),
    "",
    "| export | run | MB/s (median) | x expat | records | seconds (median) | MB/s per round | peak RSS MB |",
    "|---|---|---|---|---|---|---|---|",
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
