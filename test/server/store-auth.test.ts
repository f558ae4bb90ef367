import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { authenticate, registerAuth, type AuthContext } from "@langchain/langgraph-api/auth";
import { Client } from "@langchain/langgraph-sdk";
import { Auth, HTTPException } from "@langchain/langgraph-sdk/auth";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStoreRoutes } from "../../src/server/routes/store.js";
import { RedisStore } from "../../src/store/index.js";
import { connectTestRedis, type TestConnection } from "../support/redis.js";
import { listen, type ListeningApp } from "../support/http.js";

type Env = { Variables: { auth?: AuthContext } };

const users: Record<string, string> = { "token-johndoe": "johndoe", "token-alice": "alice" };

/** The handler of LangGraph's auth suite for the store (tests/graphs/auth.mts): only namespaces naming the caller. */
const storeAuth = new Auth()
  .authenticate((request) => {
    const identity = users[(request.headers.get("authorization") ?? "").replace(/^Bearer\s+/iu, "")];
    if (!identity) throw new HTTPException(401, { message: "Unknown token" });
    return { identity, permissions: [] };
  })
  .on("store", ({ value, user }) => {
    if (!user.identity || !value.namespace?.includes(user.identity)) throw new HTTPException(403, { message: "Not authorized" });
  });

describe("store routes under an official LangGraph Auth handler", () => {
  let test: TestConnection;
  let server: ListeningApp;
  let apiUrl: string;
  let moduleDir: string;
  const clientFor = (token: string) => new Client({ apiUrl, defaultHeaders: { authorization: `Bearer ${token}` }, callerOptions: { maxRetries: 0 } });

  beforeAll(async () => {
    test = await connectTestRedis({ label: "store-auth" });
    // registerAuth loads auth from a module path, as the official server does from langgraph.json;
    // this module hands it the handler defined above.
    (globalThis as { storeTestAuth?: unknown }).storeTestAuth = storeAuth;
    moduleDir = await mkdtemp(join(tmpdir(), "store-auth-"));
    await writeFile(join(moduleDir, "auth.mjs"), "export const auth = globalThis.storeTestAuth;\n");
    await registerAuth({ path: "auth.mjs:auth" }, { cwd: moduleDir });
    const store = new RedisStore({ client: test.client, keys: test.keys, owner: "nobody" });
    const app = new Hono<Env>();
    app.use(async (context, next) => {
      context.set("auth", await authenticate(context.req.raw));
      await next();
    });
    app.route(
      "/",
      createStoreRoutes({
        storeFor: (context) => {
          const identity = (context as unknown as { get: (name: "auth") => AuthContext | undefined }).get("auth")?.user.identity;
          if (!identity) throw new Error("no authenticated user");
          return store.forOwner(identity);
        },
      }),
    );
    server = await listen(app);
    apiUrl = server.url;
  });

  afterAll(async () => {
    await server.close();
    await test.dispose();
    await rm(moduleDir, { recursive: true, force: true });
  });

  it("answers 403 where the handler refuses and serves each user their own namespace (LangGraph's 'store auth' case)", async () => {
    const userA = clientFor("token-johndoe");
    const userB = clientFor("token-alice");
    await userA.store.putItem(["johndoe"], "key_one", { text: "test user A" });
    await userB.store.putItem(["alice"], "key_one", { text: "test user B" });

    await expect(userA.store.getItem(["ALL"], "key_one")).rejects.toThrow("HTTP 403");
    await expect(userA.store.putItem(["ALL"], "key_one", { foo: "bar" })).rejects.toThrow("HTTP 403");
    await expect(userA.store.deleteItem(["ALL"], "key_one")).rejects.toThrow("HTTP 403");
    await expect(userA.store.searchItems(["ALL"])).rejects.toThrow("HTTP 403");
    await expect(userA.store.listNamespaces({ prefix: ["ALL"] })).rejects.toThrow("HTTP 403");
    await expect(userA.store.getItem(["alice"], "key_one")).rejects.toThrow("HTTP 403");

    expect(await userA.store.getItem(["johndoe"], "key_one")).toMatchObject({ value: { text: "test user A" } });
    expect(await userA.store.searchItems(["johndoe"])).toMatchObject({ items: [{ key: "key_one", value: { text: "test user A" } }] });
    expect(await userA.store.listNamespaces({ prefix: ["johndoe"] })).toMatchObject({ namespaces: [["johndoe"]] });
    expect(await userB.store.getItem(["alice"], "key_one")).toMatchObject({ value: { text: "test user B" } });
    expect(await userB.store.searchItems(["alice"])).toMatchObject({ items: [{ key: "key_one", value: { text: "test user B" } }] });
    expect(await userB.store.listNamespaces({ prefix: ["alice"] })).toMatchObject({ namespaces: [["alice"]] });

    // A namespace naming the other user passes the handler but still reaches only the caller's own items.
    await userB.store.putItem(["alice", "johndoe"], "k", { by: "alice" });
    expect(await userA.store.getItem(["alice", "johndoe"], "k")).toBeNull();
    expect((await userA.store.searchItems(["alice", "johndoe"])).items).toEqual([]);

    const unauthenticated = await fetch(`${apiUrl}/store/items?namespace=johndoe&key=key_one`);
    expect(unauthenticated.status).toBe(401);
  });
});
