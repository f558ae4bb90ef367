import { describe, expect, it } from "vitest";
import { SessionContextStore } from "../../src/agent/session-context.js";
import { EventBus, type StoredEvent } from "../../src/events/index.js";
import { InstanceRegistry, listInstances } from "../../src/instances/index.js";
import { KeySchema, keySlot } from "../../src/index.js";
import { ModelRegistry } from "../../src/models/index.js";
import { useTestCluster } from "../support/cluster.js";

describe("the live system on a Redis Cluster", () => {
  const test = useTestCluster();

  it("publishes, reads and follows per-user events, lists instances and models, keeps session context", async () => {
    const keys = new KeySchema("live:");
    const users = ["ann", "bob", "cy", "dee"];
    expect(new Set(users.map((user) => keySlot(keys.eventsLog(user)))).size).toBeGreaterThan(1);
    const bus = new EventBus({ client: test.client, keys });
    try {
      const heard = new Map<string, StoredEvent[]>(users.map((user) => [user, []]));
      const stops = await Promise.all(users.map((user) => bus.subscribe(user, (stored) => heard.get(user)!.push(stored))));
      for (const user of users) for (let i = 1; i <= 3; i++) bus.publish(user, { type: "session.created", sessionId: `${user}-${i}` });
      await bus.drain();
      for (const user of users) {
        const logged = await bus.read(user);
        expect(logged.map((stored) => stored.event)).toEqual([1, 2, 3].map((i) => ({ type: "session.created", sessionId: `${user}-${i}` })));
        const deadline = Date.now() + 10_000;
        while (heard.get(user)!.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        expect(heard.get(user)).toEqual(logged);
      }
      await Promise.all(stops.map((stop) => stop()));

      const controller = new AbortController();
      const followed: string[] = [];
      for await (const stored of bus.follow("ann", "0", { signal: controller.signal })) {
        if (stored.event.type === "session.created") followed.push(stored.event.sessionId);
        if (followed.length === 3) bus.publish("ann", { type: "session.deleted", sessionId: "ann-1" });
        if (stored.event.type === "session.deleted") controller.abort();
      }
      expect(followed).toEqual(["ann-1", "ann-2", "ann-3"]);
    } finally {
      await bus.close();
    }

    const registry = new InstanceRegistry({ client: test.client, keys, role: "serve", version: "1" });
    await registry.start();
    expect((await listInstances(test.client, keys)).map((instance) => instance.id)).toEqual([registry.id]);
    await registry.stop();
    expect(await listInstances(test.client, keys)).toEqual([]);

    const models = new ModelRegistry({ client: test.client, keys });
    models.record({ kind: "chat", provider: "ollama", name: "qwen2.5:7b", latencyMs: 100, ok: true });
    models.record({ kind: "embedding", provider: "local", name: "use", dimensions: 512, latencyMs: 5, ok: true });
    await models.drain();
    expect((await models.list()).map((model) => [model.id, model.calls])).toEqual([
      ["chat:ollama:qwen2.5:7b", 1],
      ["embedding:local:use", 1],
    ]);

    const contexts = new SessionContextStore(test.client, keys);
    await contexts.update("ann", "s1", { query: "How did I sleep?", tools: ["get_sleep_analysis"], timestamp: 5 });
    expect(await contexts.get("ann", "s1")).toMatchObject({ task: "How did I sleep?", lastTool: "get_sleep_analysis" });

    for (const key of [keys.instances(), keys.models(), keys.model("chat:ollama:qwen2.5:7b"), keys.model("embedding:local:use"), keys.sessionContext("ann", "s1")]) await test.client.unlink(key);
    for (const user of users) await test.client.unlink(keys.eventsLog(user));
  });
});
