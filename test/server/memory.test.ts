import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CircuitBreaker, createApp, LocalEmbeddings, Memory, silentLogger } from "../../src/index.js";
import { as } from "../support/auth.js";
import { connectTestRedis, type TestConnection } from "../support/redis.js";

describe("/api/memory", () => {
  let test: TestConnection;
  let memory: Memory;
  let app: ReturnType<typeof createApp>;

  beforeAll(async () => {
    test = await connectTestRedis({ label: "http-memory" });
    memory = new Memory({ client: test.client, keys: test.keys, embeddings: new LocalEmbeddings(), ttlSeconds: 3600, embeddingCacheTtlSeconds: 60 });
    const breaker = new CircuitBreaker({ failureThreshold: 5, cooldownMs: 1000 });
    app = createApp({ redis: test.client, keys: test.keys, breaker, log: silentLogger, memory, singleUser: true });
    const request = app.request.bind(app);
    app = Object.assign(app, { request: (path: string, init?: RequestInit) => request(path, init, as("web-user")) });
  });

  afterAll(async () => {
    await test.dispose();
  });

  it("lists, searches, counts and forgets the caller's memories", async () => {
    const stored = await memory.episodic.store("web-user", { type: "preference", description: "I like cycling on weekends" });
    await memory.episodic.store("someone-else", { type: "preference", description: "I like cycling on weekends" });
    const list = (await (await app.request("/api/memory?type=preference")).json()) as { memories: { id: string }[] };
    expect(list.memories.map((record) => record.id)).toEqual([stored.id]);
    const search = (await (await app.request("/api/memory/search?q=weekend%20bike%20rides&k=3")).json()) as { episodic: { id: string; userId: string }[] };
    expect(search.episodic.map((record) => record.userId)).toEqual(["web-user"]);
    const stats = (await (await app.request("/api/memory/stats")).json()) as { users: { episodic: { preference: number } } };
    expect(stats.users.episodic.preference).toBe(1);
    expect((await app.request(`/api/memory/${stored.id}`, { method: "DELETE" })).status).toBe(204);
    const again = await app.request(`/api/memory/${stored.id}`, { method: "DELETE" });
    expect(again.status).toBe(404);
    expect(await again.json()).toMatchObject({ error: { code: "ERR_NOT_FOUND" } });
  });

  it("lists the advice given with its outcomes and the insights, and forgets a piece of advice", async () => {
    const advice = await memory.interventions.record("web-user", { sessionId: "s1", suggestion: "Go to bed 30 minutes earlier", metric: "SleepDuration", direction: "increase", date: "2025-03-01", source: "tool" });
    await memory.interventions.resolve("web-user", advice.id, { status: "improved", baseline: 380, observed: 420, change: 40, changePercent: 10.5, unit: "min/night", from: "2025-03-02", to: "2025-03-15", days: 14, evaluatedAt: "2025-03-16T00:00:00Z" });
    await memory.interventions.record("someone-else", { sessionId: "s2", suggestion: "Go to bed 30 minutes earlier", metric: "SleepDuration", direction: "increase", date: "2025-03-01", source: "tool" });
    const insight = await memory.episodic.store("web-user", { type: "insight", description: "The user cares about sleeping more.", context: "reflection on session s1" });
    const all = (await (await app.request("/api/memory")).json()) as { memories: { id: string; type: string }[]; interventions: { id: string; outcome: string; dataOutcome: { observed: number } }[] };
    expect(all.memories.filter((record) => record.type === "insight").map((record) => record.id)).toEqual([insight.id]);
    expect(all.interventions).toMatchObject([{ id: advice.id, outcome: "improved", dataOutcome: { observed: 420 } }]);
    const only = (await (await app.request("/api/memory?type=intervention")).json()) as { interventions: { id: string }[] };
    expect(only.interventions.map((each) => each.id)).toEqual([advice.id]);
    expect((await app.request(`/api/memory/${advice.id}`, { method: "DELETE" })).status).toBe(204);
    expect(await memory.interventions.list("web-user")).toEqual([]);
    expect(await memory.interventions.list("someone-else")).toHaveLength(1);
  });

  it("answers bad input with 400 and a message that names the field", async () => {
    const missing = await app.request("/api/memory/search");
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ error: { code: "ERR_VALIDATION", message: expect.stringMatching(/^Invalid query: q: /u) as string } });
    expect((await app.request("/api/memory?type=secrets")).status).toBe(400);
    expect((await app.request("/api/memory/search?q=x&k=500")).status).toBe(400);
    const badId = await app.request("/api/memory/*", { method: "DELETE" });
    expect(badId.status).toBe(400);
    expect(await badId.json()).toMatchObject({ error: { message: expect.stringMatching(/id: not a memory id/u) as string } });
  });
});
