import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { InstanceRegistry, listInstances } from "../../src/instances/index.js";
import { closeRedis, connectRedis, KeySchema, learningStreamStats, LearningQueue, type RedisClient } from "../../src/index.js";
import { startWellness, type RunningCli } from "../support/cli.js";
import { connectTestRedis, deletePrefix, uniquePrefix, type TestConnection } from "../support/redis.js";

/** Polls `read` until `done` holds of its value; fails with `what` if it never does. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, limitMs = 20_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`never happened: ${what} (last: ${JSON.stringify(value)})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("InstanceRegistry", () => {
  let test: TestConnection;
  const clients: RedisClient[] = [];

  beforeAll(async () => {
    test = await connectTestRedis({ label: "instances" });
  });

  afterAll(async () => {
    for (const client of clients) await closeRedis(client);
    await test.dispose();
  });

  async function ownClient(): Promise<RedisClient> {
    const client = await connectRedis({ url: test.url });
    clients.push(client);
    return client;
  }

  it("two registries on two connections are two live instances; stop() removes one at once", async () => {
    const keys = new KeySchema(`${test.prefix}two:`);
    const serve = new InstanceRegistry({ client: await ownClient(), keys, role: "serve", version: "1.2.3", heartbeatMs: 1_000 });
    const worker = new InstanceRegistry({ client: await ownClient(), keys, role: "worker", version: "1.2.3", heartbeatMs: 1_000 });
    await serve.start();
    await worker.start();
    const live = await listInstances(test.client, keys);
    expect(live.map((instance) => [instance.id, instance.role])).toEqual([
      [serve.id, "serve"],
      [worker.id, "worker"],
    ]);
    expect(live[0]).toMatchObject({ pid: process.pid, version: "1.2.3", ttlMs: 3_000 });
    expect(live[0]!.lastHeartbeat).toBeGreaterThanOrEqual(live[0]!.startedAt);
    expect(await test.client.pTTL(keys.instance(serve.id))).toBeGreaterThan(0);
    await worker.stop();
    expect((await serve.list()).map((instance) => instance.id)).toEqual([serve.id]);
    await serve.stop();
    expect(await listInstances(test.client, keys)).toEqual([]);
    expect(await test.client.zCard(keys.instances())).toBe(0);
  });

  it("an instance that stops heartbeating without stop() leaves the list within its TTL, and the set is pruned", async () => {
    const keys = new KeySchema(`${test.prefix}gone:`);
    const alive = new InstanceRegistry({ client: await ownClient(), keys, role: "serve", version: "1", heartbeatMs: 100, ttlMs: 300 });
    const dead = new InstanceRegistry({ client: await ownClient(), keys, role: "worker", version: "1", heartbeatMs: 100, ttlMs: 300 });
    await alive.start();
    await dead.heartbeat();
    expect((await listInstances(test.client, keys)).map((instance) => instance.id).sort()).toEqual([alive.id, dead.id].sort());
    const left = await eventually(() => listInstances(test.client, keys), (live) => live.length === 1, "the silent instance expired");
    expect(left[0]?.id).toBe(alive.id);
    expect(await test.client.zRange(keys.instances(), 0, -1)).toEqual([alive.id]);
    await alive.stop();
  });

  it("learning stream stats: length, lag, pending and dead letters", async () => {
    const keys = new KeySchema(`${test.prefix}learn:`);
    expect(await learningStreamStats(test.client, keys)).toEqual({ length: 0, group: false, lag: 0, pending: 0, consumers: 0, deadLetters: 0 });
    const queue = new LearningQueue(test.client, keys);
    for (let i = 0; i < 5; i++) await queue.enqueue({ timestamp: i, sessionId: "s", userId: "u", query: "q", tools: [], success: 1, durationMs: 1 });
    await test.client.xGroupCreate(keys.learningQueue(), "learning", "0");
    await test.client.xReadGroup("learning", "c1", { key: keys.learningQueue(), id: ">" }, { COUNT: 2 });
    await test.client.xAdd(keys.learningDeadLetters(), "*", { user: "u" });
    expect(await learningStreamStats(test.client, keys)).toEqual({ length: 5, group: true, lag: 3, pending: 2, consumers: 1, deadLetters: 1 });
  });
});

describe("wellness worker processes in the registry", () => {
  const prefix = uniquePrefix("cli-instances");
  const workers: RunningCli[] = [];
  let test: TestConnection;

  beforeAll(async () => {
    test = await connectTestRedis();
  });

  afterAll(async () => {
    for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill("SIGKILL");
    await deletePrefix(test.client, prefix);
    await test.dispose();
  });

  it("two processes are two live instances; one killed disappears within its TTL, one stopped deregisters", async () => {
    const env = { REDIS_URL: inject("redisUrl"), REDIS_KEY_PREFIX: prefix, INSTANCE_HEARTBEAT_MS: "200", OLLAMA_BASE_URL: "http://127.0.0.1:9" };
    const keys = new KeySchema(prefix);
    for (let i = 0; i < 2; i++) workers.push(startWellness(["worker"], env));
    const ids = await Promise.all(workers.map(async (worker) => (await worker.waitFor(/Registered as instance (\S+)\./u))[1]!));
    const live = await listInstances(test.client, keys);
    expect(live.map((instance) => instance.id).sort()).toEqual([...ids].sort());
    expect(live.map((instance) => instance.role)).toEqual(["worker", "worker"]);
    expect(live.map((instance) => instance.pid).sort()).toEqual(workers.map((worker) => worker.child.pid).sort());

    const [killed, stopped] = workers as [RunningCli, RunningCli];
    killed.child.kill("SIGKILL");
    await killed.exit;
    const after = await eventually(() => listInstances(test.client, keys), (now) => now.length === 1, "the killed worker expired");
    expect(after[0]?.pid).toBe(stopped.child.pid);

    stopped.child.kill("SIGTERM");
    expect(await stopped.exit).toBe(0);
    expect(await listInstances(test.client, keys)).toEqual([]);
  });
});
