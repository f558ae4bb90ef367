import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "redis";
import { InvalidIdError, KeySchema, keySlot, validateId } from "../../src/index.js";
import { decodeKeySegment, encodeKeySegment } from "../../src/redis/keys.js";
import { startTestCluster, type TestCluster } from "../support/cluster.js";

/** Every key builder of the schema with sample arguments for one user. */
function userKeys(keys: KeySchema, user: string): string[] {
  return [
    keys.healthData(user),
    keys.healthSeries(user, "HKQuantityTypeIdentifierStepCount"),
    keys.healthMetric(user, "HeartRate"),
    keys.recentInsights(user),
    keys.healthContext(user),
    keys.workoutDays(user),
    keys.workoutsByDate(user),
    keys.workout(user, "w-2024-01-01T07:00:00Z"),
    keys.sleepByDate(user),
    keys.sleepNight(user, "2024-03-10"),
    keys.episodic(user, "goal", "01HZX3"),
    keys.procedure(user, "ab".repeat(16)),
    keys.userSessions(user),
    keys.userProfile(user),
    keys.userContextLine(user),
    keys.toolOutput(user, "get_health_metrics", "d".repeat(64)),
    keys.healthVersion(user),
    keys.eventsLog(user),
    keys.eventsChannel(user),
    keys.sessionContext(user, "session 1/a"),
  ];
}

function allKeys(keys: KeySchema): string[] {
  return [
    ...userKeys(keys, "alice"),
    keys.semantic("sleep", "guideline", "f1"),
    keys.embeddingCache("c".repeat(64)),
    keys.recentSessions(),
    keys.toolStats(),
    keys.cacheStats(),
    keys.lock("import", "alice"),
    keys.learningQueue(),
    keys.capabilityProbe(),
    keys.instance("host-1-abc"),
    keys.instances(),
    keys.model("chat:ollama:qwen2.5:7b"),
    keys.models(),
  ];
}

describe("validateId", () => {
  it.each([
    ["", /empty/],
    ["x".repeat(129), /129 characters long/],
    ["a{b", /character '\{'/],
    ["a}b", /character '\}'/],
    ["a*b", /character '\*'/],
    ["a?b", /character '\?'/],
    ["a[b", /character '\['/],
    ["a]b", /character '\]'/],
    ["a\\b", /character '\\'/],
    ["a\nb", /control character/],
    ["a\u0000b", /control character/],
    ["a\u009fb", /control character/],
  ])("rejects %j and names the field", (value, reason) => {
    expect(() => validateId("user id", value)).toThrow(InvalidIdError);
    try {
      validateId("user id", value);
    } catch (error) {
      expect((error as InvalidIdError).code).toBe("ERR_INVALID_ID");
      expect((error as InvalidIdError).field).toBe("user id");
      expect((error as Error).message).toMatch(/^Invalid user id: /);
      expect((error as Error).message).toMatch(reason);
    }
  });

  it("accepts ordinary ids, including ':' and non-ASCII text", () => {
    for (const id of ["alice", "user:42", "Zoë", "x".repeat(128), "a.b-c_d@e"]) {
      expect(validateId("user id", id)).toBe(id);
    }
  });

  it("rejects a non-string", () => {
    expect(() => validateId("session id", 42)).toThrow(/Invalid session id: expected a string, got number/);
  });
});

describe("KeySchema", () => {
  it("builds the keys of the architecture table", () => {
    const keys = new KeySchema();
    expect(keys.healthData("alice")).toBe("health:user:{alice}:data");
    expect(keys.healthMetric("alice", "HeartRate")).toBe("health:user:{alice}:metric:{HeartRate}");
    expect(keys.recentInsights("alice")).toBe("health:user:{alice}:recent_insights");
    expect(keys.healthContext("alice")).toBe("health:user:{alice}:context");
    expect(keys.workoutDays("alice")).toBe("user:{alice}:workout:days");
    expect(keys.workoutsByDate("alice")).toBe("user:{alice}:workout:by_date");
    expect(keys.workout("alice", "w1")).toBe("user:{alice}:workout:{w1}");
    expect(keys.sleepByDate("alice")).toBe("user:{alice}:sleep:by_date");
    expect(keys.sleepNight("alice", "2024-03-10")).toBe("user:{alice}:sleep:{2024-03-10}");
    expect(keys.episodic("alice", "goal", "m1")).toBe("episodic:{alice}:{goal}:{m1}");
    expect(keys.procedure("alice", "ab".repeat(16))).toBe(`procedure:{alice}:{${"ab".repeat(16)}}`);
    expect(keys.semantic("sleep", "guideline", "f1")).toBe("semantic:{sleep}:{guideline}:{f1}");
    expect(keys.embeddingCache("c".repeat(64))).toBe(`embedding_cache:{${"c".repeat(64)}}`);
    expect(keys.recentSessions()).toBe("sessions:recent");
    expect(keys.userSessions("alice")).toBe("user:{alice}:sessions");
    expect(keys.userProfile("alice")).toBe("cache:user:{alice}:profile");
    expect(keys.toolOutput("alice", "get_workouts", "ab".repeat(16))).toBe(`cache:user:{alice}:tool:{get_workouts}:{${"ab".repeat(16)}}`);
    expect(keys.healthVersion("alice")).toBe("health:user:{alice}:version");
    expect(keys.toolStats()).toBe("tool:stats");
    expect(keys.lock("import", "alice")).toBe("lock:{import}:{alice}");
    expect(keys.learningQueue()).toBe("learning:queue");
    expect(keys.eventsChannel("alice")).toBe("events:{alice}");
    expect(keys.eventsLog("alice")).toBe("events:{alice}:log");
    expect(keys.instance("host-1-abc")).toBe("instance:{host-1-abc}");
    expect(keys.instances()).toBe("instances");
    expect(keys.model("chat:ollama:qwen2.5:7b")).toBe("model:{chat%3Aollama%3Aqwen2.5%3A7b}");
    expect(keys.models()).toBe("models");
    expect(keys.sessionContext("alice", "s 1")).toBe("user:{alice}:session:s%201:context");
  });

  it("applies the prefix to every key", () => {
    const keys = new KeySchema("wellness:");
    const plain = allKeys(new KeySchema());
    expect(allKeys(keys)).toEqual(plain.map((key) => `wellness:${key}`));
  });

  it("rejects a prefix that would break hash tags or patterns", () => {
    expect(() => new KeySchema("a{b}")).toThrow(InvalidIdError);
    expect(() => new KeySchema("a*")).toThrow(/key prefix/);
  });

  it("names the field of a bad id in every builder", () => {
    const keys = new KeySchema();
    expect(() => keys.userSessions("bad*user")).toThrow(/Invalid user id/);
    expect(() => keys.healthMetric("alice", "Heart{Rate}")).toThrow(/Invalid metric type/);
    expect(() => keys.semantic("", "x", "y")).toThrow(/Invalid category: it is empty/);
    expect(() => keys.sleepNight("alice", "yesterday")).toThrow(/Invalid sleep date/);
    expect(() => keys.sleepNight("alice", "2024-13-45")).toThrow(/Invalid sleep date/);
    expect(() => keys.procedure("alice", "not-hex")).toThrow(/Invalid pattern hash/);
  });

  it("puts all of one user's keys in one slot, whatever the prefix", () => {
    for (const prefix of ["", "wellness:", "a:b:c:"]) {
      const slots = new Set(userKeys(new KeySchema(prefix), "alice").map((key) => keySlot(key)));
      expect(slots.size).toBe(1);
      expect([...slots][0]).toBe(keySlot("alice"));
    }
    expect(keySlot(new KeySchema().userSessions("bob"))).not.toBe(keySlot(new KeySchema().userSessions("alice")));
  });
});

describe("encodeKeySegment", () => {
  it("escapes everything but [A-Za-z0-9_.-] injectively and decodes back", () => {
    const samples = ["a:b", "a%3Ab", "{x}", "*", "with space", "Zoë 🙂", "", "plain-id_1.2", "[?]\\"];
    const encoded = samples.map(encodeKeySegment);
    expect(new Set(encoded).size).toBe(samples.length);
    for (const segment of encoded) expect(segment).toMatch(/^[A-Za-z0-9_.%-]*$/u);
    expect(encoded.map(decodeKeySegment)).toEqual(samples);
    expect(encodeKeySegment("a:b")).toBe("a%3Ab");
    expect(encodeKeySegment("9f1c2e4a-1b2c-4d5e-8f90-0123456789ab")).toBe("9f1c2e4a-1b2c-4d5e-8f90-0123456789ab");
    expect(encodeKeySegment("é")).toBe("%C3%A9");
    expect(encodeKeySegment("a\nb")).toBe("a%0Ab");
  });

  it("finds the thread back from a namespaces key, and nothing from other keys", () => {
    const keys = new KeySchema("app:");
    expect(keys.threadOfNamespacesKey(keys.checkpointNamespaces("Zoë {1}"))).toBe("Zoë {1}");
    expect(keys.threadOfNamespacesKey(`${keys.checkpointNamespaceBase("t", "")}ids`)).toBeUndefined();
    expect(keys.checkpointNamespacesPattern()).toBe("app:checkpoint:{*}:namespaces");
  });
});

describe("keySlot", () => {
  it("matches the CRC16 reference values Redis documents", () => {
    expect(keySlot("123456789")).toBe(0x31c3 % 16384);
    expect(keySlot("foo")).toBe(12182);
    expect(keySlot("{user1000}.following")).toBe(keySlot("{user1000}.followers"));
    expect(keySlot("foo{}{bar}")).toBe(keySlot("foo{}{bar}"));
    expect(keySlot("foo{{bar}}zap")).toBe(keySlot("{bar"));
  });
});

describe("slots on a real Redis Cluster", () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await startTestCluster();
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it("CLUSTER KEYSLOT agrees with keySlot, and one user's keys share one slot", async () => {
    const client = createClient({ url: `redis://${cluster.nodes[0]}` });
    await client.connect();
    try {
      const keys = new KeySchema("wellness:");
      const users = ["alice", "bob", "Zoë", "user:42"];
      for (const user of users) {
        const slots = new Set<number>();
        for (const key of userKeys(keys, user)) {
          const slot = await client.clusterKeySlot(key);
          expect(slot).toBe(keySlot(key));
          slots.add(slot);
        }
        expect(slots.size).toBe(1);
      }
      for (const key of [...allKeys(keys), "foo{}{bar}", "foo{{bar}}zap", "{a}", "plain"]) {
        expect(await client.clusterKeySlot(key)).toBe(keySlot(key));
      }
    } finally {
      await client.close();
    }
  });
});
