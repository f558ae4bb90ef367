/**
 * Apple Health import benchmark. On generated exports (200 MB and 1 GB by default) it measures,
 * side by side in one run: Python's C expat parser counting elements with a no-op callback (the
 * reference), this project's reader alone (scan and walk in one thread, counting records), and the
 * whole import into Redis (parse split over this thread and a worker, aggregate, write, swap, index). Each run is its
 * own process, so peak RSS is that run's own; the project's runs use the compiled build in plain
 * Node (what `wellness import` runs: no tsx, only the modules the run uses), so the script first
 * compiles it. Runs alternate and repeat, and the table gives medians and each row's speed as a
 * ratio of expat's. Writes its table to docs/benchmarks.md.
 *
 *   npm run bench:import
 *
 * Settings (environment): BENCH_IMPORT_SIZES (default "200MB,1GB"), BENCH_IMPORT_REPEAT
 * (default 3). Without python3 the expat row is skipped, and the table says so.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { machineDescription, versionOf, writeBenchmarkSection } from "./report.js";

type Mode = "expat" | "parse" | "import";

interface RunResult {
  mode: Mode;
  seconds: number;
  bytes: number;
  records: number;
  peakRssMb: number;
  /** Creating and connecting the Redis client, before the clock (import runs only). */
  connectMs?: number;
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

/**
 * One measured run of the project's code, in a plain Node process on the compiled build, printed
 * as JSON. Modules load, and the import's Redis client connects, before the clock starts (as in
 * the server, whose client is connected long before an import); the connection's time is printed
 * beside. Peak RSS is the kernel's high-water mark.
 */
const CHILD_SCRIPT = `
import { createReadStream, readFileSync } from "node:fs";
const [dist, mode, path, redisUrl] = process.argv.slice(1);
const [{ readExport }, { closeRedis, connectRedis }, { KeySchema }, { importExport }] = await Promise.all(
  ["health/import/reader.js", "redis/client.js", "redis/keys.js", "health/import/importer.js"].map((module) => import(new URL(module, dist).href)),
);
let started = performance.now();
let bytes;
let records = 0;
let connectMs = 0;
if (mode === "parse") {
  const count = () => void (records += 1);
  const none = () => undefined;
  ({ bytes } = await readExport(createReadStream(path, { highWaterMark: 1 << 20 }), {
    exportDate: none, me: none, sample: count, record: count, correlatedRecord: none, workout: count, activitySummary: count,
  }));
} else {
  const redis = await connectRedis({ url: redisUrl });
  connectMs = performance.now() - started;
  started = performance.now();
  try {
    const summary = await importExport({ client: redis, keys: new KeySchema("bench:"), userId: "bench", path, indexTtlSeconds: 3600 });
    ({ bytes, records } = summary);
  } finally {
    await closeRedis(redis);
  }
}
const seconds = (performance.now() - started) / 1000;
const peak = /VmHWM:\\s+(\\d+) kB/u.exec(readFileSync("/proc/self/status", "utf8"));
const peakRssMb = peak ? Number(peak[1]) / 1024 : process.memoryUsage().rss / 2 ** 20;
process.stdout.write(JSON.stringify({ mode, seconds, bytes, records, peakRssMb, connectMs }));
`;

const DIST = new URL("../dist/", import.meta.url).href;

function measure(mode: Mode, path: string, redisUrl: string, expatScript: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const run =
      mode === "expat"
        ? spawn("python3", [expatScript, path], { stdio: ["ignore", "pipe", "inherit"] })
        : spawn(process.execPath, ["--input-type=module", "-e", CHILD_SCRIPT, DIST, mode, path, redisUrl], { stdio: ["ignore", "pipe", "inherit"] });
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
  import: "end-to-end import into Redis (parse on two threads)",
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
  const connects: number[] = [];
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
      connects.push(...(results.get("import") ?? []).map((run) => run.connectMs ?? 0));
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
      "Each run is its own process, so peak RSS (the kernel's high-water mark) is that run's alone; the project's runs use the compiled build in plain Node, as `wellness import` does (no tsx; only the modules the run uses); the three kinds of run alternate, round after round, so they share the machine's conditions, and the table gives the median of the rounds. " +
      "The ratio is each row's median speed over expat's in the same run: it is what to compare across machines, not the MB/s. " +
      "Records: expat counts every start tag (MetadataEntry, HRV beats, ...); the reader counts Records, Workouts and ActivitySummaries; the import counts what it stored by type. " +
      `The import's clock starts with its Redis client connected, as in the server; creating and connecting the client in a fresh process took ${median(connects).toFixed(0)} ms more (median), mostly node-redis building its client. ` +
      (modes.includes("expat") ? "" : "python3 is not installed here, so the expat reference row is skipped."),
    "",
    "| export | run | MB/s (median) | x expat | records | seconds (median) | MB/s per round | peak RSS MB |",
    "|---|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
  process.stdout.write(`${body}\n`);
  writeBenchmarkSection("## Apple Health import (`npm run bench:import`)", body);
}

await main();
