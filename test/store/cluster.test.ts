import { describe, expect, it } from "vitest";
import { KeySchema } from "../../src/index.js";
import { keySlot } from "../../src/redis/slot.js";
import { RedisStore, type StorePutOperation } from "../../src/store/index.js";
import { useTestCluster } from "../support/cluster.js";
import { HashingEmbeddings } from "../support/hashing-embeddings.js";
import { uniquePrefix } from "../support/redis.js";

describe("RedisStore on a 3-master Redis Cluster", () => {
  const setup = useTestCluster();

  it("serves many owners, each on its own slot, with every operation and batch", async () => {
    const keys = new KeySchema(uniquePrefix("store-cluster"));
    const base = new RedisStore({ client: setup.client, keys, owner: "owner-0", index: { embeddings: new HashingEmbeddings(64), dims: 64, fields: ["text"] } });
    const owners = Array.from({ length: 12 }, (_, i) => base.forOwner(`owner-${i}`));
    const slots = new Set(owners.map((store) => keySlot(keys.storeNamespaces(store.owner))));
    expect(slots.size).toBeGreaterThan(1);
    await Promise.all(
      owners.map(async (store, i) => {
        const puts: StorePutOperation[] = [
          { namespace: ["notes", "a"], key: "k", value: { text: `walking goal ${i}`, i } },
          { namespace: ["notes", "b"], key: "k", value: { text: "sleep at night", i }, ttl: 5 },
          { namespace: ["other"], key: "gone", value: { i } },
        ];
        await store.batch(puts);
        await store.delete(["other"], "gone");
      }),
    );
    for (const [i, store] of owners.entries()) {
      expect((await store.get(["notes", "a"], "k"))?.value).toEqual({ text: `walking goal ${i}`, i });
      expect((await store.search(["notes"], { filter: { i } })).length).toBe(2);
      expect((await store.search(["notes"], { query: "sleep at night" }))[0]?.key).toBe("k");
      expect(await store.listNamespaces()).toEqual([
        ["notes", "a"],
        ["notes", "b"],
      ]);
    }
    await owners[0]?.delete(["notes", "a"], "k");
    expect(await owners[0]?.get(["notes", "a"], "k")).toBeNull();
    expect((await owners[1]?.get(["notes", "a"], "k"))?.value).toMatchObject({ i: 1 });
  });
});
