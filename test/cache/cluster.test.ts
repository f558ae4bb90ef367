import { describe, expect, it } from "vitest";
import { CacheAside, CircuitBreaker, isCluster, KeySchema } from "../../src/index.js";
import { useTestCluster } from "../support/cluster.js";
import { uniquePrefix } from "../support/redis.js";

describe("CacheAside on a 3-master Redis Cluster", () => {
  const setup = useTestCluster();

  it("invalidates, clears and counts across every master", async () => {
    const keys = new KeySchema(uniquePrefix("cache-cluster"));
    const cache = new CacheAside(setup.client, keys, new CircuitBreaker({ failureThreshold: 5, cooldownMs: 1000 }));
    await Promise.all(Array.from({ length: 300 }, (_, i) => cache.set(`report:${i}`, { i })));
    await Promise.all(["ann", "bob", "cy"].map((user) => setup.client.set(keys.userProfile(user), "{}")));
    const cluster = setup.client;
    if (!isCluster(cluster)) throw new Error("expected a cluster setup.client");
    const perMaster = await Promise.all(
      cluster.masters.map(async (master) => {
        const node = await cluster.nodeClient(master);
        let count = 0;
        for await (const batch of node.scanIterator({ MATCH: `${keys.cacheRoot()}report:*`, COUNT: 100 })) count += batch.length;
        return count;
      }),
    );
    expect(perMaster.filter((count) => count > 0).length).toBeGreaterThan(1);
    expect((await cache.stats()).keys).toBe(303);
    expect(await cache.invalidatePattern("report:*")).toBe(300);
    expect(await cache.clearUserCache("bob")).toBe(1);
    expect(await cache.exists(keys.userProfile("ann"), keys.userProfile("cy"))).toBe(2);
    expect(await cache.get(keys.userProfile("ann"))).toEqual({});
    expect(await cache.delete(keys.userProfile("ann"), keys.userProfile("cy"))).toBe(2);
    expect(await cache.invalidatePattern("*")).toBe(0);
  });
});
