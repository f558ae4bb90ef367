/**
 * Turn benchmark: the agent through the real HTTP server (the Agent Server's /api/chat routes, as
 * `wellness serve` mounts them, in a child process) with a stand-in model shaped like a local
 * one. Stateful and stateless turns interleaved in one run: latency p50/p95 with a model of
 * BENCH_FIRST_CHUNK_MS (300) to the first chunk and BENCH_CHUNK_MS (10) per chunk; server CPU
 * per turn with an instant model (after-turn learning included); turns/s for BENCH_SESSIONS (10)
 * sessions in parallel, each session's history checked afterwards.
 *
 *   npm run bench:turn
 *   BENCH_CPU_PROF=/tmp/turn npm run bench:turn   # also profiles the server during the CPU phase:
 *                                                 # /tmp/turn-stateful.cpuprofile, /tmp/turn-stateless.cpuprofile
 *   npx tsx bench/profile-summary.ts /tmp/turn-stateful.cpuprofile
 */
import { fork, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createServer, type AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { writeSyntheticExport } from "../src/health/synthetic/generator.js";
import { closeRedis, connectRedis, importExport, KeySchema, RedisServerProcess } from "../src/index.js";
import { serverInfo } from "../src/redis/health.js";
import { machineDescription, writeBenchmarkSection } from "./report.js";
import { QUESTIONS, type ModelShape } from "./shaped-model.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const CPU_TURNS = Number(process.env.BENCH_CPU_TURNS ?? 100);
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 10);
const TURNS_PER_SESSION = Number(process.env.BENCH_TURNS_PER_SESSION ?? 20);
/** Chunks (tokens) per streamed answer. */
const ANSWER_CHUNKS = Number(process.env.BENCH_ANSWER_CHUNKS ?? 20);
const SHAPED: ModelShape = { firstChunkMs: Number(process.env.BENCH_FIRST_CHUNK_MS ?? 300), chunkMs: Number(process.env.BENCH_CHUNK_MS ?? 10), answerChunks: ANSWER_CHUNKS };
const INSTANT: ModelShape = { firstChunkMs: 0, chunkMs: 0, answerChunks: ANSWER_CHUNKS };
const USER = "bench";

type Mode = "stateful" | "stateless";

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

/** The server process, spoken to over IPC. */
class ServerProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {}

  static async start(env: Record<string, string>): Promise<ServerProcess> {
    const free = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const child = fork(new URL("./turn-server.ts", import.meta.url).pathname, [], {
      env: { ...process.env, ...env, BENCH_SERVER_PORT: String(free) },
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const port = await new Promise<number>((resolve, reject) => {
      child.once("message", (message: { port: number }) => resolve(message.port));
      child.once("exit", (code) => reject(new Error(`the bench server exited (${code})`)));
    });
    return new ServerProcess(child, port);
  }

  ask<T>(request: object): Promise<T> {
    return new Promise((resolve) => {
      this.child.once("message", (reply: T) => resolve(reply));
      this.child.send(request);
    });
  }

  /** The server's CPU time so far, and the part of it the stand-in model spent making its replies. */
  async cpuMs(): Promise<{ ms: number; modelMs: number }> {
    return await this.ask<{ ms: number; modelMs: number }>({ type: "cpu" });
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    await this.ask({ type: "stop" });
    await exited;
  }
}

/** One turn over HTTP: the milliseconds until the `done` event (throws on an `error` event). */
async function turn(port: number, mode: Mode, message: string, sessionId?: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(`http://127.0.0.1:${port}/api/chat/${mode}/stream`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ message, ...(sessionId ? { session_id: sessionId } : {}) }),
  });
  const body = await response.text();
  const elapsed = performance.now() - started;
  if (!body.includes("event: done")) throw new Error(`${mode} turn failed: ${body.slice(0, 300)}`);
  return elapsed;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "wellness-bench-turn-"));
  const redisServer = await RedisServerProcess.start({ port: 20_000 + Math.floor(Math.random() * 20_000), dir });
  const redis = await connectRedis({ url: redisServer.url });
  let server: ServerProcess | undefined;
  try {
    const keys = new KeySchema("bench:");
    const exportPath = join(dir, "export.xml");
    await writeSyntheticExport(exportPath, { seed: 7, bytes: 3_000_000, endDate: new Date().toISOString().slice(0, 10) });
    await importExport({ client: redis, keys, userId: USER, path: exportPath, indexTtlSeconds: 3600 });
    const version = (await serverInfo(redis)).version;
    const profile = process.env.BENCH_CPU_PROF;
    server = await ServerProcess.start({ REDIS_URL: redisServer.url, REDIS_KEY_PREFIX: "bench:", DEFAULT_USER_ID: USER, LOG_LEVEL: "error" });
    const port = server.port;

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
    const model: Record<Mode, number> = { stateful: 0, stateless: 0 };
    const instant: Record<Mode, number[]> = { stateful: [], stateless: [] };
    for (const mode of ["stateful", "stateless"] as const) {
      if (profile) await server.ask({ type: "profile", action: "start" });
      const before = await server.cpuMs();
      let session = randomUUID();
      for (let i = 0; i < CPU_TURNS; i++) {
        if (i % QUESTIONS.length === 0) session = randomUUID();
        instant[mode].push(await turn(port, mode, (QUESTIONS[i % QUESTIONS.length] as { text: string }).text, mode === "stateful" ? session : undefined));
      }
      await server.ask({ type: "drain" });
      const after = await server.cpuMs();
      cpu[mode] = (after.ms - before.ms) / CPU_TURNS;
      model[mode] = (after.modelMs - before.modelMs) / CPU_TURNS;
      if (profile) await server.ask({ type: "profile", action: "stop", path: `${profile}-${mode}.cpuprofile` });
    }

    process.stderr.write(`throughput: ${SESSIONS} sessions x ${TURNS_PER_SESSION} turns in parallel, instant model...\n`);
    const throughput: Record<Mode, number> = { stateful: 0, stateless: 0 };
    let complete = 0;
    for (const mode of ["stateful", "stateless"] as const) {
      const sessions = Array.from({ length: SESSIONS }, () => randomUUID());
      const started = performance.now();
      await Promise.all(
        sessions.map(async (session) => {
          for (let i = 0; i < TURNS_PER_SESSION; i++) {
            await turn(port, mode, (QUESTIONS[i % QUESTIONS.length] as { text: string }).text, mode === "stateful" ? session : undefined);
          }
        }),
      );
      throughput[mode] = (SESSIONS * TURNS_PER_SESSION) / ((performance.now() - started) / 1000);
      await server.ask({ type: "drain" });
      if (mode === "stateful") {
        const { counts } = await server.ask<{ counts: { questions: number; answers: number }[] }>({ type: "history", sessions });
        complete = counts.filter((count) => count.questions === TURNS_PER_SESSION && count.answers === TURNS_PER_SESSION).length;
      }
    }

    const row = (mode: Mode) =>
      `| ${mode} | ${percentile(latency[mode], 50).toFixed(0)} | ${percentile(latency[mode], 95).toFixed(0)} | ${percentile(instant[mode], 50).toFixed(1)} | ${cpu[mode].toFixed(1)} | ${(cpu[mode] - model[mode]).toFixed(1)} | ${throughput[mode].toFixed(1)} |`;
    const ratio = percentile(latency.stateful, 50) / percentile(latency.stateless, 50);
    const body = [
      `${machineDescription()}, load average ${loadavg()[0]?.toFixed(1)} at the end; Redis ${version} (local, no modules). Through the HTTP server (\`wellness serve\`'s Agent Server: \`/api/chat/{stateful,stateless}/stream\`, each turn a run of its queue, in its own process), with a stand-in model that streams like a local one and calls one health tool per question; ${QUESTIONS.length} questions (sleep, steps, workouts, weekday pattern, period comparison) on a synthetic export; the local embedding model (USE-Lite) with its Redis cache.`,
      "",
      `| graph | p50 ms (${SHAPED.firstChunkMs} ms to first chunk, ${SHAPED.chunkMs} ms/chunk) | p95 ms | p50 ms (instant model) | server CPU ms/turn (instant model) | of which not the model | turns/s (${SESSIONS} sessions in parallel, instant model) |`,
      "|---|---|---|---|---|---|---|",
      row("stateful"),
      row("stateless"),
      "",
      `Stateful p50 / stateless p50 with the shaped model: **${ratio.toFixed(2)}x** (${ROUNDS * QUESTIONS.length} turns each, interleaved). Server CPU per turn is process.cpuUsage of the server over ${CPU_TURNS} sequential turns, after-turn learning (procedural memory, tool analytics, goal extraction with the model) included; "of which not the model" leaves out the time the stand-in model spent making its replies and chunks (${ANSWER_CHUNKS} per answer), work a real model does in its own process. After the parallel run, ${complete} of ${SESSIONS} stateful sessions hold all ${TURNS_PER_SESSION} questions and answers.`,
    ].join("\n");
    writeBenchmarkSection("## Agent turn (`npm run bench:turn`)", body);
    process.stdout.write(`${body}\n`);
  } finally {
    await server?.stop();
    await closeRedis(redis);
    await redisServer.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
