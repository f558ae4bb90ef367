/**
 * How much LangChain runtime machinery one turn sets up, counted rather than timed, so the figure
 * is the same on every machine: per turn, the callback managers LangChain configures and the
 * AsyncLocalStorage contexts it enters (each with a fresh LangSmith RunTree, traced or not). Most
 * of a turn's server CPU is spent on these and the promises around them (docs/benchmarks.md,
 * "Where a turn's server CPU goes"). The app's runtime (as `wellness serve` builds it, with the
 * shaped stand-in model, instant) runs each graph in-process, iterated the way the chat route's
 * turn executor iterates it (the graph's stream iterator) and through `stream()` (as code calling
 * the graph does), with the modes a turn streams. Also reports CPU ms per turn for each, which,
 * unlike the counts, varies from run to run. Writes its table to docs/benchmarks.md.
 *
 *   npm run bench:runtime-calls
 */
import { randomUUID } from "node:crypto";
import { CallbackManager } from "@langchain/core/callbacks/manager";
import { HumanMessage } from "@langchain/core/messages";
import { ensureConfig, type RunnableConfig } from "@langchain/core/runnables";
import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";
import { loadConfig } from "../src/config.js";
import { silentLogger } from "../src/logger.js";
import { createRuntime } from "../src/runtime/index.js";
import { machineDescription, writeBenchmarkSection } from "./report.js";
import { questionText, ShapedChatModel } from "./shaped-model.js";
import { BENCH_USER, BenchRedis, median } from "./turn-client.js";

const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 10);
/** Turns per block; a stateful block is two sessions of five turns (the bench:turn sessions). */
const TURNS = 10;
const MODES = ["messages", "updates", "values"];

type Iteration = "stream iterator" | "stream()";
interface StreamableGraph {
  _streamIterator(input: unknown, options: RunnableConfig & Record<string, unknown>): AsyncGenerator<unknown>;
  stream(input: unknown, options: RunnableConfig & Record<string, unknown>): Promise<AsyncIterable<unknown>>;
}

/** Counts LangChain's callback-manager configurations and AsyncLocalStorage contexts while the process runs. */
function countRuntimeCalls(): { configured: number; contexts: number } {
  const counts = { configured: 0, contexts: 0 };
  const managers = CallbackManager as unknown as { _configureSync: (...args: unknown[]) => unknown };
  const configure = managers._configureSync.bind(CallbackManager);
  managers._configureSync = (...args: unknown[]) => {
    counts.configured += 1;
    return configure(...args);
  };
  const storage = AsyncLocalStorageProviderSingleton as unknown as { runWithConfig: (...args: unknown[]) => unknown };
  const runWithConfig = storage.runWithConfig.bind(AsyncLocalStorageProviderSingleton);
  storage.runWithConfig = (...args: unknown[]) => {
    counts.contexts += 1;
    return runWithConfig(...args);
  };
  return counts;
}

/** The per-turn counts of every block: one figure when they agree, else their range. */
function range(values: number[]): string {
  const low = Math.min(...values).toFixed(1);
  const high = Math.max(...values).toFixed(1);
  return low === high ? low : `${low}-${high}`;
}

function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

async function main(): Promise<void> {
  const bench = await BenchRedis.start("runtime", ["bench:"]);
  const redis = bench.client;
  try {
    Object.assign(process.env, { REDIS_URL: bench.url, REDIS_KEY_PREFIX: "bench:", DEFAULT_USER_ID: BENCH_USER, LOG_LEVEL: "error" });
    const model = new ShapedChatModel({ firstChunkMs: 0, chunkMs: 0, answerChunks: 20 });
    const runtime = await createRuntime(loadConfig(), { redis, model, log: silentLogger, authenticatedCallers: { singleUser: true } });
    try {
      await runtime.agent.loadKnowledge();
      const counts = countRuntimeCalls();
      const graphs = runtime.graphs as unknown as Record<"stateful" | "stateless", StreamableGraph>;
      const rows = new Map<string, { configured: number[]; contexts: number[]; cpu: number[] }>();
      for (let block = -2; block < BLOCKS; block++) {
        for (const name of ["stateful", "stateless"] as const) {
          for (const iteration of ["stream iterator", "stream()"] as Iteration[]) {
            const graph = graphs[name];
            const sessions = [randomUUID(), randomUUID()];
            const before = { ...counts, cpu: cpuMs() };
            for (let i = 0; i < TURNS; i++) {
              const options = { configurable: { thread_id: name === "stateful" ? sessions[i < TURNS / 2 ? 0 : 1] : randomUUID() }, streamMode: MODES, durability: "exit" };
              const input = { messages: [new HumanMessage(questionText(i % 5))] };
              const chunks = iteration === "stream iterator" ? graph._streamIterator(input, ensureConfig(options)) : await graph.stream(input, options);
              for await (const _chunk of chunks) {
                // Drained as the turn executor drains it.
              }
            }
            await runtime.agent.close();
            if (block < 0) continue;
            const row = rows.get(`${name}|${iteration}`) ?? { configured: [], contexts: [], cpu: [] };
            row.configured.push((counts.configured - before.configured) / TURNS);
            row.contexts.push((counts.contexts - before.contexts) / TURNS);
            row.cpu.push((cpuMs() - before.cpu) / TURNS);
            rows.set(`${name}|${iteration}`, row);
          }
        }
      }
      const body = [
        `${machineDescription()}. In-process, the app's runtime with the instant stand-in model (20 answer chunks); ${BLOCKS} blocks of ${TURNS} turns per row, interleaved (stateful: two 5-turn sessions per block); streamed with the modes a chat turn uses (${MODES.join(", ")}), durability "exit". The counts are per turn (a range where blocks differed); CPU is the median over the blocks, after-turn learning drained and included.`,
        "",
        "| graph | iterated through | callback managers configured per turn | AsyncLocalStorage contexts (run trees) per turn | CPU ms/turn | CPU / through stream() (median of per-block ratios) |",
        "|---|---|---|---|---|---|",
        ...[...rows].map(([key, row]) => {
          const [name, iteration] = key.split("|");
          const reference = rows.get(`${name}|stream()`)?.cpu ?? [];
          const ratio = median(row.cpu.map((ms, index) => ms / (reference[index] ?? Number.NaN)));
          return `| ${name} | ${iteration} | ${range(row.configured)} | ${range(row.contexts)} | ${median(row.cpu).toFixed(1)} | ${ratio.toFixed(2)}x |`;
        }),
      ].join("\n");
      process.stdout.write(`${body}\n`);
      writeBenchmarkSection("## LangChain runtime work per turn (`npm run bench:runtime-calls`)", body);
    } finally {
      await runtime.close();
    }
  } finally {
    await bench.stop();
  }
}

await main();
