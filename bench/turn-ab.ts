/**
 * Side-by-side turn benchmark of two checkouts: this one and a base (another commit, checked out
 * with `git worktree add`), each serving from its own `bench/turn-server.ts` at once, on one
 * private Redis under different key prefixes. On a machine whose speed drifts from minute to
 * minute (one of this kind ran the same benchmark 40% slower five minutes later), two
 * `npm run bench:turn` runs one after the other cannot tell a 10% change; interleaved, both
 * servers see the same drift. Server CPU per turn alternates blocks of 5 sequential turns between
 * the two (the ratio is the median of each pair of blocks), and turns/s alternates rounds of
 * BENCH_SESSIONS parallel sessions. Prints a table; writes nothing to docs/.
 *
 *   git worktree add --detach ../base <commit> && ln -s "$PWD/node_modules" ../base/node_modules
 *   BENCH_AB_BASE=../base npm run bench:turn-ab
 *   BENCH_AB_BASE=../base BENCH_SERVER_PROCESSES=2 npm run bench:turn-ab   # each side a 2-process cluster
 */
import { fork, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { writeSyntheticExport } from "../src/health/synthetic/generator.js";
import { closeRedis, connectRedis, importExport, KeySchema, RedisServerProcess } from "../src/index.js";
import { machineDescription } from "./report.js";
import { QUESTIONS, type ModelShape } from "./shaped-model.js";

const BASE = process.env.BENCH_AB_BASE;
const BLOCKS = Number(process.env.BENCH_AB_BLOCKS ?? 30);
const ROUNDS = Number(process.env.BENCH_AB_ROUNDS ?? 4);
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 10);
const TURNS_PER_SESSION = Number(process.env.BENCH_TURNS_PER_SESSION ?? 20);
const PROCESSES = process.env.BENCH_SERVER_PROCESSES ?? "1";
const INSTANT: ModelShape = { firstChunkMs: 0, chunkMs: 0, answerChunks: Number(process.env.BENCH_ANSWER_CHUNKS ?? 20) };
const MODES = ["stateful", "stateless"] as const;
type Mode = (typeof MODES)[number];

/** One checkout's bench server, spoken to over IPC. */
interface Side {
  label: string;
  child: ChildProcess;
  port: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function ask<T>(side: Side, request: object): Promise<T> {
  return new Promise((done) => {
    side.child.once("message", (reply: T) => done(reply));
    side.child.send(request);
  });
}

async function cpuMs(side: Side): Promise<number> {
  return (await ask<{ ms: number }>(side, { type: "cpu" })).ms;
}

async function start(label: string, checkout: string, redisUrl: string, prefix: string, port: number): Promise<Side> {
  const child = fork(join(checkout, "bench", "turn-server.ts"), [], {
    cwd: checkout,
    env: { ...process.env, REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix, DEFAULT_USER_ID: "bench", LOG_LEVEL: "error", BENCH_SERVER_PROCESSES: PROCESSES, BENCH_SERVER_PORT: String(port) },
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const listening = await new Promise<number>((done, fail) => {
    child.once("message", (message: { port: number }) => done(message.port));
    child.once("exit", (code) => fail(new Error(`${label}'s bench server exited (${code})`)));
  });
  return { label, child, port: listening };
}

async function stop(side: Side): Promise<void> {
  const exited = new Promise((done) => side.child.once("exit", done));
  side.child.send({ type: "stop" });
  await exited;
}

async function turn(side: Side, mode: Mode, message: string, sessionId?: string): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${side.port}/api/chat/${mode}/stream`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ message, ...(sessionId ? { session_id: sessionId } : {}) }),
  });
  const body = await response.text();
  if (!body.includes("event: done")) throw new Error(`${side.label}: ${mode} turn failed: ${body.slice(0, 300)}`);
}

/** The five questions in order, in one new session when stateful. */
async function block(side: Side, mode: Mode): Promise<void> {
  const session = randomUUID();
  for (const question of QUESTIONS) await turn(side, mode, question.text, mode === "stateful" ? session : undefined);
}

async function main(): Promise<void> {
  if (!BASE) throw new Error("Set BENCH_AB_BASE to the base checkout (see the comment at the top of bench/turn-ab.ts).");
  const dir = mkdtempSync(join(tmpdir(), "wellness-bench-ab-"));
  const redisServer = await RedisServerProcess.start({ port: 20_000 + Math.floor(Math.random() * 20_000), dir });
  const redis = await connectRedis({ url: redisServer.url });
  const sides: Side[] = [];
  try {
    const exportPath = join(dir, "export.xml");
    await writeSyntheticExport(exportPath, { seed: 7, bytes: 3_000_000, endDate: new Date().toISOString().slice(0, 10) });
    const checkouts: [string, string][] = [
      ["base", resolve(BASE)],
      ["this", resolve(new URL("..", import.meta.url).pathname)],
    ];
    for (const [index, [label, checkout]] of checkouts.entries()) {
      const prefix = `bench-${label}:`;
      await importExport({ client: redis, keys: new KeySchema(prefix), userId: "bench", path: exportPath, indexTtlSeconds: 3600 });
      sides.push(await start(label, checkout, redisServer.url, prefix, 41_000 + index * 500 + Math.floor(Math.random() * 400)));
    }
    process.stderr.write("warming up...\n");
    for (const side of sides) {
      await ask(side, { type: "shape", shape: INSTANT });
      for (let i = 0; i < 3; i++) for (const mode of MODES) await block(side, mode);
      await ask(side, { type: "drain" });
    }
    const rows: string[] = [];
    for (const mode of MODES) {
      process.stderr.write(`CPU: ${BLOCKS} blocks of ${QUESTIONS.length} ${mode} turns on each side, alternating...\n`);
      const perTurn: [number[], number[]] = [[], []];
      for (let index = 0; index < BLOCKS; index++) {
        for (const which of index % 2 === 0 ? [0, 1] : [1, 0]) {
          const side = sides[which] as Side;
          const before = await cpuMs(side);
          await block(side, mode);
          await ask(side, { type: "drain" });
          perTurn[which]?.push(((await cpuMs(side)) - before) / QUESTIONS.length);
        }
      }
      const ratio = median(perTurn[1].map((value, index) => value / (perTurn[0][index] as number)));
      rows.push(`| ${mode} | server CPU ms/turn (sequential) | ${median(perTurn[0]).toFixed(1)} | ${median(perTurn[1]).toFixed(1)} | **${ratio.toFixed(2)}x** |`);
    }
    for (const mode of MODES) {
      process.stderr.write(`throughput: ${ROUNDS} rounds of ${SESSIONS} sessions x ${TURNS_PER_SESSION} ${mode} turns on each side, alternating...\n`);
      const rates: [number[], number[]] = [[], []];
      for (let round = 0; round < ROUNDS; round++) {
        for (const which of round % 2 === 0 ? [0, 1] : [1, 0]) {
          const side = sides[which] as Side;
          const started = performance.now();
          await Promise.all(
            Array.from({ length: SESSIONS }, async () => {
              const session = randomUUID();
              for (let i = 0; i < TURNS_PER_SESSION; i++) await turn(side, mode, (QUESTIONS[i % QUESTIONS.length] as { text: string }).text, mode === "stateful" ? session : undefined);
            }),
          );
          rates[which]?.push((SESSIONS * TURNS_PER_SESSION) / ((performance.now() - started) / 1000));
          await ask(side, { type: "drain" });
        }
      }
      rows.push(`| ${mode} | turns/s (${SESSIONS} sessions in parallel) | ${median(rates[0]).toFixed(1)} | ${median(rates[1]).toFixed(1)} | **${(median(rates[1]) / median(rates[0])).toFixed(2)}x** |`);
    }
    process.stdout.write(
      [
        `${machineDescription()}, load average ${loadavg()[0]?.toFixed(1)} at the end; base ${resolve(BASE)}, ${PROCESSES} server process(es) per side, instant model, both sides up at once.`,
        "",
        `| graph | measure | base | this checkout | this / base |`,
        "|---|---|---|---|---|",
        ...rows,
        "",
      ].join("\n"),
    );
  } finally {
    await Promise.all(sides.map((side) => stop(side)));
    await closeRedis(redis);
    await redisServer.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
