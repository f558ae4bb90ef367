/**
 * Side-by-side turn benchmark of two checkouts: this one and a base (another commit, checked out
 * with `git worktree add`), each serving from its own `bench/turn-server.ts` at once, on one
 * private Redis under different key prefixes. On a machine whose speed drifts from minute to
 * minute (one of this kind ran the same benchmark 40% slower five minutes later), two
 * `npm run bench:turn` runs one after the other cannot tell a 10% change; interleaved, both
 * servers see the same drift. Server CPU per turn alternates blocks of 5 sequential turns between
 * the two (the ratio is the median of each pair of blocks), turns/s alternates rounds of
 * BENCH_SESSIONS parallel sessions, and the last phase grows BENCH_AB_LONG_SESSIONS (4) sessions
 * per side to BENCH_AB_LONG_TURNS (40) stateful turns, 10 at a time alternating, and compares CPU
 * per turn in the last 10 (what a long conversation costs). A phase set to 0 is left out. Prints a
 * table; writes nothing to docs/.
 *
 *   git worktree add --detach ../base <commit> && ln -s "$PWD/node_modules" ../base/node_modules
 *   BENCH_AB_BASE=../base npm run bench:turn-ab
 *   BENCH_AB_BASE=../base BENCH_SERVER_PROCESSES=2 npm run bench:turn-ab   # each side a 2-process cluster
 */
import { randomUUID } from "node:crypto";
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { machineDescription } from "./report.js";
import { QUESTIONS, questionText, type ModelShape } from "./shaped-model.js";
import { BENCH_USER, BenchRedis, median, ServerProcess, turn, type Mode } from "./turn-client.js";

const BASE = process.env.BENCH_AB_BASE;
const BLOCKS = Number(process.env.BENCH_AB_BLOCKS ?? 30);
const ROUNDS = Number(process.env.BENCH_AB_ROUNDS ?? 4);
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 10);
const TURNS_PER_SESSION = Number(process.env.BENCH_TURNS_PER_SESSION ?? 20);
const PROCESSES = process.env.BENCH_SERVER_PROCESSES ?? "1";
const LONG_SESSIONS = Number(process.env.BENCH_AB_LONG_SESSIONS ?? 4);
const LONG_TURNS = Number(process.env.BENCH_AB_LONG_TURNS ?? 40);
const LONG_BLOCK = 10;
const INSTANT: ModelShape = { firstChunkMs: 0, chunkMs: 0, answerChunks: Number(process.env.BENCH_ANSWER_CHUNKS ?? 20) };
const MODES: readonly Mode[] = ["stateful", "stateless"];

/** The five questions in order, in one new session when stateful. */
async function block(server: ServerProcess, mode: Mode): Promise<void> {
  const session = randomUUID();
  for (const question of QUESTIONS) await turn(server.port, mode, question.text, mode === "stateful" ? session : undefined);
}

async function main(): Promise<void> {
  if (!BASE) throw new Error("Set BENCH_AB_BASE to the base checkout (see the comment at the top of bench/turn-ab.ts).");
  const bench = await BenchRedis.start("ab", ["bench-base:", "bench-this:"]);
  const sides: ServerProcess[] = [];
  try {
    const checkouts: [string, string][] = [
      ["base", resolve(BASE)],
      ["this", resolve(new URL("..", import.meta.url).pathname)],
    ];
    for (const [label, checkout] of checkouts) {
      const prefix = `bench-${label}:`;
      const env = { REDIS_URL: bench.url, REDIS_KEY_PREFIX: prefix, DEFAULT_USER_ID: BENCH_USER, LOG_LEVEL: "error", BENCH_SERVER_PROCESSES: PROCESSES };
      sides.push(await ServerProcess.start(env, checkout));
    }
    process.stderr.write("warming up...\n");
    for (const side of sides) {
      await side.ask({ type: "shape", shape: INSTANT });
      for (let i = 0; i < 3; i++) for (const mode of MODES) await block(side, mode);
      await side.ask({ type: "drain" });
    }
    const rows: string[] = [];
    for (const mode of BLOCKS > 0 ? MODES : []) {
      process.stderr.write(`CPU: ${BLOCKS} blocks of ${QUESTIONS.length} ${mode} turns on each side, alternating...\n`);
      const perTurn: [number[], number[]] = [[], []];
      for (let index = 0; index < BLOCKS; index++) {
        for (const which of index % 2 === 0 ? [0, 1] : [1, 0]) {
          const side = sides[which] as ServerProcess;
          perTurn[which]?.push(await side.cpuPerTurn(QUESTIONS.length, () => block(side, mode)));
        }
      }
      const ratio = median(perTurn[1].map((value, index) => value / (perTurn[0][index] as number)));
      rows.push(`| ${mode} | server CPU ms/turn (sequential) | ${median(perTurn[0]).toFixed(1)} | ${median(perTurn[1]).toFixed(1)} | **${ratio.toFixed(2)}x** |`);
    }
    for (const mode of ROUNDS > 0 ? MODES : []) {
      process.stderr.write(`throughput: ${ROUNDS} rounds of ${SESSIONS} sessions x ${TURNS_PER_SESSION} ${mode} turns on each side, alternating...\n`);
      const rates: [number[], number[]] = [[], []];
      for (let round = 0; round < ROUNDS; round++) {
        for (const which of round % 2 === 0 ? [0, 1] : [1, 0]) {
          const side = sides[which] as ServerProcess;
          const started = performance.now();
          await Promise.all(
            Array.from({ length: SESSIONS }, async () => {
              const session = randomUUID();
              for (let i = 0; i < TURNS_PER_SESSION; i++) await turn(side.port, mode, questionText(i), mode === "stateful" ? session : undefined);
            }),
          );
          rates[which]?.push((SESSIONS * TURNS_PER_SESSION) / ((performance.now() - started) / 1000));
          await side.ask({ type: "drain" });
        }
      }
      rows.push(`| ${mode} | turns/s (${SESSIONS} sessions in parallel) | ${median(rates[0]).toFixed(1)} | ${median(rates[1]).toFixed(1)} | **${(median(rates[1]) / median(rates[0])).toFixed(2)}x** |`);
    }
    if (LONG_SESSIONS > 0 && LONG_TURNS > 0) {
      process.stderr.write(`long sessions: ${LONG_SESSIONS} sessions of ${LONG_TURNS} stateful turns on each side, ${LONG_BLOCK} turns per session at a time, alternating...\n`);
      const sessions = sides.map(() => Array.from({ length: LONG_SESSIONS }, () => randomUUID()));
      const lastBlock: [number[], number[]] = [[], []];
      const lastFirst = Math.floor((LONG_TURNS - 1) / LONG_BLOCK) * LONG_BLOCK;
      for (let first = 0; first < LONG_TURNS; first += LONG_BLOCK) {
        const turns = Math.min(LONG_BLOCK, LONG_TURNS - first);
        for (let index = 0; index < LONG_SESSIONS; index++) {
          for (const which of (first / LONG_BLOCK + index) % 2 === 0 ? [0, 1] : [1, 0]) {
            const side = sides[which] as ServerProcess;
            const perTurn = await side.cpuPerTurn(turns, async () => {
              for (let i = first; i < first + turns; i++) await turn(side.port, "stateful", questionText(i), sessions[which]?.[index]);
            });
            if (first === lastFirst) lastBlock[which]?.push(perTurn);
          }
        }
      }
      const ratio = median(lastBlock[1].map((value, index) => value / (lastBlock[0][index] as number)));
      rows.push(`| stateful | server CPU ms/turn, turns ${lastFirst + 1}-${LONG_TURNS} of a session | ${median(lastBlock[0]).toFixed(1)} | ${median(lastBlock[1]).toFixed(1)} | **${ratio.toFixed(2)}x** |`);
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
    await Promise.all(sides.map((side) => side.stop()));
    await bench.stop();
  }
}

await main();
