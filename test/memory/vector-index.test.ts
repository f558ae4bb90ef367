import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeRedis, connectRedis, CoreVectorIndex, KeySchema, normalize } from "../../src/index.js";
import { RoundTripCounter } from "../../bench/round-trips.js";
import { connectTestRedis, type TestConnection } from "../support/redis.js";

const vector = (...values: number[]) => normalize(values);

describe("CoreVectorIndex", () => {
  let test: TestConnection;

  beforeAll(async () => {
    test = await connectTestRedis({ label: "vector" });
  });

  afterAll(async () => {
    await test.dispose();
  });

  it("finds the nearest documents by cosine, with filters, a floor and k", async () => {
    const index = new CoreVectorIndex(test.client, test.keys);
    const scope = { tag: "u1", name: "episodic:goal" };
    const key = (id: string) => `${test.prefix}doc:{u1}:${id}`;
    await index.upsert(scope, { key: key("north"), vector: vector(0, 1), fields: { kind: "a" } }, 600);
    await index.upsert(scope, { key: key("east"), vector: vector(1, 0), fields: { kind: "b" } }, 600);
    await index.upsert(scope, { key: key("northeast"), vector: vector(1, 1), fields: { kind: "a" } }, 600);
    const results = await index.knn([scope], vector(0.2, 1), { k: 2 });
    expect(results.map((match) => match.key)).toEqual([key("north"), key("northeast")]);
    expect(results[0]?.similarity).toBeCloseTo(0.981, 3);
    expect((await index.knn([scope], vector(0.2, 1), { k: 5, where: { kind: "b" } })).map((match) => match.key)).toEqual([key("east")]);
    expect((await index.knn([scope], vector(0.2, 1), { k: 5, whereNot: { kind: "a" } })).map((match) => match.key)).toEqual([key("east")]);
    expect(await index.knn([scope], vector(0.2, 1), { k: 5, minSimilarity: 0.8 })).toHaveLength(2);
    expect(await index.knn([scope], vector(0.2, 1), { k: 5, minSimilarity: 0.9 })).toHaveLength(1);
    expect(await index.count(scope)).toBe(3);
    expect(await index.delete(scope, key("east"))).toBe(true);
    expect(await index.delete(scope, key("east"))).toBe(false);
    expect(await index.count(scope)).toBe(2);
    expect(await test.client.ttl(key("north"))).toBeGreaterThan(590);
  });

  it("answers a warm query in one round trip, and sees another process's write at once", async () => {
    const counter = await RoundTripCounter.start(Number(new URL(test.url).port));
    const client = await connectRedis({ url: counter.url });
    try {
      const keys = new KeySchema(test.prefix);
      const reader = new CoreVectorIndex(client, keys);
      const writer = new CoreVectorIndex(test.client, keys);
      const scopes = [
        { tag: "u2", name: "episodic:goal" },
        { tag: "u2", name: "episodic:preference" },
      ];
      for (let i = 0; i < 20; i++) {
        await writer.upsert(scopes[i % 2]!, { key: `${test.prefix}doc:{u2}:${i}`, vector: vector(i, 1, 2), fields: { i: String(i) } }, 600);
      }
      await reader.knn(scopes, vector(1, 1, 1), { k: 3 });
      counter.reset();
      const warm = await reader.knn(scopes, vector(1, 1, 1), { k: 3 });
      expect(counter.roundTrips).toBe(1);
      await writer.upsert(scopes[0]!, { key: `${test.prefix}doc:{u2}:new`, vector: vector(1, 1, 1), fields: { i: "new" } }, 600);
      const fresh = await reader.knn(scopes, vector(1, 1, 1), { k: 3 });
      expect(fresh[0]?.fields.i).toBe("new");
      expect(fresh.slice(1)).toEqual(warm.slice(0, 2));
    } finally {
      await closeRedis(client);
      await counter.stop();
    }
  });

  it("keeps at most 512 scopes in process memory, dropping the least recently used", async () => {
    const index = new CoreVectorIndex(test.client, test.keys);
    const scopes = Array.from({ length: 520 }, (_, i) => ({ tag: "lru", name: `scope${i}` }));
    await Promise.all(scopes.map((scope, i) => index.upsert(scope, { key: `${test.prefix}doc:{lru}:${i}`, vector: vector(i + 1, 1), fields: {} }, 600)));
    for (const scope of scopes) await index.knn([scope], vector(1, 1), { k: 1 });
    expect(index.cachedScopes).toBe(512);
    const [first] = await index.knn([scopes[0]!], vector(1, 1), { k: 1 });
    expect(first?.key).toBe(`${test.prefix}doc:{lru}:0`);
  });

  it("drops members whose hash expired", async () => {
    const index = new CoreVectorIndex(test.client, test.keys);
    const scope = { tag: "u3", name: "procedure" };
    await index.upsert(scope, { key: `${test.prefix}doc:{u3}:gone`, vector: vector(1, 0), fields: {} }, 600);
    await test.client.unlink(`${test.prefix}doc:{u3}:gone`);
    await test.client.incr(test.keys.vectorVersion("u3", "procedure"));
    expect(await index.count(scope)).toBe(0);
    expect(await test.client.sCard(test.keys.vectorMembers("u3", "procedure"))).toBe(0);
  });
});
