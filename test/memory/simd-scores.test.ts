import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import wabtInit from "wabt";
import { normalize } from "../../src/index.js";
import { scoresWasmBytes, SimdScorer } from "../../src/memory/vector/simd-scores.js";
import { CoreVectorIndex } from "../../src/memory/vector/core-index.js";
import { connectTestRedis } from "../support/redis.js";

function random(count: number, dim: number, seed: number): Float32Array[] {
  let state = seed;
  const next = () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 4_294_967_296 - 0.5;
  };
  return Array.from({ length: count }, () => normalize(Array.from({ length: dim }, next)));
}

describe("SIMD scoring", () => {
  it("ships exactly the bytes that scores.wat assembles to", async () => {
    const wabt = await wabtInit();
    const source = readFileSync(new URL("../../src/memory/vector/scores.wat", import.meta.url), "utf8");
    const module = wabt.parseWat("scores.wat", source, { simd: true });
    const { buffer } = module.toBinary({});
    expect(Buffer.from(buffer).equals(Buffer.from(scoresWasmBytes()))).toBe(true);
  });

  it("scores every row like a plain dot product", () => {
    const dim = 1024;
    const rows = random(300, dim, 7);
    const matrix = new Float32Array(rows.length * dim);
    rows.forEach((row, index) => matrix.set(row, index * dim));
    const scorer = SimdScorer.create(SimdScorer.compile(), matrix, rows.length, dim);
    for (const query of random(5, dim, 11)) {
      const scores = scorer.score(query);
      rows.forEach((row, index) => {
        const expected = row.reduce((sum, value, i) => sum + value * (query[i] ?? 0), 0);
        expect(scores[index]).toBeCloseTo(expected, 5);
      });
    }
  });

  it("refuses a dimension the SIMD loop cannot step through", () => {
    expect(() => SimdScorer.create(SimdScorer.compile(), new Float32Array(12), 2, 6)).toThrow(RangeError);
  });

  it("the index finds the true nearest neighbours with SIMD (dim 16, 300 vectors) and without it (dim 12; and small scopes)", async () => {
    const test = await connectTestRedis({ label: "simd" });
    try {
      const index = new CoreVectorIndex(test.client, test.keys);
      for (const [dim, count] of [
        [12, 300],
        [16, 300],
        [16, 40],
      ] as const) {
        const scope = { tag: "simd", name: `dim${dim}n${count}` };
        const documents = random(count, dim, dim + count);
        await Promise.all(documents.map((vector, i) => index.upsert(scope, { key: `${test.prefix}{simd}:${dim}:${count}:${i}`, vector, fields: {} }, 600)));
        for (const query of random(5, dim, 100 + dim + count)) {
          const expected = documents
            .map((vector, i) => ({ key: `${test.prefix}{simd}:${dim}:${count}:${i}`, similarity: vector.reduce((sum, value, d) => sum + value * (query[d] ?? 0), 0) }))
            .sort((a, b) => b.similarity - a.similarity)
            .slice(0, 5);
          const found = await index.knn([scope], query, { k: 5 });
          expect(found.map((match) => match.key)).toEqual(expected.map((match) => match.key));
          found.forEach((match, i) => expect(match.similarity).toBeCloseTo(expected[i]?.similarity ?? 0, 5));
        }
      }
    } finally {
      await test.dispose();
    }
  });
});
