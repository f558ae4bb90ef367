/**
 * Checkpoint saver benchmark: one identical workload against RedisCheckpointSaver, MemorySaver
 * (the in-process ceiling), SqliteSaver on a file and PostgresSaver (when PostgreSQL answers),
 * in one process, side by side. Writes its table to docs/benchmarks.md.
 *
 *   npm run bench:checkpoint
 *
 * Settings (environment): BENCH_THREADS (default 50), BENCH_TURNS (10), BENCH_CONCURRENCY (16), BENCH_POSTGRES_URL
 * (default postgres://postgres@127.0.0.1:5432/postgres), BENCH_REDIS_URL (default: a private
 * redis-server this script starts and stops).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import {
  MemorySaver,
  emptyCheckpoint,
  uuid6,
  type BaseCheckpointSaver,
  type Checkpoint,
} from "@langchain/langgraph-checkpoint";
import type { RunnableConfig } from "@langchain/core/runnables";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import pg from "pg";
import { closeRedis, connectRedis, isCluster, KeySchema, RedisCheckpointSaver, RedisServerProcess, type RedisClient } from "../src/index.js";
import { pingLatency, serverInfo } from "../src/redis/health.js";
import { machineDescription, versionOf, writeBenchmarkSection } from "./report.js";
import { RoundTripCounter } from "./round-trips.js";

const THREADS = Number(process.env.BENCH_THREADS ?? 50);
const TURNS = Number(process.env.BENCH_TURNS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const OPERATIONS = ["put", "putWrites", "getTuple (latest)", "getTuple (by id)", "list (limit 10)"] as const;
type Operation = (typeof OPERATIONS)[number];

interface Subject {
  name: string;
  saver: BaseCheckpointSaver;
  close(): Promise<void>;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

class Timings {
  readonly samples = new Map<Operation, number[]>(OPERATIONS.map((operation) => [operation, []]));

  /** `measure` defaults to elapsed milliseconds; the round-trip pass counts round trips instead. */
  constructor(private readonly meter: { begin(): void; end(): number } = elapsed()) {}

  async time<T>(operation: Operation, run: () => Promise<T>): Promise<T> {
    this.meter.begin();
    const result = await run();
    this.samples.get(operation)?.push(this.meter.end());
    return result;
  }

  summary(operation: Operation): { count: number; opsPerSecond: number; p50: number; p99: number } {
    const values = [...(this.samples.get(operation) ?? [])].sort((a, b) => a - b);
    const total = values.reduce((sum, value) => sum + value, 0);
    return { count: values.length, opsPerSecond: (values.length / total) * 1000, p50: percentile(values, 50), p99: percentile(values, 99) };
  }
}

function elapsed(): { begin(): void; end(): number } {
  let start = 0n;
  return {
    begin: () => (start = process.hrtime.bigint()),
    end: () => Number(process.hrtime.bigint() - start) / 1e6,
  };
}

/** A conversation turn's new messages: the question, a tool call, its result, the answer. */
function turnMessages(turn: number): BaseMessage[] {
  const callId = `call_${turn}`;
  return [
    new HumanMessage(`Turn ${turn}: how did I sleep last week compared with the week before? ${"context ".repeat(10)}`),
    new AIMessage({ content: "", tool_calls: [{ id: callId, name: "get_sleep_analysis", args: { period: "last week" } }] }),
    new ToolMessage({
      tool_call_id: callId,
      content: JSON.stringify({ nights: Array.from({ length: 7 }, (_, night) => ({ night, asleepHours: 7.1, efficiency: 0.91 })) }),
    }),
    new AIMessage(`You slept 7.1 hours a night on average, ${"details ".repeat(20)}`),
  ];
}

/**
 * One thread: per turn three supersteps (input, agent, tools+answer), each a put with the grown
 * message list (only changed channels in newVersions) and the task's pending writes.
 */
async function runThread(saver: BaseCheckpointSaver, threadId: string, timings: Timings): Promise<string[]> {
  let config: RunnableConfig = { configurable: { thread_id: threadId, checkpoint_ns: "" } };
  const messages: BaseMessage[] = [];
  const ids: string[] = [];
  let version = 0;
  for (let turn = 0; turn < TURNS; turn++) {
    const fresh = turnMessages(turn);
    for (let step = 0; step < 3; step++) {
      messages.push(...(step === 2 ? fresh.slice(2) : [fresh[step] as BaseMessage]));
      version += 1;
      const checkpoint: Checkpoint = {
        ...emptyCheckpoint(),
        id: uuid6(-3),
        channel_values: { messages: [...messages], userId: "bench-user", turnStartedAt: 1_700_000_000_000 + turn },
        channel_versions: { messages: version, userId: 1, turnStartedAt: turn + 1 },
        versions_seen: { agent: { messages: version - 1 }, tools: { messages: version - 1 } },
      };
      const newVersions = step === 0 ? { messages: version, turnStartedAt: turn + 1, ...(turn === 0 ? { userId: 1 } : {}) } : { messages: version };
      const metadata = { source: "loop" as const, step: turn * 3 + step, parents: {} };
      config = await timings.time("put", () => saver.put(config, checkpoint, metadata, newVersions));
      ids.push(checkpoint.id);
      const taskId = uuid6(-3);
      await timings.time("putWrites", () =>
        saver.putWrites(config, [["messages", fresh.slice(step, step + 1)], ["branch:to:agent", null]], taskId, `~__pregel_pull, ${step === 1 ? "tools" : "agent"}`),
      );
    }
  }
  return ids;
}

const READ_REPEATS = 3;

/** One conversation: its writes, then repeated reads of its latest, a middle checkpoint and a page of history. */
async function conversation(subject: Subject, timings: Timings): Promise<void> {
  const thread = `bench-${randomBytes(6).toString("hex")}`;
  const ids = await runThread(subject.saver, thread, timings);
  const middle = ids[Math.floor(ids.length / 2)] ?? "";
  for (let repeat = 0; repeat < READ_REPEATS; repeat++) {
    const latest = await timings.time("getTuple (latest)", () => subject.saver.getTuple({ configurable: { thread_id: thread, checkpoint_ns: "" } }));
    if (latest?.checkpoint.id !== ids.at(-1)) throw new Error(`${subject.name}: latest checkpoint mismatch`);
    const byId = await timings.time("getTuple (by id)", () =>
      subject.saver.getTuple({ configurable: { thread_id: thread, checkpoint_ns: "", checkpoint_id: middle } }),
    );
    if (byId?.checkpoint.id !== middle) throw new Error(`${subject.name}: getTuple by id mismatch`);
    await timings.time("list (limit 10)", async () => {
      let count = 0;
      for await (const tuple of subject.saver.list({ configurable: { thread_id: thread } }, { limit: 10 })) count += tuple ? 1 : 0;
      if (count !== 10) throw new Error(`${subject.name}: list returned ${count}`);
    });
  }
}

/** Runs `count` conversations, `concurrency` at a time; returns the timings and the wall time. */
async function run(subject: Subject, count: number, concurrency: number, timings = new Timings()): Promise<{ timings: Timings; wallMs: number }> {
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next += 1;
        await conversation(subject, timings);
      }
    }),
  );
  return { timings, wallMs: Number(process.hrtime.bigint() - start) / 1e6 };
}

/** A meter for concurrent runs, where per-call latency overlaps: it only counts calls. */
const countOnly = { begin: () => undefined, end: () => 0 };

function totalOperations(timings: Timings): number {
  return [...timings.samples.values()].reduce((sum, samples) => sum + samples.length, 0);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "wellness-bench-"));
  const subjects: Subject[] = [];
  const notes: string[] = [];
  let server: RedisServerProcess | undefined;
  let redis: RedisClient | undefined;
  const prefix = `bench:${randomBytes(4).toString("hex")}:`;
  try {
    if (process.env.BENCH_REDIS_URL) {
      redis = await connectRedis({ url: process.env.BENCH_REDIS_URL });
    } else {
      server = await RedisServerProcess.start({ port: 20_000 + Math.floor(Math.random() * 20_000), dir: join(dir, "redis") });
      redis = await connectRedis({ url: server.url });
    }
    subjects.push({ name: "RedisCheckpointSaver", saver: new RedisCheckpointSaver(redis, { keys: new KeySchema(prefix) }), close: () => Promise.resolve() });
    subjects.push({ name: "MemorySaver", saver: new MemorySaver(), close: () => Promise.resolve() });
    const sqlite = SqliteSaver.fromConnString(join(dir, "checkpoints.sqlite"));
    subjects.push({ name: "SqliteSaver (file)", saver: sqlite, close: () => Promise.resolve() });

    const schema = `bench_${randomBytes(4).toString("hex")}`;
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 10, connectionTimeoutMillis: 2_000 });
    try {
      await pool.query("select 1");
      const postgres = new PostgresSaver(pool, undefined, { schema });
      await postgres.setup();
      subjects.push({
        name: "PostgresSaver",
        saver: postgres,
        close: async () => {
          await pool.query(`drop schema if exists ${schema} cascade`);
          await pool.end();
        },
      });
    } catch (error) {
      notes.push(`PostgresSaver skipped: no PostgreSQL answered at ${POSTGRES_URL} (${(error as Error).message}). On Debian, apt-get install postgresql gives one.`);
      await pool.end().catch(() => undefined);
    }

    const pingP50 = await pingLatency(redis, 1_000);
    const results = new Map<string, Timings>();
    const throughput = new Map<string, { sequential: number; concurrent: number }>();
    for (const subject of subjects) {
      process.stderr.write(`measuring ${subject.name}...\n`);
      await run(subject, 2, 1);
      const sequential = await run(subject, THREADS, 1);
      results.set(subject.name, sequential.timings);
      const concurrent = await run(subject, THREADS, CONCURRENCY, new Timings(countOnly));
      throughput.set(subject.name, {
        sequential: (totalOperations(sequential.timings) / sequential.wallMs) * 1000,
        concurrent: (totalOperations(concurrent.timings) / concurrent.wallMs) * 1000,
      });
    }

    // Round trips per operation, counted by a proxy in front of the same server.
    const redisPort = Number(new URL(server?.url ?? process.env.BENCH_REDIS_URL ?? "").port || 6379);
    const counter = await RoundTripCounter.start(redisPort, new URL(server?.url ?? process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1").hostname);
    const counted = await connectRedis({ url: counter.url });
    const { timings: roundTrips } = await run(
      { name: "RedisCheckpointSaver (proxied)", saver: new RedisCheckpointSaver(counted, { keys: new KeySchema(prefix) }), close: () => Promise.resolve() },
      3,
      1,
      new Timings({ begin: () => counter.reset(), end: () => counter.roundTrips }),
    );
    await closeRedis(counted);
    await counter.stop();

    const reference = results.get("RedisCheckpointSaver");
    const rows: string[] = [];
    for (const operation of OPERATIONS) {
      const ours = reference?.summary(operation);
      for (const subject of subjects) {
        const summary = results.get(subject.name)?.summary(operation);
        if (!summary || !ours) continue;
        const ratio = summary.opsPerSecond / ours.opsPerSecond;
        const trips = roundTrips.samples.get(operation) ?? [];
        const tripsText = subject.name === "RedisCheckpointSaver" ? `${Math.max(...trips)}` : "";
        rows.push(
          `| ${operation} | ${subject.name} | ${summary.count} | ${summary.opsPerSecond.toFixed(0)} | ${summary.p50.toFixed(3)} | ${summary.p99.toFixed(3)} | ${ratio.toFixed(2)}x | ${tripsText} |`,
        );
      }
    }
    const ours = throughput.get("RedisCheckpointSaver");
    const throughputRows = subjects.map((subject) => {
      const entry = throughput.get(subject.name);
      if (!entry || !ours) return "";
      return `| ${subject.name} | ${entry.sequential.toFixed(0)} | ${(ours.sequential / entry.sequential).toFixed(2)}x | ${entry.concurrent.toFixed(0)} | ${(ours.concurrent / entry.concurrent).toFixed(2)}x |`;
    });

    const { version: redisVersion } = await serverInfo(redis);
    const table = [
      `## Checkpoint savers (\`npm run bench:checkpoint\`)`,
      "",
      `${machineDescription()}, redis-server ${redisVersion} (private, loopback, no persistence), ${versionOf("psql", ["--version"])} (loopback TCP), SQLite via better-sqlite3 on a temp file.`,
      "",
      `Workload, identical for every saver, in one process: ${THREADS} conversations x ${TURNS} turns x 3 supersteps; each superstep is a put ` +
        `(the grown message list of LangChain messages with tool calls, only changed channels in newVersions) and a putWrites of two writes; then per conversation ${READ_REPEATS} x ` +
        "(getTuple latest, getTuple by id of the middle checkpoint, list with limit 10). Two conversations warm each saver up first. " +
        "Per-operation figures come from one call at a time: ops/s = calls / summed latency; vs Redis = that saver's ops/s relative to RedisCheckpointSaver.",
      "",
      `Redis PING p50 through node-redis (the physical floor of one round trip): ${pingP50.toFixed(3)} ms. ` +
        "Round trips: the most any one call of that operation took, counted by a TCP proxy in front of the same server over 3 threads of the workload (pipelined commands written together count once).",
      "",
      "| operation | saver | ops | ops/s | p50 ms | p99 ms | vs Redis | Redis round trips |",
      "|---|---|---|---|---|---|---|---|",
      ...rows,
      "",
      `Whole workload (all five operations together) as throughput: one conversation at a time, and ${CONCURRENCY} conversations at once ` +
        "(as a server with many sessions sees it; PostgresSaver gets a pool of 10 connections, RedisCheckpointSaver its one pipelined connection). " +
        "Redis speed-up = RedisCheckpointSaver ops/s divided by that saver's.",
      "",
      `| saver | ops/s, 1 at a time | Redis speed-up | ops/s, ${CONCURRENCY} at once | Redis speed-up |`,
      "|---|---|---|---|---|",
      ...throughputRows,
      ...notes.map((note) => `\n${note}`),
      "",
    ].join("\n");
    process.stdout.write(`${table}\n`);

    const [heading, ...body] = table.split("\n");
    writeBenchmarkSection(heading ?? "", body.join("\n"));
  } finally {
    for (const subject of subjects) await subject.close();
    if (redis && server === undefined && !isCluster(redis)) {
      for await (const batch of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 1_000 })) {
        if (batch.length > 0) await redis.unlink(batch);
      }
    }
    if (redis) await closeRedis(redis);
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
