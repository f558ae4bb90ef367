import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImportError } from "../../src/errors.js";
import { ExportAggregator } from "../../src/health/import/aggregate.js";
import { readExport, type ReadResult } from "../../src/health/import/reader.js";
import type { ByteSource } from "../../src/health/import/source.js";
import { readExportInWorker, type SegmentCounts, type WorkerReadResult } from "../../src/health/import/worker-reader.js";
import { writeSyntheticExport } from "../../src/health/synthetic/generator.js";

const MB = 1 << 20;

/** Everything an aggregator ends with, as JSON, with the read's hash and size. */
function outcome(read: ReadResult, aggregator: ExportAggregator): string {
  return JSON.stringify({ read: { sha256: read.sha256, bytes: read.bytes }, result: aggregator.finish() }, (_key, value: unknown) => (value instanceof Map ? [...value] : value));
}

async function inThread(path: string): Promise<string> {
  const aggregator = new ExportAggregator();
  return outcome(await readExport(createReadStream(path), aggregator), aggregator);
}

/** The file read straight into the reader's buffers, at most `maxRead` bytes a read (short reads, as a slow disk may give). */
function fileBytes(path: string, maxRead: number): ByteSource & { close(): Promise<void> } {
  const handle = open(path, "r");
  return {
    read: async (into, offset, length) => (await (await handle).read(into, offset, Math.min(length, maxRead), null)).bytesRead,
    close: async () => (await handle).close(),
  };
}

async function inWorker(
  path: string,
  handOverAt?: number,
  takeBack = false,
  maxRead?: number,
  worker?: Worker,
): Promise<{ outcome: string; handedOverAt: number | undefined; counts: SegmentCounts | undefined; read: WorkerReadResult }> {
  const aggregator = new ExportAggregator();
  let handedOverAt: number | undefined;
  let counts: SegmentCounts | undefined;
  const bytes = maxRead === undefined ? undefined : fileBytes(path, maxRead);
  const read = await readExportInWorker(bytes ?? createReadStream(path), aggregator, undefined, {
    handOverAt,
    onHandOver: (bytes) => (handedOverAt = bytes),
    onSegments: (seen) => (counts = seen),
    takeBack,
    worker,
  });
  await bytes?.close();
  return { outcome: outcome(read, aggregator), handedOverAt, counts, read };
}

async function failure(attempt: Promise<unknown>): Promise<ImportError> {
  try {
    await attempt;
  } catch (error) {
    if (error instanceof ImportError) return error;
    throw error;
  }
  throw new Error("expected an import error");
}

describe("readExportInWorker", () => {
  let dir: string;
  let generated: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "wellness-worker-reader-"));
    generated = join(dir, "generated.xml");
    await writeSyntheticExport(generated, { seed: 11, bytes: 3.5e6 });
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("gives what one thread gives, wherever the worker starts taking segments, or if it never does", async () => {
    const expected = await inThread(generated);
    for (const handOverAt of [0, MB, 2 * MB, 100 * MB]) {
      const run = await inWorker(generated, handOverAt);
      expect(run.outcome).toBe(expected);
      if (handOverAt === 100 * MB) {
        expect(run.handedOverAt).toBeUndefined();
        expect(run.counts?.inWorker).toBe(0);
        expect(run.read.parseThreads).toBe(1);
      } else {
        expect(run.handedOverAt).toBeGreaterThanOrEqual(handOverAt);
        expect(run.counts?.inWorker).toBeGreaterThan(0);
        expect(run.read.parseThreads).toBe(2);
      }
      expect(run.read.parseWorkerError).toBeUndefined();
      // Apple's layout: every segment starts between two top-level elements, as assumed.
      expect(run.counts?.discarded).toBe(0);
    }
    expect((await inWorker(generated, 0, true)).outcome).toBe(expected);
  });

  it("reads straight from a file, in full or short reads, as one thread does", async () => {
    const expected = await inThread(generated);
    for (const maxRead of [4 * MB, 300_000]) {
      for (const handOverAt of [0, 2 * MB]) {
        const run = await inWorker(generated, handOverAt, false, maxRead);
        expect(run.outcome).toBe(expected);
        expect(run.counts?.inWorker).toBeGreaterThan(0);
      }
    }
  });

  it("parses in this thread alone when the worker fails to start", async () => {
    const broken = new Worker("throw new Error('cannot start');", { eval: true });
    const run = await inWorker(generated, undefined, true, 4 * MB, broken);
    expect(run.outcome).toBe(await inThread(generated));
    expect(run.handedOverAt).toBeUndefined();
    expect(run.counts?.inWorker).toBe(0);
    expect(run.read.parseThreads).toBe(1);
    // Told to hand over at once, the read waits to hear whether the worker started, and says why it did not.
    const waited = await inWorker(generated, 0, true, 4 * MB, new Worker("throw new Error('cannot start');", { eval: true }));
    expect(waited.outcome).toBe(run.outcome);
    expect(waited.read.parseThreads).toBe(1);
    expect(waited.read.parseWorkerError).toContain("cannot start");
  });

  it("gives what one thread gives when a segment starts inside a comment longer than the cut's search, with no line to cut before", async () => {
    const text = readFileSync(generated, "utf8");
    const at = text.indexOf("\n <Record", MB - 150_000);
    const path = join(dir, "long-comment.xml");
    writeFileSync(path, `${text.slice(0, at)}\n <!-- ${"x".repeat(300_000)} -->${text.slice(at)}`);
    const expected = await inThread(path);
    for (const maxRead of [undefined, 4 * MB]) {
      const run = await inWorker(path, 0, false, maxRead);
      expect(run.outcome).toBe(expected);
    }
  });

  it("parses a segment again from the true position when it starts inside a Workout, however many segments the Workout spans", async () => {
    const entries = Array.from({ length: 40_000 }, (_, index) => `  <MetadataEntry key="HKNote${index}" value="a note &amp; more"/>\n`).join("");
    const steps = (hour: number) =>
      ` <Record type="HKQuantityTypeIdentifierStepCount" sourceName="iPhone" unit="count" startDate="2024-10-14 ${String(hour).padStart(2, "0")}:00:00 -0700" endDate="2024-10-14 ${String(hour).padStart(2, "0")}:10:00 -0700" value="${hour * 10}"/>\n`;
    const path = join(dir, "long-workout.xml");
    writeFileSync(
      path,
      '<?xml version="1.0" encoding="UTF-8"?>\n<HealthData locale="en_US">\n' +
        steps(8) +
        ' <Workout workoutActivityType="HKWorkoutActivityTypeRunning" duration="30" durationUnit="min" sourceName="Apple Watch" startDate="2024-10-14 19:00:00 -0700" endDate="2024-10-14 19:30:00 -0700">\n' +
        entries +
        " </Workout>\n" +
        steps(9).repeat(10_000) +
        "</HealthData>\n",
    );
    expect(readFileSync(path).indexOf("</Workout>")).toBeGreaterThan(2 * MB);
    const run = await inWorker(path, 0);
    expect(run.outcome).toBe(await inThread(path));
    expect(run.counts?.fromTruePosition).toBeGreaterThan(1);
  });

  it("throws away what a segment starting inside a comment made of records gave, and parses it from the true position", async () => {
    const text = readFileSync(generated, "utf8");
    const at = text.indexOf("\n <Record", MB);
    const fake = ' <Record type="HKQuantityTypeIdentifierStepCount" sourceName="Fake" unit="count" startDate="2024-10-14 09:00:00 -0700" endDate="2024-10-14 09:10:00 -0700" value="1000"/>\n';
    const path = join(dir, "comment.xml");
    writeFileSync(path, `${text.slice(0, at)}\n <!-- old records:\n${fake.repeat(15_000)} -->${text.slice(at)}`);
    const expected = await inThread(path);
    expect(expected).not.toContain("Fake");
    const run = await inWorker(path, 0);
    expect(run.outcome).toBe(expected);
    expect(run.counts?.fromTruePosition).toBeGreaterThan(1);
  });

  it("reports a malformed element after the move at the same line and column as one thread", async () => {
    const text = readFileSync(generated, "utf8");
    const at = text.indexOf("<Record", 3 * MB);
    const path = join(dir, "broken.xml");
    writeFileSync(path, `${text.slice(0, at)}<Record type="x" value="&bogus;"/>${text.slice(at)}`);
    const expected = await failure(readExport(createReadStream(path), new ExportAggregator()));
    expect(expected.code).toBe("ERR_IMPORT_MALFORMED_XML");
    let handedOverAt: number | undefined;
    const moved = await failure(
      readExportInWorker(createReadStream(path), new ExportAggregator(), undefined, { handOverAt: MB, onHandOver: (bytes) => (handedOverAt = bytes) }),
    );
    expect(handedOverAt).toBeLessThan(at);
    expect([moved.code, moved.line, moved.column, moved.message]).toEqual([expected.code, expected.line, expected.column, expected.message]);
  });
});
