import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { CHANGE_LOG_LENGTH } from "../../src/memory/vector/core-index.js";
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

  it("catches up after writes by fetching only the changed members (three round trips), with the same answers as a full load", async () => {
    const counter = await RoundTripCounter.start(Number(new URL(test.url).port));
    const client = await connectRedis({ url: counter.url });
    try {
      const keys = new KeySchema(test.prefix);
      const reader = new CoreVectorIndex(client, keys);
      const writer = new CoreVectorIndex(test.client, keys);
      const scope = { tag: "u4", name: "episodic:health_event" };
      const key = (i: number | string) => `${test.prefix}doc:{u4}:${i}`;
      const spread = (i: number) => vector(...Array.from({ length: 16 }, (_, d) => Math.sin(i * 7.1 + d * 1.3)));
      for (let i = 0; i < 300; i += 50) {
        await Promise.all(Array.from({ length: 50 }, (_, j) => writer.upsert(scope, { key: key(i + j), vector: spread(i + j), fields: { i: String(i + j) } }, 600)));
      }
      const query = spread(1000);
      await reader.knn([scope], query, { k: 5 });
      await writer.upsert(scope, { key: key(7), vector: query, fields: { i: "7 changed" } }, 600);
      await writer.upsert(scope, { key: key("added"), vector: spread(1001), fields: { i: "added" } }, 600);
      await writer.delete(scope, key(0));
      await writer.update(scope, key(1), { i: "1 renamed" });
      const hgetall = vi.spyOn(client, "sendCommand");
      counter.reset();
      const caughtUp = await reader.knn([scope], query, { k: 10, minSimilarity: -1 });
      expect(counter.roundTrips).toBe(3);
      expect(hgetall.mock.calls.filter(([args]) => Array.isArray(args) && args[0] === "HGETALL")).toHaveLength(4);
      hgetall.mockRestore();
      expect(caughtUp[0]?.fields.i).toBe("7 changed");
      expect(caughtUp).toEqual(await new CoreVectorIndex(test.client, keys).knn([scope], query, { k: 10, minSimilarity: -1 }));
      expect(await reader.count(scope)).toBe(300);
      expect((await reader.documents(scope)).find((document) => document.key === key(1))?.fields.i).toBe("1 renamed");
    } finally {
      await closeRedis(client);
      await counter.stop();
    }
  });

  it("loads a scope whole when its change log no longer reaches back to the cached version", async () => {
    const reader = new CoreVectorIndex(test.client, test.keys);
    const writer = new CoreVectorIndex(test.client, test.keys);
    const scope = { tag: "u5", name: "procedure" };
    const key = (i: number) => `${test.prefix}doc:{u5}:${i}`;
    await writer.upsert(scope, { key: key(0), vector: vector(1, 0), fields: {} }, 600);
    expect(await reader.count(scope)).toBe(1);
    for (let i = 1; i <= CHANGE_LOG_LENGTH + 150; i += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, j) => writer.upsert(scope, { key: key(i + j), vector: vector(1, i + j), fields: {} }, 600)));
    }
    await writer.delete(scope, key(0));
    expect(await test.client.zCard(test.keys.vectorChanges("u5", "procedure"))).toBeLessThanOrEqual(CHANGE_LOG_LENGTH + 101);
    expect(await reader.count(scope)).toBe(CHANGE_LOG_LENGTH + 150);
    expect((await reader.documents(scope)).some((document) => document.key === key(0))).toBe(false);
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
