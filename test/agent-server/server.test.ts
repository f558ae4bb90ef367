import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServe, type RunningServe } from "../support/agent-server.js";
import { connectTestRedis, type TestConnection } from "../support/redis.js";

const CONFIG = "test/fixtures/agent-server/langgraph.json";
const ALICE = "alice-token-0123456789abcdef";
const BOB = "bob-token-0123456789abcdefgh";

type EchoState = { messages: { content: string; type: string }[] };

const client = (server: RunningServe, token: string) => new Client({ apiUrl: server.url, defaultHeaders: { Authorization: `Bearer ${token}` } });

/** The HTTP status a rejected SDK call failed with. */
async function statusOf(call: Promise<unknown>): Promise<number | undefined> {
  try {
    await call;
    return undefined;
  } catch (error) {
    return (error as { status?: number }).status;
  }
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms (last: ${JSON.stringify(value).slice(0, 300)})`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("wellness serve --config: the Agent Server on Redis", () => {
  let redis: TestConnection;
  const servers: RunningServe[] = [];

  const serve = async (env: Record<string, string> = {}) => {
    const server = await startServe(CONFIG, { REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.prefix, API_TOKENS: `${ALICE}:alice,${BOB}:bob`, HOST: "127.0.0.1", ...env });
    servers.push(server);
    return server;
  };

  beforeAll(async () => {
    redis = await connectTestRedis({ label: "agent-server" });
  });

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await redis.dispose();
  });

  it("keeps every user's threads, runs, state and store items to that user", { timeout: 120_000 }, async () => {
    const server = await serve();
    const alice = client(server, ALICE);
    const bob = client(server, BOB);
    expect((await fetch(`${server.url}/threads/search`, { method: "POST", body: "{}" })).status).toBe(401);
    expect((await fetch(`${server.url}/threads/search`, { method: "POST", body: "{}", headers: { "x-auth-scheme": "langsmith" } })).status).toBe(401);

    const thread = await alice.threads.create({ metadata: { topic: "sleep" } });
    const run = await alice.runs.create(thread.thread_id, "echo", {
      input: { messages: [{ type: "human", content: "hi" }] },
      config: { configurable: { langgraph_auth_user_id: "bob", user_id: "bob" } },
    });
    await alice.runs.join(thread.thread_id, run.run_id);
    const state = await alice.threads.getState<EchoState>(thread.thread_id);
    expect(state.values.messages.at(-1)?.content).toBe("echo: hi (for alice)");
    expect(thread.metadata).toMatchObject({ owner: "alice" });

    const id = thread.thread_id;
    expect(await statusOf(bob.threads.get(id))).toBe(404);
    expect(await statusOf(bob.threads.getState(id))).toBe(404);
    expect(await statusOf(bob.threads.getHistory(id))).toBe(404);
    expect(await statusOf(bob.threads.update(id, { metadata: { topic: "mine" } }))).toBe(404);
    expect(await statusOf(bob.threads.updateState(id, { values: { messages: [{ type: "human", content: "x" }] } }))).toBe(404);
    expect(await statusOf(bob.threads.copy(id))).toBe(409);
    expect(await statusOf(bob.threads.delete(id))).toBe(404);
    expect(await statusOf(bob.runs.list(id))).toBe(404);
    expect(await statusOf(bob.runs.get(id, run.run_id))).toBe(404);
    expect(await statusOf(bob.runs.cancel(id, run.run_id))).toBe(404);
    expect(await statusOf(bob.runs.delete(id, run.run_id))).toBe(404);
    expect(await statusOf(bob.runs.wait(id, "echo", { input: { messages: [{ type: "human", content: "x" }] } }))).toBe(404);
    expect(await statusOf(bob.threads.create({ threadId: id }))).toBe(404);
    expect((await bob.threads.search()).map((found) => found.thread_id)).not.toContain(id);
    expect(await statusOf(bob.store.putItem(["alice", "notes"], "k", { secret: true }))).toBe(403);

    const mine = await bob.assistants.create({ graphId: "echo", name: "bob's" });
    expect(await statusOf(alice.assistants.get(mine.assistant_id))).toBe(404);
    expect((await alice.assistants.search({ limit: 100 })).map((found) => found.assistant_id)).not.toContain(mine.assistant_id);
    expect((await alice.assistants.search({ graphId: "echo" })).length).toBe(1);

    const after = await alice.threads.getState<EchoState>(id);
    expect(after.values.messages).toHaveLength(2);
    expect((await alice.threads.get(id)).metadata).toMatchObject({ topic: "sleep", owner: "alice" });
  });

  it("answers 404 for __proto__, constructor and unknown assistants and stays healthy", { timeout: 60_000 }, async () => {
    const server = servers[0] ?? (await serve());
    const alice = client(server, ALICE);
    for (const assistant of ["__proto__", "constructor", "toString", "no-such-graph"]) {
      expect(await statusOf(alice.runs.wait(null, assistant, { input: {} }))).toBe(404);
      expect(await statusOf(alice.assistants.get(assistant))).toBe(404);
    }
    expect((await fetch(`${server.url}/info`)).status).toBe(200);
    const thread = await alice.threads.create();
    expect((await alice.threads.get(thread.thread_id)).thread_id).toBe(thread.thread_id);
  });

  it("refuses a second concurrent turn on a thread (reject) and loses none when they are enqueued", { timeout: 120_000 }, async () => {
    const server = servers[0] ?? (await serve());
    const alice = client(server, ALICE);
    const thread = await alice.threads.create();
    const turn = (index: number, multitaskStrategy: "reject" | "enqueue") =>
      alice.runs.create(thread.thread_id, "echo", { input: { messages: [{ type: "human", content: `m${index}` }], delayMs: 300 }, multitaskStrategy });
    const rejected = await Promise.allSettled(Array.from({ length: 10 }, (_, index) => turn(index, "reject")));
    expect(rejected.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    for (const result of rejected) if (result.status === "rejected") expect((result.reason as { status?: number }).status).toBe(422);
    await until(() => alice.threads.get(thread.thread_id), (found) => found.status === "idle");
    const enqueued = await Promise.all(Array.from({ length: 10 }, (_, index) => turn(100 + index, "enqueue")));
    await until(() => alice.runs.list(thread.thread_id, { limit: 50 }), (runs) => runs.length === 11 && runs.every((run) => run.status === "success"));
    const state = await alice.threads.getState<EchoState>(thread.thread_id);
    expect(state.values.messages).toHaveLength(22);
    expect(enqueued).toHaveLength(10);
  });

  it("keeps a thread's state and history in Redis across a restart", { timeout: 120_000 }, async () => {
    const first = await serve();
    const thread = await client(first, ALICE).threads.create();
    await client(first, ALICE).runs.wait(thread.thread_id, "echo", { input: { messages: [{ type: "human", content: "before" }] } });
    await first.stop();
    const second = await serve();
    const alice = client(second, ALICE);
    const state = await alice.threads.getState<EchoState>(thread.thread_id);
    expect(state.values.messages.map((message) => message.content)).toEqual(["before", "echo: before (for alice)"]);
    expect((await alice.threads.getHistory(thread.thread_id)).length).toBeGreaterThan(1);
    await alice.runs.wait(thread.thread_id, "echo", { input: { messages: [{ type: "human", content: "after" }] } });
    expect((await alice.threads.getState<EchoState>(thread.thread_id)).values.messages).toHaveLength(4);
    expect(await redis.client.exists(redis.keys.checkpointNamespaces(thread.thread_id))).toBe(1);
  });

  it("keeps the project's store in Redis, per user, across a restart, beside its own http.app", { timeout: 120_000 }, async () => {
    const first = await serve();
    const alice = client(first, ALICE);
    const thread = await alice.threads.create();
    const answer = (await alice.runs.wait(thread.thread_id, "notes", { input: { messages: [{ type: "human", content: "slept badly" }] } })) as EchoState;
    expect(answer.messages.at(-1)?.content).toBe("1 notes");
    await alice.store.putItem(["alice", "notes"], "by hand", { text: "by hand" });
    expect(await redis.client.exists(redis.keys.storeItem("alice", "alice.notes", "slept badly"))).toBe(1);
    expect(await redis.client.exists(redis.keys.storeItem("alice", "alice.notes", "by hand"))).toBe(1);

    const ping = await fetch(`${first.url}/custom/ping`, { headers: { Authorization: `Bearer ${ALICE}` } });
    expect(ping.status).toBe(200);
    expect(await ping.json()).toEqual({ pong: true });
    await first.stop();

    const second = await serve();
    const again = client(second, ALICE);
    expect((await again.store.getItem(["alice", "notes"], "slept badly"))?.value).toEqual({ text: "slept badly" });
    const next = (await again.runs.wait(thread.thread_id, "notes", { input: { messages: [{ type: "human", content: "walked" }] } })) as EchoState;
    expect(next.messages.at(-1)?.content).toBe("3 notes");
    const bobs = client(second, BOB);
    await bobs.runs.wait(null, "notes", { input: { messages: [{ type: "human", content: "bob's" }] } });
    expect((await bobs.store.searchItems(["bob", "notes"])).items.map((item) => item.key)).toEqual(["bob's"]);
    expect(await redis.client.exists(redis.keys.storeItem("bob", "alice.notes", "slept badly"))).toBe(0);
  });

  it("shares runs between two processes: join and cancel from the other, 200 queued runs each executed once", { timeout: 300_000 }, async () => {
    const [a, b] = [await serve(), await serve()];
    const onA = client(a, ALICE);
    const onB = client(b, ALICE);

    const quick = await onA.threads.create();
    const run = await onA.runs.create(quick.thread_id, "echo", { input: { messages: [{ type: "human", content: "join me" }], delayMs: 500 } });
    const joined = (await onB.runs.join(quick.thread_id, run.run_id)) as EchoState;
    expect(joined.messages.at(-1)?.content).toBe("echo: join me (for alice)");

    const slow = await onA.threads.create();
    const long = await onA.runs.create(slow.thread_id, "echo", { input: { messages: [{ type: "human", content: "wait" }], delayMs: 60_000 } });
    await until(() => onB.runs.get(slow.thread_id, long.run_id), (found) => found.status === "running");
    await onB.runs.cancel(slow.thread_id, long.run_id);
    expect((await until(() => onA.runs.get(slow.thread_id, long.run_id), (found) => found.status !== "running", 15_000)).status).toBe("interrupted");

    const threads = await Promise.all(Array.from({ length: 20 }, () => onA.threads.create()));
    await Promise.all(
      threads.flatMap((thread, t) =>
        Array.from({ length: 10 }, (_, index) =>
          ((t + index) % 2 === 0 ? onA : onB).runs.create(thread.thread_id, "echo", {
            input: { messages: [{ type: "human", content: `${t}.${index}` }] },
            multitaskStrategy: "enqueue",
          }),
        ),
      ),
    );
    for (const thread of threads) {
      const runs = await until(() => onB.runs.list(thread.thread_id, { limit: 50 }), (found) => found.length === 10 && found.every((one) => one.status === "success"), 240_000);
      expect(runs).toHaveLength(10);
      const state = await onA.threads.getState<EchoState>(thread.thread_id);
      expect(state.values.messages).toHaveLength(20);
    }
  });

  it("refuses a bad token with a JSON 401, and an address with too many failures with a JSON 429 and Retry-After", { timeout: 120_000 }, async () => {
    // Its own key prefix: the failures it counts for 127.0.0.1 must not limit the other servers.
    const server = await serve({ AUTH_FAILURE_LIMIT: "2", AUTH_FAILURE_WINDOW_SECONDS: "60", REDIS_KEY_PREFIX: `${redis.prefix}limited:` });
    const search = () => fetch(`${server.url}/threads/search`, { method: "POST", body: "{}", headers: { authorization: "Bearer not-a-token-0123456789" } });
    for (let failure = 0; failure < 2; failure++) {
      const refused = await search();
      expect(refused.status).toBe(401);
      expect(refused.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await refused.json()).toEqual({ error: { code: "ERR_UNAUTHORIZED", message: "The API token is not valid." } });
    }
    const limited = await fetch(`${server.url}/threads/search`, { method: "POST", body: "{}", headers: { authorization: `Bearer ${ALICE}` } });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await limited.json()).toEqual({ error: { code: "ERR_RATE_LIMITED", message: expect.stringMatching(/^Too many failed sign-ins from this address; try again in \d+ s\.$/) as string } });
  });
});
