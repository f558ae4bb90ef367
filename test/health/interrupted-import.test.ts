import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeSyntheticExport } from "../../src/health/synthetic/generator.js";
import { HealthStore, importExport, PendingIndexRepair, repairPendingIndexes, RedisLock } from "../../src/index.js";
import { connectTestRedis, type TestConnection } from "../support/redis.js";
import { snapshot } from "../support/snapshot.js";

const root = new URL("../../", import.meta.url).pathname;
const tsxLoader = pathToFileURL(join(root, "node_modules/tsx/dist/loader.mjs")).href;
const LEASE_MS = 1_000;

describe("an import killed part-way", () => {
  let test: TestConnection;
  let dir: string;
  let oldExport: string;
  let newExport: string;

  beforeAll(async () => {
    test = await connectTestRedis({ label: "killed-import" });
    dir = mkdtempSync(join(tmpdir(), "wellness-killed-"));
    oldExport = join(dir, "old.xml");
    newExport = join(dir, "new.xml");
    await writeSyntheticExport(oldExport, { seed: 21, bytes: 2e6 });
    await writeSyntheticExport(newExport, { seed: 22, bytes: 6e6 });
    await importExport({ client: test.client, keys: test.keys, userId: "ref-old", path: oldExport, indexTtlSeconds: 3600 });
    await importExport({ client: test.client, keys: test.keys, userId: "ref-new", path: newExport, indexTtlSeconds: 3600 });
  }, 120_000);

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await test.dispose();
  });

  /** Everything a user has (data and indexes), keyed without the user id, leaving out staging keys and locks. */
  async function stateOf(userId: string): Promise<Record<string, unknown>> {
    const all = await snapshot(test.client, test.prefix);
    return Object.fromEntries(
      Object.entries(all)
        .filter(([key]) => key.includes(`{${userId}}`) && !key.startsWith(`${test.prefix}staging:`) && !key.startsWith(`${test.prefix}lock:`))
        .map(([key, value]) => [key.replace(`{${userId}}`, "{U}"), value]),
    );
  }

  async function importKilledAt(userId: string, point: string): Promise<void> {
    const child = spawn(process.execPath, ["--import", tsxLoader, join(root, "test/support/import-child.ts"), test.url, test.prefix, userId, newExport, point, String(LEASE_MS)], {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"],
    });
    const [code, signal] = (await once(child, "exit")) as [number | null, NodeJS.Signals | null];
    expect({ code, signal }).toEqual({ code: null, signal: "SIGKILL" });
  }

  async function lockGone(userId: string): Promise<void> {
    const lock = test.keys.lock("import", userId);
    expect(await test.client.pTTL(lock)).toBeLessThanOrEqual(LEASE_MS);
    for (let attempt = 0; attempt < 200 && (await test.client.exists(lock)) === 1; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(await test.client.exists(lock)).toBe(0);
  }

  it.each(["parsing", "staged"])("killed while %s: the old data and its complete indexes stay, the lock lapses within one lease", async (point) => {
    const userId = `killed-${point}`;
    await importExport({ client: test.client, keys: test.keys, userId, path: oldExport, indexTtlSeconds: 3600 });
    await importKilledAt(userId, point);
    await lockGone(userId);
    expect(await new HealthStore(test.client, test.keys).indexesPending(userId)).toBe(false);
    expect(await stateOf(userId)).toEqual(await stateOf("ref-old"));
    await importExport({ client: test.client, keys: test.keys, userId, path: newExport, indexTtlSeconds: 3600 });
    expect(await stateOf(userId)).toEqual(await stateOf("ref-new"));
  }, 120_000);

  it("killed right after the swap: the next read rebuilds the indexes under the lock, giving the new data with complete indexes", async () => {
    const userId = "killed-swapped";
    await importExport({ client: test.client, keys: test.keys, userId, path: oldExport, indexTtlSeconds: 3600 });
    await importKilledAt(userId, "swapped");
    await lockGone(userId);
    const plain = new HealthStore(test.client, test.keys);
    expect(await plain.indexesPending(userId)).toBe(true);

    const repairs = new PendingIndexRepair({ client: test.client, keys: test.keys, indexTtlSeconds: 3600 });
    const reader = new HealthStore(test.client, test.keys, { onIndexesPending: (user) => repairs.schedule(user) });
    const manifest = await reader.manifest(userId);
    expect(manifest?.provenance.file).toBe("new.xml");
    await repairs.drain();
    expect(await plain.indexesPending(userId)).toBe(false);
    expect(await stateOf(userId)).toEqual(await stateOf("ref-new"));
    expect(await test.client.exists(test.keys.lock("import", userId))).toBe(0);
  }, 120_000);

  it("leaves the repair to whoever holds the import lock, and reports when nothing is pending", async () => {
    const userId = "ref-new";
    const options = { client: test.client, keys: test.keys, userId, indexTtlSeconds: 3600 };
    expect(await repairPendingIndexes(options)).toBe("not-pending");
    const held = await new RedisLock(test.client, test.keys).acquire("import", userId, 10_000);
    try {
      expect(await repairPendingIndexes(options)).toBe("busy");
    } finally {
      await held?.release();
    }
  });
});
