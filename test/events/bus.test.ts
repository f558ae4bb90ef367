import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventBus, type StoredEvent, type WellnessEvent } from "../../src/events/index.js";
import { closeRedis, connectRedis, KeySchema, type Logger } from "../../src/index.js";
import { connectTestRedis, type TestConnection } from "../support/redis.js";
import { spawnPrivateRedis } from "../support/test-redis.js";

/** Resolves once `predicate` holds, polling; fails the test with `what` if it never does. */
async function until(predicate: () => boolean | Promise<boolean>, what: string, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const progress = (records: number): WellnessEvent => ({ type: "import.progress", bytesRead: records * 10, totalBytes: 1000, records });

describe("EventBus", () => {
  let test: TestConnection;
  let bus: EventBus;

  beforeAll(async () => {
    test = await connectTestRedis({ label: "events" });
    bus = new EventBus({ client: test.client, keys: test.keys });
  });

  afterAll(async () => {
    await bus.close();
    await test.dispose();
  });

  it("publishes each event on the user's channel and appends it to the user's log, in order; another user's listener hears none", async () => {
    const heard: StoredEvent[] = [];
    const overheard: StoredEvent[] = [];
    const stopAnn = await bus.subscribe("ann", (stored) => heard.push(stored));
    const stopBob = await bus.subscribe("bob", (stored) => overheard.push(stored));
    const events: WellnessEvent[] = [
      { type: "import.started", file: "export.zip", bytes: 1000 },
      ...Array.from({ length: 20 }, (_, i) => progress(i + 1)),
      { type: "import.finished", records: 20, metrics: 3, workouts: 1, sleepNights: 2, firstDate: "2024-01-01", lastDate: "2024-01-31", seconds: 0.5 },
    ];
    for (const event of events) bus.publish("ann", event);
    await bus.drain();
    await until(() => heard.length === events.length, "ann's listener heard every event");

    const logged = await bus.read("ann", "0", 1000);
    expect(logged.map((stored) => stored.event)).toEqual(events);
    expect(heard).toEqual(logged);
    expect(await test.client.xLen(test.keys.eventsLog("ann"))).toBe(events.length);
    expect(overheard).toEqual([]);
    expect(await bus.read("bob")).toEqual([]);
    await stopAnn();
    await stopBob();
  });

  it("reads after an id and keeps about `retention` events per user", async () => {
    const small = new EventBus({ client: test.client, keys: test.keys, retention: 50 });
    for (let i = 1; i <= 400; i++) {
      small.publish("cap", progress(i));
      if (i % 100 === 0) await small.drain();
    }
    const length = await test.client.xLen(test.keys.eventsLog("cap"));
    expect(length).toBeGreaterThanOrEqual(50);
    expect(length).toBeLessThan(400);
    const all = await small.read("cap", "0", 1000);
    expect(all.at(-1)?.event).toEqual(progress(400));
    const after = await small.read("cap", all[all.length - 3]!.id);
    expect(after.map((stored) => stored.event)).toEqual([progress(399), progress(400)]);
    await small.close();
  });

  it("follows from an id: the stored events after it, then live ones, each once and in order", async () => {
    for (let i = 1; i <= 5; i++) bus.publish("cy", progress(i));
    await bus.drain();
    const stored = await bus.read("cy");
    const controller = new AbortController();
    const seen: number[] = [];
    let publishing: Promise<void> | undefined;
    const publishMore = async () => {
      for (let i = 6; i <= 1200; i++) {
        bus.publish("cy", progress(i));
        if (i % 100 === 0) await bus.drain();
      }
    };
    for await (const each of bus.follow("cy", stored[1]!.id, { signal: controller.signal, catchUpMs: 50 })) {
      if (each.event.type === "import.progress") seen.push(each.event.records);
      if (seen.length === 1) publishing = publishMore();
      if (seen.length === 1198) controller.abort();
    }
    await publishing;
    expect(seen).toEqual(Array.from({ length: 1198 }, (_, i) => i + 3));
  });

  it("drops malformed events without throwing", async () => {
    const warnings: string[] = [];
    const log: Logger = { debug: () => undefined, info: () => undefined, warn: (line) => warnings.push(line), error: () => undefined };
    const strict = new EventBus({ client: test.client, keys: test.keys, log });
    expect(() => strict.publish("dee", { type: "import.progress", records: -1 } as unknown as WellnessEvent)).not.toThrow();
    expect(() => strict.publish("bad{user", progress(1))).not.toThrow();
    await strict.drain();
    expect(await strict.read("dee")).toEqual([]);
    expect(warnings).toHaveLength(2);
    await strict.close();
  });
});

describe("EventBus while Redis is down", () => {
  it("returns from publish at once, keeps at most maxInFlight writes, and logs the outage once", async () => {
    const server = await spawnPrivateRedis();
    const client = await connectRedis({ url: server.url, commandTimeoutMs: 500, reconnect: { initialDelayMs: 20, maxDelayMs: 100 } });
    const warnings: string[] = [];
    const log: Logger = { debug: () => undefined, info: () => undefined, warn: (line) => warnings.push(line), error: () => undefined };
    const bus = new EventBus({ client, keys: new KeySchema("down:"), maxInFlight: 8, log });
    try {
      await server.stop();
      for (let i = 1; i <= 1000; i++) expect(bus.publish("ann", progress(i))).toBeUndefined();
      expect(bus.stats().inFlight).toBeLessThanOrEqual(8);
      await bus.drain();
      const { dropped, failed } = bus.stats();
      expect(dropped + failed).toBe(1000);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^event bus: /u);
    } finally {
      await bus.close();
      await closeRedis(client);
      await server.cleanup();
    }
  });
});
