/**
 * Turn benchmark: the agent through the real HTTP server (the Agent Server's /api/chat routes, as
 * `wellness serve` mounts them, in a child process) with a stand-in model shaped like a local
 * one. Stateful and stateless turns interleaved in one run: latency p50/p95 with a model of
 * BENCH_FIRST_CHUNK_MS (300) to the first chunk and BENCH_CHUNK_MS (10) per chunk; server CPU
 * per turn with an instant model (after-turn learning included); turns/s for BENCH_SESSIONS (10)
 * sessions in parallel, each session's history checked afterwards, with the server in one
 * process and then in BENCH_SERVER_PROCESSES (2) processes on one port (`wellness serve
 * --processes`'s cluster), in the same run. Last, CPU per turn by its place in a long session:
 * BENCH_LONG_SESSIONS (4) sessions of BENCH_LONG_TURNS (40) stateful turns, measured in blocks of
 * 10 beside 10 stateless turns each, so growth with the history shows against a reference that has
 * none. Then CPU per turn by the server's age: a fresh server, BENCH_AGE_BLOCKS (8) blocks of
 * BENCH_AGE_BLOCK (50) stateful turns each followed by as many stateless ones, so the JIT's and the
 * heap's warm-up shows, against the stateless turns of the same moment.
 *
 *   npm run bench:turn
 *   BENCH_CPU_PROF=/tmp/turn npm run bench:turn   # also profiles the server during the CPU phase:
 *                                                 # /tmp/turn-stateful.cpuprofile, /tmp/turn-stateless.cpuprofile,
 *                                                 # /tmp/turn-long.cpuprofile (the long sessions' last stateful block)
 *   npx tsx bench/profile-summary.ts /tmp/turn-stateful.cpuprofile
 */
import { randomUUID } from "node:crypto";
import { loadavg } from "node:os";
import type { RedisClient } from "../src/index.js";
import { serverInfo } from "../src/redis/health.js";
import { machineDescription, writeBenchmarkSection } from "./report.js";
import { QUESTIONS, questionText, type ModelShape } from "./shaped-model.js";
import { BENCH_USER, BenchRedis, median, percentile, ServerProcess, turn, type Mode } from "./turn-client.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const CPU_TURNS = Number(process.env.BENCH_CPU_TURNS ?? 100);
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 10);
const TURNS_PER_SESSION = Number(process.env.BENCH_TURNS_PER_SESSION ?? 20);
/** Chunks (tokens) per streamed answer. */
const ANSWER_CHUNKS = Number(process.env.BENCH_ANSWER_CHUNKS ?? 20);
/** Server processes of the second throughput measurement. */
const CLUSTER_PROCESSES = Number(process.env.BENCH_SERVER_PROCESSES ?? 2);
/** Throughput runs of each server (1 process, the cluster), alternating; medians reported. */
const THROUGHPUT_ROUNDS = Number(process.env.BENCH_THROUGHPUT_ROUNDS ?? 3);
const SHAPED: ModelShape = { firstChunkMs: Number(process.env.BENCH_FIRST_CHUNK_MS ?? 300), chunkMs: Number(process.env.BENCH_CHUNK_MS ?? 10), answerChunks: ANSWER_CHUNKS };
const LONG_SESSIONS = Number(process.env.BENCH_LONG_SESSIONS ?? 4);
const LONG_TURNS = Number(process.env.BENCH_LONG_TURNS ?? 40);
/** Blocks of the server-age phase: a fresh server, CPU per turn block by block as it warms up. */
const AGE_BLOCKS = Number(process.env.BENCH_AGE_BLOCKS ?? 8);
/** Stateful turns per block of the server-age phase (and as many stateless ones beside them). */
const AGE_BLOCK = Number(process.env.BENCH_AGE_BLOCK ?? 50);
/** Turns per block of the long-session phase: CPU is read before and after each block. */
const LONG_BLOCK = 10;
const INSTANT: ModelShape = { firstChunkMs: 0, chunkMs: 0, answerChunks: ANSWER_CHUNKS };

/** Redis's own counters: calls per command and the server's CPU (user + system), for per-turn deltas. */
interface RedisCounters {
  calls: Map<string, number>;
  cpuMs: number;
}

async function redisCounters(redis: RedisClient): Promise<RedisCounters> {
  const [stats, cpu] = await Promise.all([redis.info("commandstats"), redis.info("cpu")]);
  const calls = new Map<string, number>();
  for (const match of stats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(match[1] as string, Number(match[2]));
  const field = (name: string) => Number(new RegExp(`^used_cpu_${name}:([\\d.]+)`, "m").exec(cpu)?.[1] ?? 0);
  return { calls, cpuMs: (field("user") + field("sys")) * 1000 };
}

/** Commands per turn between two readings (the readings' own INFO calls left out), most frequent first. */
function commandsPerTurn(before: RedisCounters, after: RedisCounters, turns: number): { total: number; top: [string, number][] } {
  const per: [string, number][] = [];
  for (const [name, calls] of after.calls) {
    const delta = calls - (before.calls.get(name) ?? 0) - (name === "info" ? 2 : 0);
    if (delta > 0) per.push([name, delta / turns]);
  }
  per.sort((a, b) => b[1] - a[1]);
  return { total: per.reduce((sum, [, n]) => sum + n, 0), top: per };
}

/** Parallel turns, instant model: turns/s, server CPU per turn during the run, sessions whose history is complete. */
interface Throughput {
  turnsPerSecond: number;
  cpuMsPerTurn: number;
  /** Stateful only: sessions holding all their questions and answers afterwards. */
  complete: number;
}

async function throughput(server: ServerProcess, mode: Mode): Promise<Throughput> {
  const sessions = Array.from({ length: SESSIONS }, () => randomUUID());
  const cpuBefore = await server.cpuMs();
  const started = performance.now();
  await Promise.all(
    sessions.map(async (session) => {
      for (let i = 0; i < TURNS_PER_SESSION; i++) {
        await turn(server.port, mode, questionText(i), mode === "stateful" ? session : undefined);
      }
    }),
  );
  const turnsPerSecond = (SESSIONS * TURNS_PER_SESSION) / ((performance.now() - started) / 1000);
  await server.ask({ type: "drain" });
  const cpuMsPerTurn = ((await server.cpuMs()) - cpuBefore) / (SESSIONS * TURNS_PER_SESSION);
  let complete = 0;
  if (mode === "stateful") {
    const { counts } = await server.ask<{ counts: { questions: number; answers: number }[] }>({ type: "history", sessions });
    complete = counts.filter((count) => count.questions === TURNS_PER_SESSION && count.answers === TURNS_PER_SESSION).length;
  }
  return { turnsPerSecond, cpuMsPerTurn, complete };
}

/** Stateful and stateless server CPU ms per turn at each block of a long session (one entry per session). */
interface LongSessionCpu {
  stateful: number[][];
  stateless: number[][];
  /** Sessions holding all their questions and answers afterwards. */
  complete: number;
}

/**
 * CPU per turn by the turn's place in a session: every block of LONG_BLOCK turns, each long
 * session takes its next stateful turns and then as many stateless ones, CPU read around each
 * (after-turn work drained). The stateless turns carry no history: the reference beside them.
 */
async function longSessions(server: ServerProcess, profile: string | undefined): Promise<LongSessionCpu> {
  const sessions = Array.from({ length: LONG_SESSIONS }, () => randomUUID());
  const blocks = Math.ceil(LONG_TURNS / LONG_BLOCK);
  const measured: LongSessionCpu = { stateful: [], stateless: [], complete: 0 };
  for (let block = 0; block < blocks; block++) {
    const first = block * LONG_BLOCK;
    const turns = Math.min(LONG_BLOCK, LONG_TURNS - first);
    const last = block === blocks - 1;
    measured.stateful.push([]);
    measured.stateless.push([]);
    if (profile && last) await server.ask({ type: "profile", action: "start" });
    for (const session of sessions) {
      measured.stateful[block]?.push(
        await server.cpuPerTurn(turns, async () => {
          for (let i = first; i < first + turns; i++) await turn(server.port, "stateful", questionText(i), session);
        }),
      );
    }
    if (profile && last) await server.ask({ type: "profile", action: "stop", path: `${profile}-long.cpuprofile` });
    for (let s = 0; s < sessions.length; s++) {
      measured.stateless[block]?.push(
        await server.cpuPerTurn(turns, async () => {
          for (let i = first; i < first + turns; i++) await turn(server.port, "stateless", questionText(i));
        }),
      );
    }
  }
  const { counts } = await server.ask<{ counts: { questions: number; answers: number }[] }>({ type: "history", sessions });
  measured.complete = counts.filter((count) => count.questions === LONG_TURNS && count.answers === LONG_TURNS).length;
  return measured;
}

/**
 * CPU per turn of a server fresh from its start, block by block: AGE_BLOCK stateful turns (5-turn
 * sessions), then as many stateless ones, each block's CPU read on its own. The JIT compiler and
 * the heap settle over the first hundreds of turns, so this shows what a cold and a warm server
 * each cost, with the stateless turns of the same moment as the reference.
 */
async function serverAge(env: Record<string, string>): Promise<Record<Mode, number[]>> {
  const fresh = await ServerProcess.start(env);
  try {
    await fresh.ask({ type: "shape", shape: INSTANT });
    const blocks: Record<Mode, number[]> = { stateful: [], stateless: [] };
    for (let block = 0; block < AGE_BLOCKS; block++) {
      for (const mode of ["stateful", "stateless"] as const) {
        blocks[mode].push(
          await fresh.cpuPerTurn(AGE_BLOCK, async () => {
            let session = randomUUID();
            for (let i = 0; i < AGE_BLOCK; i++) {
              if (i % QUESTIONS.length === 0) session = randomUUID();
              await turn(fresh.port, mode, questionText(i), mode === "stateful" ? session : undefined);
            }
          }),
        );
      }
    }
    return blocks;
  } finally {
    await fresh.stop();
  }
}

async function main(): Promise<void> {
  const bench = await BenchRedis.start("turn", ["bench:"]);
  const redis = bench.client;
  let server: ServerProcess | undefined;
  let cluster: ServerProcess | undefined;
  try {
    const version = (await serverInfo(redis)).version;
    const profile = process.env.BENCH_CPU_PROF;
    const serverEnv = { REDIS_URL: bench.url, REDIS_KEY_PREFIX: "bench:", DEFAULT_USER_ID: BENCH_USER, LOG_LEVEL: "error" };
    server = await ServerProcess.start(serverEnv);
    const port = server.port;
    const processesRow = (mode: Mode, processes: number, measured: Throughput) =>
      `| ${mode} | ${processes} | ${measured.turnsPerSecond.toFixed(1)} | ${measured.cpuMsPerTurn.toFixed(1)} | ${mode === "stateful" ? `${measured.complete} of ${THROUGHPUT_ROUNDS * SESSIONS}` : "-"} |`;

    process.stderr.write("warming up...\n");
    await server.ask({ type: "shape", shape: INSTANT });
    for (let i = 0; i < 3; i++) {
      const session = randomUUID();
      for (const question of QUESTIONS) {
        await turn(port, "stateful", question.text, session);
        await turn(port, "stateless", question.text);
      }
    }
    await server.ask({ type: "drain" });

    process.stderr.write(`latency: ${ROUNDS} rounds of ${QUESTIONS.length} questions, stateful and stateless interleaved...\n`);
    await server.ask({ type: "shape", shape: SHAPED });
    const latency: Record<Mode, number[]> = { stateful: [], stateless: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const session = randomUUID();
      for (const [index, question] of QUESTIONS.entries()) {
        const order: Mode[] = (round + index) % 2 === 0 ? ["stateful", "stateless"] : ["stateless", "stateful"];
        for (const mode of order) latency[mode].push(await turn(port, mode, question.text, mode === "stateful" ? session : undefined));
      }
    }
    await server.ask({ type: "drain" });

    process.stderr.write(`CPU: ${CPU_TURNS} turns of each, instant model...\n`);
    await server.ask({ type: "shape", shape: INSTANT });
    const cpu: Record<Mode, number> = { stateful: 0, stateless: 0 };
    const redisCpu: Record<Mode, number> = { stateful: 0, stateless: 0 };
    const commands: Record<Mode, { total: number; top: [string, number][] }> = { stateful: { total: 0, top: [] }, stateless: { total: 0, top: [] } };
    const instant: Record<Mode, number[]> = { stateful: [], stateless: [] };
    for (const mode of ["stateful", "stateless"] as const) {
      if (profile) await server.ask({ type: "profile", action: "start" });
      const before = await server.cpuMs();
      const redisBefore = await redisCounters(redis);
      let session = randomUUID();
      for (let i = 0; i < CPU_TURNS; i++) {
        if (i % QUESTIONS.length === 0) session = randomUUID();
        instant[mode].push(await turn(port, mode, questionText(i), mode === "stateful" ? session : undefined));
      }
      await server.ask({ type: "drain" });
      cpu[mode] = ((await server.cpuMs()) - before) / CPU_TURNS;
      const redisAfter = await redisCounters(redis);
      redisCpu[mode] = (redisAfter.cpuMs - redisBefore.cpuMs) / CPU_TURNS;
      commands[mode] = commandsPerTurn(redisBefore, redisAfter, CPU_TURNS);
      if (profile) await server.ask({ type: "profile", action: "stop", path: `${profile}-${mode}.cpuprofile` });
    }

    process.stderr.write(`throughput: ${CLUSTER_PROCESSES} server processes on one port beside the 1-process server, warming up...\n`);
    const clusterServer = await ServerProcess.start({ ...serverEnv, BENCH_SERVER_PROCESSES: String(CLUSTER_PROCESSES) });
    cluster = clusterServer;
    await clusterServer.ask({ type: "shape", shape: INSTANT });
    // Parallel sessions open several connections, which the primary hands to every process in turn: all of them warm up.
    await Promise.all(
      Array.from({ length: SESSIONS }, async () => {
        const session = randomUUID();
        for (const question of QUESTIONS) {
          await turn(clusterServer.port, "stateful", question.text, session);
          await turn(clusterServer.port, "stateless", question.text);
        }
      }),
    );
    await clusterServer.ask({ type: "drain" });

    process.stderr.write(`throughput: ${THROUGHPUT_ROUNDS} rounds of ${SESSIONS} sessions x ${TURNS_PER_SESSION} turns in parallel, instant model, 1 and ${CLUSTER_PROCESSES} server processes alternating...\n`);
    const measured: Record<Mode, Record<"single" | "cluster", Throughput[]>> = { stateful: { single: [], cluster: [] }, stateless: { single: [], cluster: [] } };
    for (let round = 0; round < THROUGHPUT_ROUNDS; round++) {
      for (const mode of ["stateful", "stateless"] as const) {
        const order = round % 2 === 0 ? (["single", "cluster"] as const) : (["cluster", "single"] as const);
        for (const which of order) measured[mode][which].push(await throughput(which === "single" ? server : clusterServer, mode));
      }
    }
    const summary = (runs: Throughput[]): Throughput => ({
      turnsPerSecond: median(runs.map((run) => run.turnsPerSecond)),
      cpuMsPerTurn: median(runs.map((run) => run.cpuMsPerTurn)),
      complete: runs.reduce((sum, run) => sum + run.complete, 0),
    });
    const single: Record<Mode, Throughput> = { stateful: summary(measured.stateful.single), stateless: summary(measured.stateless.single) };
    const clustered: Record<Mode, Throughput> = { stateful: summary(measured.stateful.cluster), stateless: summary(measured.stateless.cluster) };
    process.stderr.write(`long sessions: ${LONG_SESSIONS} sessions of ${LONG_TURNS} stateful turns in blocks of ${LONG_BLOCK}, each beside ${LONG_BLOCK} stateless turns, instant model...\n`);
    const long = await longSessions(server, profile);
    const longRow = (block: number) => {
      const stateful = median(long.stateful[block] ?? []);
      const stateless = median(long.stateless[block] ?? []);
      const firstBlock = median(long.stateful[0] ?? []);
      return `| ${block * LONG_BLOCK + 1}-${Math.min(LONG_TURNS, (block + 1) * LONG_BLOCK)} | ${stateful.toFixed(1)} | ${stateless.toFixed(1)} | ${(stateful / stateless).toFixed(2)}x | ${(stateful / firstBlock).toFixed(2)}x |`;
    };
    process.stderr.write(`server age: a fresh server, ${AGE_BLOCKS} blocks of ${AGE_BLOCK} stateful and ${AGE_BLOCK} stateless turns, instant model...\n`);
    const age = await serverAge(serverEnv);
    const ageRow = (block: number) => {
      const stateful = age.stateful[block] ?? Number.NaN;
      const stateless = age.stateless[block] ?? Number.NaN;
      return `| ${block * 2 * AGE_BLOCK + 1}-${(block + 1) * 2 * AGE_BLOCK} | ${stateful.toFixed(1)} | ${stateless.toFixed(1)} | ${(stateful / stateless).toFixed(2)}x |`;
    };
    const warm = (mode: Mode) => median(age[mode].slice(Math.floor(AGE_BLOCKS / 2)));
    const throughputs: Record<Mode, number> = { stateful: single.stateful.turnsPerSecond, stateless: single.stateless.turnsPerSecond };
    const complete = single.stateful.complete;

    const row = (mode: Mode) =>
      `| ${mode} | ${percentile(latency[mode], 50).toFixed(0)} | ${percentile(latency[mode], 95).toFixed(0)} | ${percentile(instant[mode], 50).toFixed(1)} | ${cpu[mode].toFixed(1)} | ${throughputs[mode].toFixed(1)} |`;
    const ratio = percentile(latency.stateful, 50) / percentile(latency.stateless, 50);
    const commandRow = (mode: Mode) =>
      `| ${mode} | ${commands[mode].total.toFixed(1)} | ${redisCpu[mode].toFixed(2)} | ${commands[mode].top.slice(0, 8).map(([name, n]) => `${name} ${n.toFixed(1)}`).join(", ")} |`;
    const body = [
      `${machineDescription()}, load average ${loadavg()[0]?.toFixed(1)} at the end; Redis ${version} (local, no modules). Through the HTTP server (\`wellness serve\`'s Agent Server: \`/api/chat/{stateful,stateless}/stream\`, each turn a run of its queue, in its own process), with a stand-in model that streams like a local one and calls one health tool per question; ${QUESTIONS.length} questions (sleep, steps, workouts, weekday pattern, period comparison) on a synthetic export; the local embedding model (USE-Lite) with its Redis cache.`,
      "",
      `| graph | p50 ms (${SHAPED.firstChunkMs} ms to first chunk, ${SHAPED.chunkMs} ms/chunk) | p95 ms | p50 ms (instant model) | server CPU ms/turn (instant model) | turns/s (${SESSIONS} sessions in parallel, instant model, 1 server process) |`,
      "|---|---|---|---|---|---|",
      row("stateful"),
      row("stateless"),
      "",
      `Stateful p50 / stateless p50 with the shaped model: **${ratio.toFixed(2)}x** (${ROUNDS * QUESTIONS.length} turns each, interleaved). Server CPU per turn is process.cpuUsage of the server over ${CPU_TURNS} sequential turns, after-turn learning (procedural memory, tool analytics, goal extraction with the model) included. Turns/s: the median of ${THROUGHPUT_ROUNDS} parallel runs of 1 server process (below); after them, ${complete} of ${THROUGHPUT_ROUNDS * SESSIONS} stateful sessions hold all ${TURNS_PER_SESSION} questions and answers.`,
      "",
      `Redis per turn over the same ${CPU_TURNS} sequential turns (INFO commandstats and INFO cpu of the bench's Redis; the idle queue workers' polls included):`,
      "",
      "| graph | commands/turn | Redis CPU ms/turn | most frequent (calls/turn) |",
      "|---|---|---|---|",
      commandRow("stateful"),
      commandRow("stateless"),
      "",
      `Turns/s by server processes on the one port (the rows above: 1; \`wellness serve --processes ${CLUSTER_PROCESSES}\`'s cluster: the primary hands connections to the processes in turn, each runs its own Agent Server on the shared Redis queue), ${SESSIONS} sessions x ${TURNS_PER_SESSION} turns in parallel, instant model, both servers up in this run and their runs alternating, ${THROUGHPUT_ROUNDS} of each (medians); server CPU is summed over every process (primary included) during the parallel runs:`,
      "",
      "| graph | server processes | turns/s | server CPU ms/turn (parallel run) | stateful sessions complete |",
      "|---|---|---|---|---|",
      processesRow("stateful", 1, single.stateful),
      processesRow("stateful", CLUSTER_PROCESSES, clustered.stateful),
      processesRow("stateless", 1, single.stateless),
      processesRow("stateless", CLUSTER_PROCESSES, clustered.stateless),
      "",
      `${CLUSTER_PROCESSES} processes / 1: stateful **${(clustered.stateful.turnsPerSecond / single.stateful.turnsPerSecond).toFixed(2)}x**, stateless **${(clustered.stateless.turnsPerSecond / single.stateless.turnsPerSecond).toFixed(2)}x**.`,
      "",
      `Server CPU per turn by its place in a session (1 server process, instant model): ${LONG_SESSIONS} sessions of ${LONG_TURNS} stateful turns, the five questions in turn, measured in blocks of ${LONG_BLOCK} turns per session, each block beside ${LONG_BLOCK} stateless turns (no history: the reference); medians over the sessions. The CPU rows above use 5-turn sessions. Afterwards ${long.complete} of ${LONG_SESSIONS} long sessions hold all ${LONG_TURNS} questions and answers.`,
      "",
      "| turns of the session | stateful CPU ms/turn | stateless CPU ms/turn | stateful / stateless | stateful / its turns 1-10 |",
      "|---|---|---|---|---|",
      ...long.stateful.map((_, block) => longRow(block)),
      "",
      `Server CPU per turn by the server's age (1 server process, instant model): a fresh server process, ${AGE_BLOCKS} blocks of ${AGE_BLOCK} stateful turns (5-turn sessions) each followed by ${AGE_BLOCK} stateless turns, every block's CPU read on its own. Its Redis is the run's (the embedding cache and memories are warm) and the run's other servers stay up, idle. The JIT compiler and the heap settle over the first hundreds of turns; the CPU rows above come after ${3 * QUESTIONS.length * 2 + ROUNDS * QUESTIONS.length * 2} turns of warm-up and latency rounds.`,
      "",
      "| turns the server has served | stateful CPU ms/turn | stateless CPU ms/turn | stateful / stateless |",
      "|---|---|---|---|",
      ...age.stateful.map((_, block) => ageRow(block)),
      "",
      `Median of the last ${AGE_BLOCKS - Math.floor(AGE_BLOCKS / 2)} blocks (a warm server): stateful **${warm("stateful").toFixed(1)}**, stateless **${warm("stateless").toFixed(1)}** ms CPU per turn, **${(warm("stateful") / warm("stateless")).toFixed(2)}x**.`,
    ].join("\n");
    writeBenchmarkSection("## Agent turn (`npm run bench:turn`)", body);
    process.stdout.write(`${body}\n`);
  } finally {
    await server?.stop();
    await cluster?.stop();
    await bench.stop();
  }
}

await main();
