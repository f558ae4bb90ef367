import { Embeddings } from "@langchain/core/embeddings";
import { InMemoryStore, type Item, type MatchCondition } from "@langchain/langgraph-checkpoint";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisStore } from "../../src/store/index.js";
import { HashingEmbeddings } from "../support/hashing-embeddings.js";
import { connectTestRedis, type TestConnection } from "../support/redis.js";

/** The test's hashing embeddings as a LangChain `Embeddings`, which InMemoryStore needs. */
class HashingLangChainEmbeddings extends Embeddings {
  private readonly hashing = new HashingEmbeddings(128);

  constructor() {
    super({});
  }

  async embedDocuments(texts: string[]): Promise<number[][]> {
    return (await this.hashing.embed(texts)).map((vector) => [...vector]);
  }

  async embedQuery(text: string): Promise<number[]> {
    const [vector] = await this.hashing.embed([text]);
    return [...(vector ?? [])];
  }
}

/** A small seeded generator, so a failing sequence can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

const LABELS = ["a", "b", "c", "users", "docs"];
const KEYS = ["k1", "k2", "k3", "k4"];
const COLORS = ["red", "green", "blue"];

const stripTimes = (item: Item | null) => (item ? { namespace: item.namespace, key: item.key, value: item.value } : null);
const bySignature = (items: Item[]) => items.map(stripTimes).sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));

/**
 * The same random operations against LangGraph's InMemoryStore and RedisStore give the same
 * items, search results (as sets: InMemoryStore returns insertion order, RedisStore newest first)
 * and namespace listings.
 */
describe("RedisStore against LangGraph's InMemoryStore", () => {
  let test: TestConnection;

  beforeAll(async () => {
    test = await connectTestRedis({ label: "store-parity" });
  });

  afterAll(async () => {
    await test.dispose();
  });

  for (const seed of [1, 2, 3]) {
    it(`agrees on get, filtered search and namespace listing (seed ${seed})`, async () => {
      const next = random(seed);
      const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
      const redis = new RedisStore({ client: test.client, keys: test.keys, owner: `parity-${seed}` });
      const memory = new InMemoryStore();
      const namespace = () => Array.from({ length: 1 + Math.floor(next() * 3) }, () => pick(LABELS));

      for (let step = 0; step < 150; step++) {
        const ns = namespace();
        const key = pick(KEYS);
        const value = { color: pick(COLORS), size: Math.floor(next() * 10), flag: next() < 0.5 };
        await Promise.all([redis.put(ns, key, value), memory.put(ns, key, value)]);
      }
      const conditions: { prefix?: string[]; suffix?: string[]; maxDepth?: number; limit?: number; offset?: number }[] = [
        {},
        { prefix: ["a"] },
        { suffix: ["b"] },
        { prefix: ["*", "c"] },
        { prefix: ["a"], suffix: ["*"], maxDepth: 2 },
        { maxDepth: 1 },
        { maxDepth: 2, limit: 5, offset: 3 },
        { suffix: ["docs", "*"] },
      ];
      for (const condition of conditions) expect(await redis.listNamespaces(condition)).toEqual(await memory.listNamespaces(condition));

      for (let step = 0; step < 100; step++) {
        const ns = namespace();
        const key = pick(KEYS);
        if (next() < 0.3) {
          await Promise.all([redis.delete(ns, key), memory.delete(ns, key)]);
        } else {
          const value = { color: pick(COLORS), size: Math.floor(next() * 10), flag: next() < 0.5 };
          await Promise.all([redis.put(ns, key, value), memory.put(ns, key, value)]);
        }
        expect(stripTimes(await redis.get(ns, key))).toEqual(stripTimes(await memory.get(ns, key)));
        const prefix = namespace().slice(0, Math.floor(next() * 3));
        const filters = [
          undefined,
          { color: pick(COLORS) },
          { size: { $gt: Math.floor(next() * 10) } },
          { size: { $gte: 2, $lte: 6 }, flag: true },
          { color: { $ne: pick(COLORS) }, size: { $lt: 5 } },
          { color: { $in: [pick(COLORS), pick(COLORS)] } },
          { color: { $nin: [pick(COLORS)] }, size: { $eq: Math.floor(next() * 10) } },
        ];
        const filter = pick(filters);
        const [fromRedis, fromMemory] = await Promise.all([redis.search(prefix, { filter, limit: 1000 }), memory.search(prefix, { filter, limit: 1000 })]);
        expect(bySignature(fromRedis)).toEqual(bySignature(fromMemory));
      }
      const everything = await memory.search([], { limit: 1000 });
      for (const matchType of ["prefix", "suffix"] as const) {
        const path = [pick(LABELS)];
        const fromMemory = (await memory.listNamespaces({ [matchType]: path })).filter((ns) => everything.some((item) => item.namespace.join(".") === ns.join(".")));
        const condition: MatchCondition = { matchType, path };
        expect(await redis.batch([{ matchConditions: [condition], limit: 1000, offset: 0 }]).then(([result]) => result)).toEqual(fromMemory);
      }
    });
  }

  it("ranks a semantic query like InMemoryStore: same order, same scores, same pages", async () => {
    const index = { embeddings: new HashingLangChainEmbeddings(), dims: 128, fields: ["text", "notes[*]"] };
    const redis = new RedisStore({ client: test.client, keys: test.keys, owner: "parity-semantic", index });
    const memory = new InMemoryStore({ index });
    const documents = [
      { text: "I walk ten thousand steps every day", notes: ["morning walk", "evening run"] },
      { text: "sleep eight hours a night", notes: ["no coffee after noon"] },
      { text: "drink two litres of water", notes: [] },
      { text: "spicy food and late dinners", notes: ["sleep is worse after late dinners"] },
      { text: "run a half marathon in spring" },
    ];
    for (const [i, value] of documents.entries()) {
      await redis.put(["m", i % 2 ? "odd" : "even"], `d${i}`, value);
      await memory.put(["m", i % 2 ? "odd" : "even"], `d${i}`, value);
    }
    for (const query of ["how well do I sleep at night", "running and walking", "water"]) {
      for (const page of [{ limit: 10, offset: 0 }, { limit: 2, offset: 1 }, { limit: 3, offset: 2 }]) {
        const [fromRedis, fromMemory] = await Promise.all([redis.search(["m"], { query, ...page }), memory.search(["m"], { query, ...page })]);
        // Equal scores may come in another order (InMemoryStore keeps insertion order, RedisStore
        // newest first), so compare the score at each position and each item's own score.
        const full = new Map((await memory.search(["m"], { query, limit: 10 })).map((item) => [item.key, item.score ?? Number.NaN]));
        expect(fromRedis).toHaveLength(fromMemory.length);
        fromRedis.forEach((item, position) => {
          expect(item.score).toBeCloseTo(fromMemory[position]?.score ?? Number.NaN, 5);
          expect(item.score).toBeCloseTo(full.get(item.key) ?? Number.NaN, 5);
        });
      }
    }
  });
});
