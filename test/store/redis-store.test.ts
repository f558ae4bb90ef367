import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Item, SearchItem } from "@langchain/langgraph-checkpoint";
import { closeRedis, connectRedis, isCluster } from "../../src/index.js";
import { keySlot } from "../../src/redis/slot.js";
import { RedisStore, StoreNamespaceError } from "../../src/store/index.js";
import { RoundTripCounter } from "../../bench/round-trips.js";
import { HashingEmbeddings } from "../support/hashing-embeddings.js";
import { connectTestRedis, type TestConnection } from "../support/redis.js";

describe("RedisStore", () => {
  let test: TestConnection;
  const store = (owner = "alice", options: Partial<ConstructorParameters<typeof RedisStore>[0]> = {}) =>
    new RedisStore({ client: test.client, keys: test.keys, owner, ...options });

  beforeAll(async () => {
    test = await connectTestRedis({ label: "store" });
  });

  afterAll(async () => {
    await test.dispose();
  });

  it("puts, gets, updates and deletes an item, keeping its creation time", async () => {
    const s = store("crud");
    expect(await s.get(["docs"], "a")).toBeNull();
    await s.put(["docs"], "a", { title: "first" });
    const created = await s.get(["docs"], "a");
    expect(created).toMatchObject({ namespace: ["docs"], key: "a", value: { title: "first" } });
    expect(created?.createdAt).toBeInstanceOf(Date);
    expect(created?.updatedAt.getTime()).toBe(created?.createdAt.getTime());
    await s.put(["docs"], "a", { title: "second" });
    const updated = await s.get(["docs"], "a");
    expect(updated?.value).toEqual({ title: "second" });
    expect(updated?.createdAt.getTime()).toBe(created?.createdAt.getTime());
    expect(updated?.updatedAt.getTime()).toBeGreaterThan(created?.updatedAt.getTime() ?? 0);
    await s.delete(["docs"], "a");
    expect(await s.get(["docs"], "a")).toBeNull();
    expect(await s.listNamespaces()).toEqual([]);
    expect(await s.search([])).toEqual([]);
  });

  it("runs a batch in one round trip, reads seeing the state before its writes", async () => {
    const counter = await RoundTripCounter.start(Number(new URL(test.url).port));
    const client = await connectRedis({ url: counter.url });
    try {
      const s = new RedisStore({ client, keys: test.keys, owner: "batch" });
      await s.put(["b"], "k", { n: 1 });
      counter.reset();
      const results = await s.batch([
        { namespace: ["b"], key: "k" },
        { namespace: ["b"], key: "k", value: { n: 2 } },
        { namespacePrefix: ["b"], limit: 10, offset: 0 },
        { matchConditions: undefined, limit: 10, offset: 0 },
      ]);
      expect(counter.roundTrips).toBe(1);
      const [before, , found, namespaces] = results as unknown as [Item | null, void, SearchItem[], string[][]];
      expect(before?.value).toEqual({ n: 1 });
      expect(found.map((item) => item.value)).toEqual([{ n: 1 }]);
      expect(namespaces).toEqual([["b"]]);
      expect((await s.get(["b"], "k"))?.value).toEqual({ n: 2 });
      counter.reset();
      await s.get(["b"], "k");
      expect(counter.roundTrips).toBe(1);
    } finally {
      await closeRedis(client);
      await counter.stop();
    }
  });

  it("searches a namespace prefix, newest first, with InMemoryStore's filter operators and pagination", async () => {
    const s = store("search");
    await s.put(["shop", "fruit"], "apple", { color: "red", price: 3, tags: ["sweet"], meta: { origin: "fr", organic: true } });
    await s.put(["shop", "fruit"], "lemon", { color: "yellow", price: 5, meta: { origin: "es", organic: false } });
    await s.put(["shop", "veg"], "pepper", { color: "red", price: 7, meta: { origin: "es" } });
    await s.put(["shopping"], "list", { color: "red", price: 1 });
    await s.put(["other"], "x", { color: "red", price: 2 });

    const keys = async (prefix: string[], options: Parameters<RedisStore["search"]>[1] = {}) => (await s.search(prefix, options)).map((item) => item.key);
    expect(await keys(["shop"])).toEqual(["pepper", "lemon", "apple"]);
    expect(await keys(["shop", "fruit"])).toEqual(["lemon", "apple"]);
    expect(await keys([])).toEqual(["x", "list", "pepper", "lemon", "apple"]);
    expect(await keys(["sho"])).toEqual([]);
    expect(await keys(["shop"], { filter: { color: "red" } })).toEqual(["pepper", "apple"]);
    expect(await keys(["shop"], { filter: { price: { $gt: 3 } } })).toEqual(["pepper", "lemon"]);
    expect(await keys(["shop"], { filter: { price: { $gte: 3, $lt: 7 } } })).toEqual(["lemon", "apple"]);
    expect(await keys(["shop"], { filter: { price: { $lte: 3 } } })).toEqual(["apple"]);
    expect(await keys(["shop"], { filter: { color: { $ne: "red" } } })).toEqual(["lemon"]);
    expect(await keys(["shop"], { filter: { color: { $eq: "yellow" } } })).toEqual(["lemon"]);
    expect(await keys(["shop"], { filter: { color: { $in: ["yellow", "green"] } } })).toEqual(["lemon"]);
    expect(await keys(["shop"], { filter: { color: { $nin: ["yellow"] } } })).toEqual(["pepper", "apple"]);
    expect(await keys(["shop"], { filter: { meta: { origin: "es" } } })).toEqual(["pepper", "lemon"]);
    expect(await keys(["shop"], { filter: { meta: { origin: "es", organic: false } } })).toEqual(["lemon"]);
    expect(await keys(["shop"], { filter: { tags: ["sweet"] } })).toEqual(["apple"]);
    expect(await keys(["shop"], { filter: { missing: "x" } })).toEqual([]);
    expect(await keys(["shop"], { filter: { constructor: { $ne: 1 }, __proto__: { $eq: undefined } } })).toEqual(["pepper", "lemon", "apple"]);
    expect(await keys([], { limit: 2 })).toEqual(["x", "list"]);
    expect(await keys([], { limit: 2, offset: 2 })).toEqual(["pepper", "lemon"]);
    expect(await keys([], { limit: 2, offset: 4 })).toEqual(["apple"]);
    expect(await keys(["shop"], { filter: { color: "red" }, limit: 1, offset: 1 })).toEqual(["apple"]);
    const [first] = await s.search(["shop", "veg"]);
    expect(first).toMatchObject({ namespace: ["shop", "veg"], key: "pepper", value: { color: "red", price: 7 }, score: undefined });
  });

  it("lists namespaces with prefix and suffix conditions, wildcards, depth and pagination", async () => {
    const s = store("list");
    for (const namespace of [["a", "b", "c"], ["a", "b", "d"], ["a", "e"], ["x", "b", "c"], ["ab"]]) await s.put(namespace, "k", { v: 1 });
    expect(await s.listNamespaces()).toEqual([["a", "b", "c"], ["a", "b", "d"], ["a", "e"], ["ab"], ["x", "b", "c"]]);
    expect(await s.listNamespaces({ prefix: ["a"] })).toEqual([["a", "b", "c"], ["a", "b", "d"], ["a", "e"]]);
    expect(await s.listNamespaces({ prefix: ["a", "b"] })).toEqual([["a", "b", "c"], ["a", "b", "d"]]);
    expect(await s.listNamespaces({ suffix: ["c"] })).toEqual([["a", "b", "c"], ["x", "b", "c"]]);
    expect(await s.listNamespaces({ prefix: ["*", "b"] })).toEqual([["a", "b", "c"], ["a", "b", "d"], ["x", "b", "c"]]);
    expect(await s.listNamespaces({ prefix: ["a"], suffix: ["d"] })).toEqual([["a", "b", "d"]]);
    expect(await s.listNamespaces({ maxDepth: 1 })).toEqual([["a"], ["ab"], ["x"]]);
    expect(await s.listNamespaces({ prefix: ["a"], maxDepth: 2 })).toEqual([["a", "b"], ["a", "e"]]);
    expect(await s.listNamespaces({ limit: 2, offset: 1 })).toEqual([["a", "b", "d"], ["a", "e"]]);
    await s.delete(["a", "e"], "k");
    expect(await s.listNamespaces({ prefix: ["a"], maxDepth: 2 })).toEqual([["a", "b"]]);
  });

  it("refuses bad namespaces, keys, values and TTLs before writing anything", async () => {
    const s = store("invalid");
    await expect(s.put([], "k", { a: 1 })).rejects.toBeInstanceOf(StoreNamespaceError);
    await expect(s.put(["a.b"], "k", { a: 1 })).rejects.toBeInstanceOf(StoreNamespaceError);
    await expect(s.put(["a", ""], "k", { a: 1 })).rejects.toBeInstanceOf(StoreNamespaceError);
    await expect(s.put(["a:b"], "k", { a: 1 })).rejects.toBeInstanceOf(StoreNamespaceError);
    await expect(s.put(["a{b}"], "k", { a: 1 })).rejects.toBeInstanceOf(StoreNamespaceError);
    await expect(s.put(["langgraph"], "k", { a: 1 })).rejects.toBeInstanceOf(StoreNamespaceError);
    await expect(s.batch([{ namespace: ["ok"], key: "k", value: { a: 1 } }, { namespace: ["x".repeat(129)], key: "k", value: { a: 1 } }])).rejects.toBeInstanceOf(
      StoreNamespaceError,
    );
    await expect(s.put(["ok"], "a*b", { a: 1 })).rejects.toMatchObject({ code: "ERR_INVALID_ID" });
    await expect(s.put(["ok"], "", { a: 1 })).rejects.toMatchObject({ code: "ERR_INVALID_ID" });
    await expect(s.put(["ok"], "k", [1, 2] as unknown as Record<string, unknown>)).rejects.toMatchObject({ code: "ERR_VALIDATION" });
    await expect(s.put(["ok"], "k", { a: 1 }, undefined, { ttl: -1 })).rejects.toMatchObject({ code: "ERR_VALIDATION" });
    await expect(s.search(["ok"], { limit: -1 })).rejects.toMatchObject({ code: "ERR_VALIDATION" });
    await expect(s.search(["a.b"])).rejects.toBeInstanceOf(StoreNamespaceError);
    expect(await s.listNamespaces()).toEqual([]);
    expect(() => store("bad{owner}")).toThrow(/store owner/u);
  });

  it("expires items by TTL (minutes) and pushes the expiry out on read unless told not to", async () => {
    const s = store("ttl");
    await s.put(["t"], "long", { a: 1 }, undefined, { ttl: 1 });
    await s.put(["t"], "forever", { a: 2 });
    const itemKey = test.keys.storeItem("ttl", "t", "long");
    const first = await test.client.pTTL(itemKey);
    expect(first).toBeGreaterThan(55_000);
    expect(await test.client.pTTL(test.keys.storeItem("ttl", "t", "forever"))).toBe(-1);
    await sleep(50);
    await s.get(["t"], "long", { refreshTtl: false });
    const unrefreshed = await test.client.pTTL(itemKey);
    expect(unrefreshed).toBeLessThan(first);
    await s.get(["t"], "long");
    expect(await test.client.pTTL(itemKey)).toBeGreaterThan(unrefreshed);
    await sleep(50);
    const beforeSearch = await test.client.pTTL(itemKey);
    await s.search(["t"], { filter: { a: 1 } });
    expect(await test.client.pTTL(itemKey)).toBeGreaterThan(beforeSearch);

    await s.put(["short"], "gone", { a: 3 }, undefined, { ttl: 0.005 });
    await s.put(["t"], "soon", { a: 4 }, undefined, { ttl: 0.005 });
    expect((await s.get(["short"], "gone", { refreshTtl: false }))?.value).toEqual({ a: 3 });
    await sleep(600);
    expect(await s.get(["short"], "gone")).toBeNull();
    expect((await s.search(["t"])).map((item) => item.key).sort()).toEqual(["forever", "long"]);
    expect(await s.listNamespaces()).toEqual([["t"]]);
    expect(await test.client.zCard(test.keys.storeExpiry("ttl"))).toBe(1);

    await s.put(["t"], "long", { a: 1 }, undefined, { ttl: null });
    expect(await test.client.pTTL(itemKey)).toBe(-1);
    const defaults = store("ttl-default", { ttl: { defaultTtl: 2, refreshOnRead: false } });
    await defaults.put(["d"], "k", { a: 1 });
    const pttl = await test.client.pTTL(test.keys.storeItem("ttl-default", "d", "k"));
    expect(pttl).toBeGreaterThan(115_000);
    await sleep(30);
    await defaults.get(["d"], "k");
    expect(await test.client.pTTL(test.keys.storeItem("ttl-default", "d", "k"))).toBeLessThan(pttl);
  });

  it("keeps owners apart: same namespace and key, no cross get, search, list or delete", async () => {
    const alice = store("owner-alice");
    const bob = alice.forOwner("owner-bob");
    expect(bob.owner).toBe("owner-bob");
    await alice.put(["notes"], "shared-key", { who: "alice" });
    await bob.put(["notes"], "shared-key", { who: "bob" });
    await alice.put(["alice-only"], "k", { secret: true });

    expect((await alice.get(["notes"], "shared-key"))?.value).toEqual({ who: "alice" });
    expect((await bob.get(["notes"], "shared-key"))?.value).toEqual({ who: "bob" });
    expect(await bob.get(["alice-only"], "k")).toBeNull();
    expect((await bob.search([])).map((item) => item.value)).toEqual([{ who: "bob" }]);
    expect(await bob.search(["alice-only"])).toEqual([]);
    expect(await bob.listNamespaces()).toEqual([["notes"]]);
    await bob.delete(["alice-only"], "k");
    await bob.delete(["notes"], "shared-key");
    expect((await alice.get(["alice-only"], "k"))?.value).toEqual({ secret: true });
    expect((await alice.get(["notes"], "shared-key"))?.value).toEqual({ who: "alice" });
    expect(await alice.listNamespaces()).toEqual([["alice-only"], ["notes"]]);
    expect(await bob.listNamespaces()).toEqual([]);
  });

  it("clears one owner's items and nothing of another's", async () => {
    const alice = store("clear-alice");
    const bob = alice.forOwner("clear-bob");
    await alice.put(["a", "b"], "k1", { v: 1 }, undefined, { ttl: 5 });
    await alice.put(["c"], "k2", { v: 2 });
    await bob.put(["a", "b"], "k1", { v: 3 });
    expect(await alice.clear()).toBe(2);
    expect(await alice.listNamespaces()).toEqual([]);
    expect(await alice.search([])).toEqual([]);
    expect((await bob.get(["a", "b"], "k1"))?.value).toEqual({ v: 3 });
    const left: string[] = [];
    const client = test.client;
    if (isCluster(client)) throw new Error("this test runs on a single node");
    for await (const batch of client.scanIterator({ MATCH: `${test.prefix}store:{clear-alice}*`, COUNT: 100 })) left.push(...batch);
    expect(left).toEqual([]);
    const everyStoreKey: string[] = [];
    for await (const batch of client.scanIterator({ MATCH: test.keys.storeKeysPattern(), COUNT: 100 })) everyStoreKey.push(...batch);
    expect(everyStoreKey).toContain(test.keys.storeItem("clear-bob", "a.b", "k1"));
    expect(everyStoreKey.every((key) => key.startsWith(`${test.prefix}store:{`))).toBe(true);
  });

  it("keeps all of one owner's keys on one cluster slot", async () => {
    const s = store("slotted", { index: { embeddings: new HashingEmbeddings(16), dims: 16 } });
    await s.put(["a", "b"], "k:1/é", { text: "hello" }, undefined, { ttl: 5 });
    await s.put(["c"], "k2", { text: "world" });
    const keys: string[] = [];
    const client = test.client;
    if (isCluster(client)) throw new Error("this test runs on a single node");
    for await (const batch of client.scanIterator({ MATCH: `${test.prefix}store:{slotted}*`, COUNT: 100 })) keys.push(...batch);
    expect(keys.length).toBe(7);
    expect(new Set(keys.map(keySlot)).size).toBe(1);
    expect(keys).toContain(test.keys.storeItem("slotted", "a.b", "k:1/é"));
  });

  it("ranks by exact cosine similarity of the indexed fields when a query is given", async () => {
    const embeddings = new HashingEmbeddings(256);
    const s = store("semantic", { index: { embeddings, dims: 256, fields: ["text"] } });
    await s.put(["mem"], "run", { text: "I run five kilometers every morning" });
    await s.put(["mem"], "sleep", { text: "I sleep eight hours at night" });
    await s.put(["mem"], "food", { text: "spicy food is my favourite" });
    await s.put(["mem"], "plain", { other: "no indexed text here" });
    await s.put(["mem"], "chapters", { text: "a book", chapters: ["sleep quality at night matters"] }, ["chapters[*]"]);
    await s.put(["mem"], "unindexed", { text: "I sleep eight hours at night" }, false);

    const results = await s.search(["mem"], { query: "how many hours do I sleep at night", limit: 10 });
    expect(results[0]?.key).toBe("sleep");
    expect(results[1]?.key).toBe("chapters");
    const scored = results.filter((item) => item.score !== undefined);
    expect(scored.map((item) => item.key).sort()).toEqual(["chapters", "food", "run", "sleep"]);
    for (let i = 1; i < scored.length; i++) expect(scored[i - 1]?.score ?? 0).toBeGreaterThanOrEqual(scored[i]?.score ?? 0);
    const [queryVector] = await embeddings.embed(["how many hours do I sleep at night"]);
    const [sleepVector] = await embeddings.embed(["I sleep eight hours at night"]);
    let expected = 0;
    for (let i = 0; i < 256; i++) expected += (queryVector?.[i] ?? 0) * (sleepVector?.[i] ?? 0);
    expect(results[0]?.score).toBeCloseTo(expected, 5);
    expect(results.slice(4).map((item) => item.score)).toEqual([undefined, undefined]);
    expect(results.slice(4).map((item) => item.key).sort()).toEqual(["plain", "unindexed"]);

    const page = await s.search(["mem"], { query: "how many hours do I sleep at night", limit: 1, offset: 1 });
    expect(page.map((item) => item.key)).toEqual(["chapters"]);
    const filtered = await s.search(["mem"], { query: "sleep at night", filter: { text: { $ne: "I sleep eight hours at night" } }, limit: 2 });
    expect(filtered[0]?.key).toBe("chapters");
    expect((await s.search(["mem"], { limit: 2 })).every((item) => item.score === undefined)).toBe(true);
    const noIndex = store("semantic");
    expect((await noIndex.search(["mem"], { query: "sleep" })).every((item) => item.score === undefined)).toBe(true);

    const wider = store("semantic", { index: { embeddings: new HashingEmbeddings(512), dims: 512, fields: ["text"] } });
    expect((await wider.search(["mem"], { query: "sleep at night" })).every((item) => item.score === undefined)).toBe(true);

    await s.put(["mem"], "sleep", { text: "spicy food every night" });
    const after = await s.search(["mem"], { query: "spicy food", limit: 2 });
    expect(after.map((item) => item.key).sort()).toEqual(["food", "sleep"]);
  });

  it("refuses embeddings of another dimension than configured, writing nothing", async () => {
    const s = store("dims", { index: { embeddings: new HashingEmbeddings(32), dims: 64 } });
    await expect(s.put(["d"], "k", { text: "x" })).rejects.toMatchObject({ code: "ERR_EMBEDDING_UNAVAILABLE" });
    expect(await s.get(["d"], "k")).toBeNull();
  });

  it("accepts a LangChain Embeddings for the index", async () => {
    const hashing = new HashingEmbeddings(64);
    const langchain = {
      embedDocuments: async (texts: string[]) => (await hashing.embed(texts)).map((vector) => [...vector]),
      embedQuery: async (text: string) => [...((await hashing.embed([text]))[0] ?? [])],
    };
    const s = store("langchain", { index: { embeddings: langchain, dims: 64 } });
    await s.put(["n"], "a", { text: "steps walking goal" });
    await s.put(["n"], "b", { text: "quiet reading evening" });
    const [best] = await s.search(["n"], { query: "walking steps" });
    expect(best?.key).toBe("a");
    expect(best?.score).toBeGreaterThan(0);
  });
});
