import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ByteXmlScanner, XmlSyntaxError } from "../../src/health/import/byte-scanner.js";
import { writeSyntheticExport } from "../../src/health/synthetic/generator.js";
import { HealthIndexes, HealthStore, importExport } from "../../src/index.js";
import { zipArchive } from "../support/zip.js";
import { connectTestRedis, type TestConnection } from "../support/redis.js";
import { snapshot } from "../support/snapshot.js";

const CHUNK = 64 * 1024;

/** Scans a document fed in 64 KiB chunks; returns the bytes examined, or the syntax error. */
function scanWork(parts: (string | Buffer)[]): { work: number; size: number; error?: XmlSyntaxError } {
  const document = Buffer.concat(parts.map((part) => (typeof part === "string" ? Buffer.from(part) : part)));
  let elements = 0;
  const scanner = new ByteXmlScanner({ openTag: () => void (elements += 1), closeTag: () => undefined });
  try {
    for (let at = 0; at < document.length; at += CHUNK) scanner.write(document.subarray(at, at + CHUNK));
    scanner.end();
  } catch (error) {
    if (error instanceof XmlSyntaxError) return { work: scanner.work, size: document.length, error };
    throw error;
  }
  expect(elements).toBeGreaterThan(0);
  return { work: scanner.work, size: document.length };
}

const long = (bytes: number, fill = "a") => Buffer.alloc(bytes, fill);

describe("the XML scanner on long constructs", () => {
  const constructs: [string, (size: number) => (string | Buffer)[]][] = [
    ["a comment", (size) => ["<HealthData>\n<!--", long(size), "-->\n</HealthData>\n"]],
    ["a CDATA section", (size) => ["<HealthData><![CDATA[", long(size), "]]></HealthData>"]],
    ["a processing instruction", (size) => ["<?pi ", long(size), "?><HealthData/>"]],
    ["a DOCTYPE subset", (size) => ["<!DOCTYPE HealthData [", long(size, "]"), " ]>\n<HealthData/>"]],
    ["text", (size) => ["<HealthData>", long(size, "x"), "</HealthData>"]],
    ["text full of references", (size) => ["<HealthData>", long(size / 5, "&amp;"), "</HealthData>"]],
    ["deep nesting", (size) => ["<HealthData>", "<a>".repeat(size / 12), "</a>".repeat(size / 12), "</HealthData>"]],
    ["an attribute just under the limit, many times", (size) => ["<HealthData>", ...Array.from({ length: size / 900_000 }, () => `<R v="${"b".repeat(900_000)}"/>`), "</HealthData>"]],
  ];

  it.each(constructs)("does work linear in the size of %s", (_label, build) => {
    const small = scanWork(build(2_000_000));
    const large = scanWork(build(8_000_000));
    expect(small.error).toBeUndefined();
    expect(large.error).toBeUndefined();
    // Work per input byte stays bounded and does not grow with the construct.
    expect(large.work / large.size).toBeLessThan(8);
    expect(large.work / large.size).toBeLessThan((small.work / small.size) * 1.5 + 0.1);
  });

  it("refuses an attribute over 1 MiB at the tag's line and column, having read little more than the limit", () => {
    const result = scanWork(["<HealthData>\n <Record type=\"", long(66_000_000), "\"/>\n</HealthData>"]);
    expect(result.error?.message).toMatch(/larger than 1024 KiB/);
    expect([result.error?.line, result.error?.column]).toEqual([2, 2]);
    expect(result.work).toBeLessThan(8_000_000);
  });

  it("refuses an unterminated start tag and an unterminated comment as truncated", () => {
    expect(scanWork(["<HealthData><Record a=\"1\"", long(100_000, " ")]).error?.message).toMatch(/ends inside a tag/);
    const comment = scanWork(["<HealthData>\n\n<!--", long(3_000_000)]);
    expect(comment.error?.message).toMatch(/ends inside a comment/);
    expect([comment.error?.line, comment.error?.column]).toEqual([3, 1]);
  });
});

describe("importing hostile and odd exports", () => {
  let test: TestConnection;
  let dir: string;
  let counter = 0;

  beforeAll(async () => {
    test = await connectTestRedis({ label: "hostile" });
    dir = mkdtempSync(join(tmpdir(), "wellness-hostile-"));
  });

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await test.dispose();
  });

  function file(content: string | Buffer): string {
    const path = join(dir, `${counter++}.xml`);
    writeFileSync(path, content);
    return path;
  }

  const record = (type: string, value = "1") =>
    ` <Record type="${type}" sourceName="Scale" unit="count" startDate="2024-10-14 09:00:00 -0700" endDate="2024-10-14 09:00:00 -0700" value="${value}"/>\n`;
  const document = (body: string) => `<?xml version="1.0"?>\n<HealthData>\n${body}</HealthData>\n`;

  it("keeps __proto__ and constructor as plain record types, and skips and counts types that cannot name a series", async () => {
    const body = record("__proto__", "2") + record("constructor", "3") + record("HKQuantityTypeIdentifierStep*Count") + record("Heart{Rate}") + record("HKQuantityTypeIdentifierStepCount", "10");
    const summary = await importExport({ client: test.client, keys: test.keys, userId: "proto", path: file(document(body)), indexTtlSeconds: 3600 });
    expect(summary.recordsByType).toEqual(JSON.parse('{"__proto__": 1, "constructor": 1, "StepCount": 1}'));
    expect(summary.records).toBe(3);
    expect(summary.skippedTypes).toBe(2);
    const store = new HealthStore(test.client, test.keys);
    expect(Object.keys((await store.manifest("proto"))?.metrics ?? {}).sort()).toEqual(["StepCount", "__proto__", "constructor"]);
    expect(await store.series("proto", "__proto__")).toHaveLength(1);
  });

  it("refuses an export with thousands of distinct record types before writing anything", async () => {
    const body = Array.from({ length: 5_001 }, (_, index) => record(`HKQuantityTypeIdentifierMade${index}`)).join("");
    await expect(
      importExport({ client: test.client, keys: test.keys, userId: "types", path: file(document(body)), indexTtlSeconds: 3600 }),
    ).rejects.toMatchObject({ code: "ERR_IMPORT_TOO_MANY_TYPES" });
    expect(await new HealthStore(test.client, test.keys).manifest("types")).toBeUndefined();
  });

  it("gives the same stored data whether the parse runs in a worker thread or in this one", async () => {
    const path = join(dir, "generated.xml");
    await writeSyntheticExport(path, { seed: 7, bytes: 3e6 });
    const run = (userId: string, parallel: boolean) =>
      importExport({ client: test.client, keys: test.keys, userId, path, indexTtlSeconds: 3600, parallel });
    const inThread = await run("same", false);
    const before = await snapshot(test.client, test.prefix);
    const inWorker = await run("same", true);
    expect({ ...inWorker, seconds: 0, megabytesPerSecond: 0 }).toEqual({ ...inThread, seconds: 0, megabytesPerSecond: 0 });
    expect(await snapshot(test.client, test.prefix)).toEqual(before);
  });

  it("reports a malformed export with line and column from the worker too", async () => {
    const path = file(document(record("HKQuantityTypeIdentifierStepCount") + ' <Record type="x" value="&bogus;"/>\n'));
    await expect(
      importExport({ client: test.client, keys: test.keys, userId: "broken", path, indexTtlSeconds: 3600, parallel: true }),
    ).rejects.toMatchObject({ code: "ERR_IMPORT_MALFORMED_XML", line: 4, column: 26 });
  });

  it("refuses a zip bomb from its declared sizes, before inflating anything", async () => {
    const bomb = zipArchive({ "apple_health_export/export.xml": Buffer.concat([Buffer.from("<HealthData>"), Buffer.alloc(64 * 2 ** 20)]) });
    const path = join(dir, "bomb.zip");
    writeFileSync(path, bomb);
    await expect(importExport({ client: test.client, keys: test.keys, userId: "bomb", path, indexTtlSeconds: 3600 })).rejects.toMatchObject({
      code: "ERR_IMPORT_TOO_LARGE",
      message: expect.stringMatching(/would inflate \d+ times/) as string,
    });
    expect(await new HealthStore(test.client, test.keys).manifest("bomb")).toBeUndefined();
  });

  it("holds the import lock on a short lease, and gives it back on failure", async () => {
    const path = join(dir, "lease.xml");
    await writeSyntheticExport(path, { seed: 9, bytes: 9e6 });
    const leases: Promise<number>[] = [];
    await importExport({
      client: test.client,
      keys: test.keys,
      userId: "lease",
      path,
      indexTtlSeconds: 3600,
      onProgress: () => void leases.push(test.client.pTTL(test.keys.lock("import", "lease"))),
    });
    const seen = await Promise.all(leases);
    expect(seen.length).toBeGreaterThan(0);
    for (const ttl of seen) expect(ttl).toBeLessThanOrEqual(30_000);
    expect(await test.client.exists(test.keys.lock("import", "lease"))).toBe(0);
    await expect(importExport({ client: test.client, keys: test.keys, userId: "lease", path: file("<HealthData><oops"), indexTtlSeconds: 3600 })).rejects.toThrow();
    expect(await test.client.exists(test.keys.lock("import", "lease"))).toBe(0);
  });

  it("marks the indexes pending in the swap itself, so an import killed before the rebuild is visible and repaired", async () => {
    const store = new HealthStore(test.client, test.keys);
    const body = record("HKQuantityTypeIdentifierStepCount", "10");
    await importExport({ client: test.client, keys: test.keys, userId: "pending", path: file(document(body)), indexTtlSeconds: 3600 });
    expect(await store.indexesPending("pending")).toBe(false);
    const manifest = await store.manifest("pending");
    if (!manifest) throw new Error("no manifest");
    // The swap alone, as when the process dies right after it.
    await store.replace("pending", "killed", { manifest, series: new Map([["StepCount", await store.series("pending", "StepCount")]]), workouts: [], sleep: [], activity: [] });
    expect(await store.indexesPending("pending")).toBe(true);
    await new HealthIndexes(test.client, test.keys, store, 3600).rebuild("pending");
    expect(await store.indexesPending("pending")).toBe(false);
    expect(await test.client.exists(test.keys.healthMetric("pending", "StepCount"))).toBe(1);
  });
});
