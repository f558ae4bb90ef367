import { randomBytes } from "node:crypto";
import { basename } from "node:path";
import { ImportError } from "../../errors.js";
import type { RedisClient } from "../../redis/client.js";
import { validateId } from "../../redis/ids.js";
import type { KeySchema } from "../../redis/keys.js";
import { RedisLock, renewWhileHeld } from "../../redis/lock.js";
import { HealthStore, type SeriesDay } from "../store/health-store.js";
import { INDEX_LOCK_LEASE_MS } from "../store/index-repair.js";
import { HealthIndexes, type IndexCounts } from "../store/indexes.js";
import type { HealthManifest, MetricKind } from "../types.js";
import { ExportAggregator, type AggregatedExport } from "./aggregate.js";
import { ImportEvents, type ImportEventOptions } from "./import-events.js";
import { readExport, type ReadResult } from "./reader.js";
import { openExport } from "./source.js";
import { readExportInWorker, type WorkerReadResult } from "./worker-reader.js";

export interface ImportProgress {
  bytesRead: number;
  records: number;
  totalBytes: number;
  elapsedMs: number;
}

export interface ImportOptions {
  client: RedisClient;
  keys: KeySchema;
  userId: string;
  /** export.zip or export.xml. */
  path: string;
  /** TTL of the rebuilt indexes (the memory TTL). */
  indexTtlSeconds: number;
  onProgress?: (progress: ImportProgress) => void;
  /**
   * Split the parse between this thread and a worker thread on a second core, this thread also
   * aggregating. Default: for exports of 16 MB and more, where it pays for the worker's start-up.
   */
  parallel?: boolean;
  /** Lease of the import lock, renewed every third of it while the import runs (default 30 s). */
  lockLeaseMs?: number;
  /**
   * Told when the import reaches a step: "staged" (everything written beside the live data,
   * just before the swap) and "swapped" (the new data is live, the indexes are being rebuilt).
   */
  onStage?: (stage: ImportStage) => Promise<void> | void;
  /** Publish import.started / progress / finished / failed for the user (the event bus). */
  events?: ImportEventOptions;
}

/** Steps of an import that {@link ImportOptions.onStage} hears about. */
export type ImportStage = "staged" | "swapped";

/** From this XML size up, the parse is split over two threads by default. */
const PARALLEL_FROM_BYTES = 16 * 1024 * 1024;

/** What an import did, for the CLI's table and `--json`. */
export interface ImportSummary {
  userId: string;
  file: string;
  xmlName: string;
  bytes: number;
  seconds: number;
  megabytesPerSecond: number;
  records: number;
  recordsByType: Record<string, number>;
  metrics: number;
  workouts: number;
  sleepNights: number;
  activityDays: number;
  firstDate: string | null;
  lastDate: string | null;
  skipped: AggregatedExport["skipped"];
  /** Records skipped because their type cannot name a series (empty, braces, `*`, control characters). */
  skippedTypes: number;
  indexes: IndexCounts;
  /** Threads that parsed the XML: 2 when the parse worker took part, 1 otherwise. */
  parseThreads: 1 | 2;
  /** Why the parse worker did not start, when a second thread was meant to help and could not. */
  parseWorkerError?: string;
}

function manifestOf(result: AggregatedExport, provenance: HealthManifest["provenance"]): HealthManifest {
  const metrics = Object.create(null) as HealthManifest["metrics"];
  const add = (kind: MetricKind, series: Map<string, SeriesDay[]>) => {
    for (const [metric, days] of series) {
      const first = days[0];
      if (first) metrics[metric] = { kind, unit: "unit" in first ? first.unit : "count", days: days.length };
    }
  };
  add("cumulative", result.cumulative);
  add("discrete", result.discrete);
  add("category", result.categories);
  return {
    version: 1,
    exportDate: result.exportDate ?? null,
    profile: result.profile,
    firstDate: result.firstDate ?? null,
    lastDate: result.lastDate ?? null,
    recordsByType: result.recordsByType,
    metrics: Object.fromEntries(Object.entries(metrics).sort(([a], [b]) => a.localeCompare(b))),
    workouts: result.workouts.length,
    sleepNights: result.sleep.length,
    activityDays: result.activity.length,
    skipped: result.skipped,
    provenance,
  };
}

/**
 * Imports an Apple Health export for one user: streams and aggregates it, writes the permanent
 * data beside the live data and swaps it in atomically, then rebuilds the TTL'd indexes. A file
 * that fails anywhere leaves the previous data exactly as it was; importing the same file again
 * gives the same keys and values.
 *
 * @throws {ImportError} for unreadable, damaged or unsupported files, and ERR_IMPORT_IN_PROGRESS
 *   when another import for the same user is running.
 * @example
 * ```ts
 * const summary = await importExport({ client: redis, keys, userId: "alice", path: "export.zip", indexTtlSeconds });
 * ```
 */
export async function importExport(options: ImportOptions): Promise<ImportSummary> {
  const { client, keys, path } = options;
  const userId = validateId("user id", options.userId);
  const events = new ImportEvents(userId, options.events);
  const onProgress = events.observe(options.onProgress);
  const started = performance.now();
  const leaseMs = options.lockLeaseMs ?? INDEX_LOCK_LEASE_MS;
  const lock = await new RedisLock(client, keys).acquire("import", userId, leaseMs);
  if (!lock) {
    throw new ImportError("ERR_IMPORT_IN_PROGRESS", `An import for user ${userId} is already running; wait for it to finish.`);
  }
  const stopRenewing = renewWhileHeld(lock, leaseMs);
  // Ctrl-C or a TERM: give the lock back first, then let the signal do what it would have done:
  // end the process when nobody else listens for it (the CLI), or leave it to whoever does (serve).
  const handledElsewhere = { SIGINT: process.listenerCount("SIGINT") > 0, SIGTERM: process.listenerCount("SIGTERM") > 0 };
  const onSignal = (signal: NodeJS.Signals) => {
    void lock
      .release()
      .catch(() => false)
      .finally(() => {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        if (!handledElsewhere[signal as keyof typeof handledElsewhere]) process.kill(process.pid, signal);
      });
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const source = await openExport(path);
    events.started(basename(path), source.xmlBytes);
    const aggregator = new ExportAggregator();
    const progress = (bytesRead: number) =>
      onProgress?.({ bytesRead, records: aggregator.recordsSeen, totalBytes: source.xmlBytes, elapsedMs: performance.now() - started });
    let read: ReadResult & Partial<Pick<WorkerReadResult, "parseThreads" | "parseWorkerError">>;
    try {
      const parallel = options.parallel ?? source.xmlBytes >= PARALLEL_FROM_BYTES;
      read = await (parallel ? readExportInWorker(source.bytes ?? source.stream, aggregator, progress) : readExport(source.stream, aggregator, progress));
    } finally {
      source.close();
    }
    if (aggregator.recordsAccepted === 0 && aggregator.skippedSoFar.legacyDate > 0) {
      throw new ImportError(
        "ERR_IMPORT_UNSUPPORTED_FORMAT",
        "This is a 2015-era (iOS 8) Health export, whose compact dates (20150101120000-0800) are not supported. Export again from the Health app on a current iPhone.",
      );
    }
    const result = aggregator.finish();
    const manifest = manifestOf(result, { file: basename(path), xmlName: source.xmlName, bytes: read.bytes, sha256: read.sha256 });
    const series = new Map<string, SeriesDay[]>([...result.cumulative, ...result.discrete, ...result.categories]);
    const store = new HealthStore(client, keys);
    // The data version names the data: the same file gives the same version (and identical keys);
    // any other file changes it, so tool answers cached from older data are never served again.
    // It changes in the swap itself, with the cached profile and context line dropped there too.
    const data = { manifest, series, workouts: result.workouts, sleep: result.sleep, activity: result.activity };
    const replaced = await store.replace(userId, randomBytes(8).toString("hex"), data, {
      beforeSwap: () => options.onStage?.("staged"),
      version: read.sha256,
      invalidate: [keys.userProfile(userId), keys.userContextLine(userId)],
    });
    await options.onStage?.("swapped");
    const indexes = await new HealthIndexes(client, keys, store, options.indexTtlSeconds).rebuild(userId, replaced, data);
    const seconds = (performance.now() - started) / 1000;
    return events.finished({
      userId,
      file: path,
      xmlName: source.xmlName,
      bytes: read.bytes,
      seconds: Math.round(seconds * 100) / 100,
      megabytesPerSecond: Math.round((read.bytes / 1e6 / Math.max(seconds, 1e-6)) * 10) / 10,
      records: Object.values(result.recordsByType).reduce((sum, count) => sum + count, 0),
      recordsByType: result.recordsByType,
      metrics: Object.keys(manifest.metrics).length,
      workouts: result.workouts.length,
      sleepNights: result.sleep.length,
      activityDays: result.activity.length,
      firstDate: manifest.firstDate,
      lastDate: manifest.lastDate,
      skipped: result.skipped,
      skippedTypes: result.skippedTypes,
      indexes,
      parseThreads: read.parseThreads ?? 1,
      ...(read.parseWorkerError === undefined ? {} : { parseWorkerError: read.parseWorkerError }),
    });
  } catch (error) {
    events.failed(error);
    throw error;
  } finally {
    stopRenewing();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await lock.release().catch(() => false);
  }
}
