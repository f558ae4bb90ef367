import { setTimeout as sleep } from "node:timers/promises";
import { Client } from "@langchain/langgraph-sdk";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.js";
import { bearerAuth } from "../support/auth.js";
import { callerOf } from "../../src/server/auth.js";
import { errorResponse } from "../../src/server/errors.js";
import { createStoreRoutes } from "../../src/server/routes/store.js";
import { RedisStore } from "../../src/store/index.js";
import { HashingEmbeddings } from "../support/hashing-embeddings.js";
import { connectTestRedis, type TestConnection } from "../support/redis.js";
import { listen, type ListeningApp } from "../support/http.js";

describe("store routes, driven by the LangGraph SDK", () => {
  let test: TestConnection;
  let server: ListeningApp;
  let apiUrl: string;
  const tokens = new Map([
    ["token-alice", "alice"],
    ["token-bob", "bob"],
  ]);
  const clientFor = (token: string) => new Client({ apiUrl, defaultHeaders: { authorization: `Bearer ${token}` }, callerOptions: { maxRetries: 0 } });
  const raw = (method: string, path: string, payload?: unknown, token = "token-alice") =>
    fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      ...(payload === undefined ? {} : { body: typeof payload === "string" ? payload : JSON.stringify(payload) }),
    });

  beforeAll(async () => {
    test = await connectTestRedis({ label: "store-http" });
    const store = new RedisStore({ client: test.client, keys: test.keys, owner: "nobody", index: { embeddings: new HashingEmbeddings(128), dims: 128, fields: ["text"] } });
    const log = createLogger("error");
    const app = new Hono();
    app.use(bearerAuth(tokens));
    app.route("/", createStoreRoutes({ storeFor: (context) => store.forOwner(callerOf(context)) }));
    app.onError((error, context) => errorResponse(error, context, log));
    server = await listen(app);
    apiUrl = server.url;
  });

  afterAll(async () => {
    await server.close();
    await test.dispose();
  });

  it("puts, searches, lists, gets and deletes as the official API does", async () => {
    const client = clientFor("token-alice");
    const namespace = ["allMethods", "data"];
    expect((await client.store.searchItems(namespace)).items).toEqual([]);
    expect((await client.store.listNamespaces()).namespaces).toEqual([]);

    await client.store.putItem(namespace, "k1", { foo: "bar" });
    const got = await client.store.getItem(namespace, "k1");
    expect(got).toMatchObject({ namespace, key: "k1", value: { foo: "bar" } });
    expect(Object.keys(got ?? {}).sort()).toEqual(["createdAt", "created_at", "key", "namespace", "updatedAt", "updated_at", "value"]);
    const wire = got as unknown as { created_at: string; updated_at: string };
    expect(new Date(wire.created_at).toISOString()).toBe(wire.created_at);

    const afterPut = await client.store.searchItems(namespace);
    expect(afterPut.items).toHaveLength(1);
    expect(afterPut.items[0]).toMatchObject({ key: "k1", value: { foo: "bar" } });
    expect(afterPut.items[0]).not.toHaveProperty("score");

    await client.store.putItem(namespace, "k1", { foo: "baz" });
    expect((await client.store.getItem(namespace, "k1"))?.value).toEqual({ foo: "baz" });
    const afterUpdate = await client.store.searchItems(namespace);
    expect(afterUpdate.items[0]?.value).toEqual({ foo: "baz" });
    expect(new Date(afterUpdate.items[0]?.updatedAt ?? "").getTime()).toBeGreaterThan(new Date(afterPut.items[0]?.updatedAt ?? "").getTime());
    expect(afterUpdate.items[0]?.createdAt).toBe(afterPut.items[0]?.createdAt);
    expect((await client.store.listNamespaces()).namespaces).toEqual([namespace]);

    await client.store.deleteItem(namespace, "k1");
    expect(await client.store.getItem(namespace, "k1")).toBeNull();
    expect((await client.store.searchItems(namespace)).items).toEqual([]);
    expect((await client.store.listNamespaces()).namespaces).toEqual([]);
  });

  it("filters, paginates and lists with conditions and depth over HTTP", async () => {
    const client = clientFor("token-alice");
    await client.store.putItem(["catalog", "fruit"], "apple", { color: "red", price: 3 });
    await client.store.putItem(["catalog", "fruit"], "lemon", { color: "yellow", price: 5 });
    await client.store.putItem(["catalog", "veg"], "pepper", { color: "red", price: 7 });
    const keys = async (options: Parameters<Client["store"]["searchItems"]>[1]) => (await client.store.searchItems(["catalog"], options)).items.map((item) => item.key);
    expect(await keys({})).toEqual(["pepper", "lemon", "apple"]);
    expect(await keys({ filter: { color: "red" } })).toEqual(["pepper", "apple"]);
    expect(await keys({ filter: { price: { $gte: 5 } } })).toEqual(["pepper", "lemon"]);
    expect(await keys({ limit: 1, offset: 1 })).toEqual(["lemon"]);
    expect((await client.store.listNamespaces({ prefix: ["catalog"], maxDepth: 1 })).namespaces).toEqual([["catalog"]]);
    expect((await client.store.listNamespaces({ suffix: ["veg"] })).namespaces).toEqual([["catalog", "veg"]]);
    expect((await client.store.listNamespaces({ prefix: ["catalog"], limit: 1, offset: 1 })).namespaces).toEqual([["catalog", "veg"]]);
  });

  it("ranks by meaning with a query and returns the score", async () => {
    const client = clientFor("token-alice");
    await client.store.putItem(["memories"], "steps", { text: "my goal is ten thousand steps a day" });
    await client.store.putItem(["memories"], "sleep", { text: "I want to sleep eight hours every night" });
    await client.store.putItem(["memories"], "no-text", { other: "nothing to embed" });
    await client.store.putItem(["memories"], "opted-out", { text: "sleep eight hours every night" }, { index: false });
    const { items } = await client.store.searchItems(["memories"], { query: "how many hours of sleep each night" });
    expect(items[0]?.key).toBe("sleep");
    expect(typeof items[0]?.score).toBe("number");
    expect(items[0]?.score ?? 0).toBeGreaterThan(items[1]?.score ?? 0);
    expect(items.filter((item) => item.score === undefined).map((item) => item.key).sort()).toEqual(["no-text", "opted-out"]);
  });

  it("honours ttl on put and refresh_ttl on get and search", async () => {
    const client = clientFor("token-alice");
    await client.store.putItem(["ttl"], "short", { a: 1 }, { ttl: 0.005 });
    await client.store.putItem(["ttl"], "long", { a: 2 }, { ttl: 10 });
    const key = test.keys.storeItem("alice", "ttl", "long");
    const initial = await test.client.pTTL(key);
    expect(initial).toBeGreaterThan(590_000);
    await sleep(40);
    await client.store.getItem(["ttl"], "long", { refreshTtl: false });
    const aged = await test.client.pTTL(key);
    expect(aged).toBeLessThan(initial);
    await client.store.getItem(["ttl"], "long", { refreshTtl: true });
    expect(await test.client.pTTL(key)).toBeGreaterThan(aged);
    await sleep(40);
    const beforeSearch = await test.client.pTTL(key);
    await client.store.searchItems(["ttl"], { refreshTtl: true });
    expect(await test.client.pTTL(key)).toBeGreaterThan(beforeSearch);
    await sleep(500);
    expect(await client.store.getItem(["ttl"], "short")).toBeNull();
    expect((await client.store.searchItems(["ttl"])).items.map((item) => item.key)).toEqual(["long"]);
  });

  it("keeps two users apart on every store route, whoever wrote a namespace and key first", async () => {
    const alice = clientFor("token-alice");
    const bob = clientFor("token-bob");
    const namespace = ["matrix", "shared"];
    await alice.store.putItem(namespace, "same-key", { owner: "alice" });
    await alice.store.putItem(["matrix", "alice-only"], "secret", { owner: "alice" });

    expect(await bob.store.getItem(namespace, "same-key")).toBeNull();
    expect(await bob.store.getItem(["matrix", "alice-only"], "secret")).toBeNull();
    expect((await bob.store.searchItems(["matrix"])).items).toEqual([]);
    expect((await bob.store.searchItems(["matrix"], { query: "alice" })).items).toEqual([]);
    expect((await bob.store.listNamespaces({ prefix: ["matrix"] })).namespaces).toEqual([]);
    await bob.store.deleteItem(namespace, "same-key");
    await bob.store.deleteItem(["matrix", "alice-only"], "secret");

    await bob.store.putItem(namespace, "same-key", { owner: "bob" });
    expect((await bob.store.getItem(namespace, "same-key"))?.value).toEqual({ owner: "bob" });
    expect((await alice.store.getItem(namespace, "same-key"))?.value).toEqual({ owner: "alice" });
    expect((await alice.store.getItem(["matrix", "alice-only"], "secret"))?.value).toEqual({ owner: "alice" });
    expect((await bob.store.searchItems(["matrix"])).items.map((item) => item.value)).toEqual([{ owner: "bob" }]);
    expect((await alice.store.searchItems(["matrix"])).items.map((item) => item.value)).toEqual([{ owner: "alice" }, { owner: "alice" }]);
    expect((await bob.store.listNamespaces({ prefix: ["matrix"] })).namespaces).toEqual([namespace]);
    expect((await alice.store.listNamespaces({ prefix: ["matrix"] })).namespaces).toEqual([["matrix", "alice-only"], namespace]);

    await alice.store.deleteItem(namespace, "same-key");
    expect((await bob.store.getItem(namespace, "same-key"))?.value).toEqual({ owner: "bob" });
    expect(await alice.store.getItem(namespace, "same-key")).toBeNull();
  });

  it("answers bad input with the official status codes and writes nothing", async () => {
    expect((await raw("PUT", "/store/items", { namespace: [], key: "k", value: {} })).status).toBe(400);
    expect((await raw("PUT", "/store/items", { namespace: ["a.b"], key: "k", value: {} })).status).toBe(422);
    expect((await raw("PUT", "/store/items", { namespace: ["a", ""], key: "k", value: {} })).status).toBe(422);
    expect((await raw("PUT", "/store/items", { namespace: ["a:b"], key: "k", value: {} })).status).toBe(422);
    expect((await raw("PUT", "/store/items", { namespace: ["ok"], key: "a{b}", value: {} })).status).toBe(422);
    expect((await raw("PUT", "/store/items", { namespace: ["ok"], key: "k", value: [1] })).status).toBe(400);
    expect((await raw("PUT", "/store/items", { namespace: ["ok"], key: "k", value: {}, ttl: -5 })).status).toBe(400);
    expect((await raw("PUT", "/store/items", "{not json")).status).toBe(400);
    expect((await raw("POST", "/store/items/search", { namespace_prefix: [] })).status).toBe(400);
    expect((await raw("POST", "/store/items/search", { namespace_prefix: ["a"], limit: -1 })).status).toBe(400);
    expect((await raw("POST", "/store/namespaces", { prefix: ["a."] })).status).toBe(422);
    expect((await raw("GET", "/store/items?key=k&namespace=")).status).toBe(422);
    expect((await raw("GET", "/store/items?namespace=a")).status).toBe(400);
    expect((await raw("DELETE", "/store/items", { namespace: [], key: "k" })).status).toBe(400);
    const unauthenticated = await fetch(`${apiUrl}/store/items?namespace=a&key=k`);
    expect(unauthenticated.status).toBe(401);
    const response = await raw("PUT", "/store/items", { namespace: ["a:b"], key: "k", value: {} });
    expect(await response.json()).toMatchObject({ error: { code: "ERR_INVALID_NAMESPACE" } });
    expect((await clientFor("token-alice").store.listNamespaces({ prefix: ["ok"] })).namespaces).toEqual([]);
    const get = await raw("GET", "/store/items?namespace=nothing.here&key=k");
    expect(get.status).toBe(200);
    expect(await get.json()).toBeNull();
  });
});
