import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { incrementHash } from "../../src/redis/hash-increments.js";
import { connectTestRedis, type TestConnection } from "../support/redis.js";

describe("incrementHash", () => {
  let test: TestConnection;

  beforeAll(async () => {
    test = await connectTestRedis({ label: "hincr" });
  });

  afterAll(async () => {
    await test.dispose();
  });

  it("adds every amount, rounded, to its field, leaves zero and non-finite amounts out, and adds up across calls", async () => {
    const key = `${test.prefix}counters`;
    await incrementHash(test.client, key, { requests: 1, hits: 1, misses: 0 });
    await incrementHash(test.client, key, { requests: 1, misses: 1 });
    await incrementHash(test.client, key, { "get_sleep_analysis:turn_ms": 1234.4, requests: 2, broken: Number.NaN, endless: Number.POSITIVE_INFINITY });
    expect(await test.client.hGetAll(key)).toEqual({ requests: "4", hits: "1", misses: "1", "get_sleep_analysis:turn_ms": "1234" });
  });

  it("sends one command whatever the number of fields, and none for nothing to add", async () => {
    const key = `${test.prefix}commands`;
    const client = test.client as unknown as Record<"sendCommand" | "hIncrBy", (...args: unknown[]) => Promise<unknown>>;
    const sent: string[] = [];
    const original = { sendCommand: client.sendCommand, hIncrBy: client.hIncrBy };
    client.sendCommand = (...args: unknown[]) => {
      sent.push(String((args.find(Array.isArray) as unknown[] | undefined)?.[0]));
      return original.sendCommand.apply(test.client, args);
    };
    client.hIncrBy = (...args: unknown[]) => {
      sent.push("HINCRBY");
      return original.hIncrBy.apply(test.client, args);
    };
    try {
      await incrementHash(test.client, key, { a: 1, b: 2, c: 3, d: 4 });
      await incrementHash(test.client, key, { a: 1 });
      await incrementHash(test.client, key, { a: 0 });
    } finally {
      Object.assign(client, original);
    }
    expect(sent).toEqual(["EVALSHA", "HINCRBY"]);
    expect(await test.client.hGetAll(key)).toEqual({ a: "2", b: "2", c: "3", d: "4" });
  });
});
