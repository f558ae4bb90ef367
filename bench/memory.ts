/**
 * Memory benchmark: the core vector index with 10,000 memories of 1024 dimensions in one user's
 * scopes (warm and cold knn), one turn's retrieval of all three memory types with the query
 * vector given (embedding excluded), and the local embedding model's time per text.
 *
 *   npm run bench:memory
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeRedis, connectRedis, CoreVectorIndex, KeySchema, LocalEmbeddings, normalize, RedisServerProcess, type VectorScope } from "../src/index.js";
import { serverInfo } from "../src/redis/health.js";
import { machineDescription, writeBenchmarkSection } from "./report.js";

const MEMORIES = Number(process.env.BENCH_MEMORIES ?? 10_000);
const DIMENSIONS = 1024;
const QUERIES = 200;

/** Deterministic pseudo-random unit vectors. */
function vectors(count: number, seed: number): Float32Array[] {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 4_294_967_296 - 0.5;
  };
  return Array.from({ length: count }, () => normalize(Array.from({ length: DIMENSIONS }, next)));
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

async function time(run: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "wellness-bench-memory-"));
  const server = await RedisServerProcess.start({ port: 20_000 + Math.floor(Math.random() * 20_000), dir });
  const redis = await connectRedis({ url: server.url });
  try {
    const keys = new KeySchema("bench:");
    const index = new CoreVectorIndex(redis, keys);
    const user = "bench-user";
    const episodic: VectorScope[] = ["goal", "preference", "health_event"].map((type) => ({ tag: user, name: `episodic:${type}` }));
    const categories = ["heart", "sleep", "activity", "fitness", "body", "blood_pressure", "respiratory", "general"];
    const semantic: VectorScope[] = categories.map((category) => ({ tag: category, name: "semantic" }));
    const procedure: VectorScope = { tag: user, name: "procedure" };

    process.stderr.write(`writing ${MEMORIES} memories of ${DIMENSIONS} dimensions...\n`);
    const data = vectors(MEMORIES, 1);
    const writeStart = process.hrtime.bigint();
    for (let start = 0; start < MEMORIES; start += 500) {
      await Promise.all(
        data.slice(start, start + 500).map((vector, offset) => {
          const i = start + offset;
          const scope = episodic[i % 3] as VectorScope;
          return index.upsert(
            scope,
            { key: keys.episodic(user, scope.name.slice("episodic:".length), `m${i}`), vector, fields: { user_id: user, superseded: "0", description: `memory ${i}` } },
            3600,
          );
        }),
      );
    }
    const writeSeconds = Number(process.hrtime.bigint() - writeStart) / 1e9;
    const facts = vectors(28, 2);
    await Promise.all(facts.map((vector, i) => index.upsert(semantic[i % semantic.length] as VectorScope, { key: keys.semantic(categories[i % categories.length] as string, "fact", `f${i}`), vector, fields: { content: `fact ${i}` } }, 3600)));
    const patterns = vectors(200, 3);
    await Promise.all(patterns.map((vector, i) => index.upsert(procedure, { key: keys.procedure(user, i.toString(16).padStart(32, "0")), vector, fields: { user_id: user, avg_success_score: "0.9" } }, 3600)));

    const queries = vectors(QUERIES, 4);
    const cold: number[] = [];
    for (let i = 0; i < 5; i++) {
      const fresh = new CoreVectorIndex(redis, keys);
      cold.push(await time(() => fresh.knn(episodic, queries[i] as Float32Array, { k: 5, whereNot: { superseded: "1" } })));
    }
    await index.knn(episodic, queries[0] as Float32Array, { k: 5 });
    const writer = new CoreVectorIndex(redis, keys);
    const afterWrite: number[] = [];
    for (let i = 0; i < 20; i++) {
      const scope = episodic[i % 3] as VectorScope;
      await writer.upsert(scope, { key: keys.episodic(user, scope.name.slice("episodic:".length), `new${i}`), vector: queries[i] as Float32Array, fields: { user_id: user, superseded: "0", description: `new ${i}` } }, 3600);
      afterWrite.push(await time(() => index.knn(episodic, queries[i + 1] as Float32Array, { k: 5, whereNot: { superseded: "1" } })));
    }
    const warm: number[] = [];
    for (const query of queries) warm.push(await time(() => index.knn(episodic, query, { k: 5, whereNot: { superseded: "1" } })));
    const turn: number[] = [];
    for (const query of queries) {
      turn.push(
        await time(() =>
          index.knnMany(query, [
            { scopes: [episodic[0] as VectorScope], options: { k: 100, minSimilarity: -2, where: { user_id: user }, whereNot: { superseded: "1" } } },
            { scopes: episodic.slice(1), options: { k: 5, minSimilarity: 0.3, where: { user_id: user }, whereNot: { superseded: "1" } } },
            { scopes: semantic, options: { k: 3, minSimilarity: 0.3 } },
            { scopes: [procedure], options: { k: 5, minSimilarity: 0.6, where: { user_id: user } } },
          ]),
        ),
      );
    }

    process.stderr.write("timing the local embedding model...\n");
    const local = new LocalEmbeddings();
    const loadMs = await time(() => local.embed(["warm up"]));
    const texts = Array.from({ length: 64 }, (_, i) => `How did I sleep on night ${i} compared with the week before, and did my resting heart rate change?`);
    const single: number[] = [];
    for (const text of texts.slice(0, 32)) single.push(await time(() => local.embed([text])));
    const batchMs = await time(() => local.embed(texts));

    const { version } = await serverInfo(redis);
    const body = [
      `${machineDescription()}, redis-server ${version} (private, loopback, no persistence).`,
      "",
      `${MEMORIES.toLocaleString("en-US")} episodic memories of ${DIMENSIONS} dimensions in one user's three episodic scopes, 28 semantic facts in 8 categories, 200 procedural patterns; ` +
        `${QUERIES} queries, one at a time, k = 5. Warm = the scopes are cached in-process and unchanged (one round trip: MGET of the versions); ` +
        `cold = a process that has not seen the scopes yet loads them whole; after a write = another process stored one memory since this process's last query, ` +
        `so only that member is fetched (the scope's change log). Writing the ${MEMORIES.toLocaleString("en-US")} memories took ${writeSeconds.toFixed(1)} s (500 upserts in flight).`,
      "",
      "| measurement | p50 ms | p99 ms | target |",
      "|---|---|---|---|",
      `| knn over ${MEMORIES.toLocaleString("en-US")} memories, warm | ${percentile(warm, 50).toFixed(2)} | ${percentile(warm, 99).toFixed(2)} | p50 <= 15 |`,
      `| knn over ${MEMORIES.toLocaleString("en-US")} memories, cold (scopes loaded whole) | ${percentile(cold, 50).toFixed(1)} | ${percentile(cold, 99).toFixed(1)} | |`,
      `| knn over ${MEMORIES.toLocaleString("en-US")} memories, right after one write to a scope | ${percentile(afterWrite, 50).toFixed(2)} | ${percentile(afterWrite, 99).toFixed(2)} | O(changed) |`,
      `| one turn's recall (knnMany: goals, episodic, semantic, procedural in one version check), embedding excluded | ${percentile(turn, 50).toFixed(2)} | ${percentile(turn, 99).toFixed(2)} | p50 <= 20 |`,
      "",
      `Local embedding model (Universal Sentence Encoder Lite, 512 dimensions, from the npm package): first call with model load ${loadMs.toFixed(0)} ms; ` +
        `one text per call p50 ${percentile(single, 50).toFixed(1)} ms; a batch of 64 texts ${batchMs.toFixed(0)} ms = ${(batchMs / 64).toFixed(1)} ms per text.`,
    ].join("\n");
    process.stdout.write(`${body}\n`);
    writeBenchmarkSection("## Long-term memory (`npm run bench:memory`)", body);
  } finally {
    await closeRedis(redis);
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
