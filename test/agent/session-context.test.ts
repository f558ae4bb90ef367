import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SessionContextStore } from "../../src/agent/session-context.js";
import { connectTestRedis, type TestConnection } from "../support/redis.js";

describe("SessionContextStore", () => {
  let test: TestConnection;
  let contexts: SessionContextStore;

  beforeAll(async () => {
    test = await connectTestRedis({ label: "session-context" });
    contexts = new SessionContextStore(test.client, test.keys);
  });

  afterAll(async () => {
    await test.dispose();
  });

  it("reflects the last turn: its question, the last tool, every tool so far, the last activity; with a 7-day TTL", async () => {
    expect(await contexts.get("ann", "s1")).toBeUndefined();
    await contexts.update("ann", "s1", { query: "How did I sleep last week?", tools: ["get_sleep_analysis"], timestamp: 1_000 });
    await contexts.update("ann", "s1", { query: "And my steps?", tools: ["get_health_metrics", "get_sleep_analysis", "compare_periods"], timestamp: 2_000 });
    await contexts.update("ann", "s1", { query: "Thanks!", tools: [], timestamp: 3_000 });
    expect(await contexts.get("ann", "s1")).toEqual({
      task: "Thanks!",
      lastTool: "compare_periods",
      tools: ["get_sleep_analysis", "get_health_metrics", "compare_periods"],
      lastActivity: 3_000,
      turns: 3,
    });
    const ttl = await test.client.ttl(test.keys.sessionContext("ann", "s1"));
    expect(ttl).toBeGreaterThan(7 * 24 * 3600 - 60);
    expect(ttl).toBeLessThanOrEqual(7 * 24 * 3600);
    expect(await contexts.get("bob", "s1")).toBeUndefined();
  });

  it("turns of one session finishing together both land", async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => contexts.update("cy", "busy", { query: `question ${i}`, tools: [`tool_${i % 5}`], timestamp: i })),
    );
    const context = await contexts.get("cy", "busy");
    expect(context?.turns).toBe(20);
    expect([...(context?.tools ?? [])].sort()).toEqual(["tool_0", "tool_1", "tool_2", "tool_3", "tool_4"]);
  });

  it("expires when no turn renews it", async () => {
    const short = new SessionContextStore(test.client, test.keys, 1);
    await short.update("dee", "brief", { query: "hi", tools: [], timestamp: 1 });
    expect((await short.get("dee", "brief"))?.task).toBe("hi");
    const deadline = Date.now() + 10_000;
    while ((await short.get("dee", "brief")) !== undefined && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await short.get("dee", "brief")).toBeUndefined();
  });
});
