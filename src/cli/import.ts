import { loadConfig } from "../config.js";
import { importExport, type ImportProgress, type ImportSummary } from "../health/import/importer.js";
import { RECORD_COUNT_RULE } from "../health/record-count.js";
import { LearningQueue } from "../learning/queue.js";
import { createLogger, type Logger } from "../logger.js";
import type { RedisClient } from "../redis/client.js";
import type { KeySchema } from "../redis/keys.js";
import { withRuntime } from "./connection.js";

export interface ImportCommandOptions {
  user?: string;
  json?: boolean;
}

const MB = 1e6;

/** One line of progress: bar, percent, megabytes, records per second and time left. */
export function progressLine(progress: ImportProgress, width = 28): string {
  const fraction = progress.totalBytes > 0 ? Math.min(1, progress.bytesRead / progress.totalBytes) : 0;
  const filled = Math.round(fraction * width);
  const seconds = progress.elapsedMs / 1000;
  const rate = seconds > 0 ? progress.records / seconds : 0;
  const eta = fraction > 0 ? seconds / fraction - seconds : 0;
  return (
    `[${"=".repeat(filled)}${" ".repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ` +
    `${(progress.bytesRead / MB).toFixed(1)}/${(progress.totalBytes / MB).toFixed(1)} MB  ` +
    `${Math.round(rate).toLocaleString("en-US")} records/s  ETA ${Math.max(0, Math.round(eta))}s`
  );
}

/** The end-of-import table. */
export function summaryTable(summary: ImportSummary): string {
  const rows: [string, string][] = [
    ["user", summary.userId],
    ["file", `${summary.file} (${summary.xmlName})`],
    ["date range", `${summary.firstDate ?? "-"} to ${summary.lastDate ?? "-"}`],
    ["records", `${summary.records.toLocaleString("en-US")}, counting ${RECORD_COUNT_RULE}`],
    ["metrics", String(summary.metrics)],
    ["workouts", String(summary.workouts)],
    ["nights of sleep", String(summary.sleepNights)],
    ["activity days", String(summary.activityDays)],
    [
      "skipped values",
      `${summary.skipped.badDate} unreadable dates, ${summary.skipped.legacyDate} dates in the old iOS 8 form (20150101120000-0800), ${summary.skipped.badValue} non-numeric values, ${summary.skipped.unknownSleepValue} unknown sleep values`,
    ],
    ["time", `${summary.seconds.toFixed(2)} s, ${summary.megabytesPerSecond.toFixed(1)} MB/s, parsed on ${summary.parseThreads === 2 ? "2 threads" : "1 thread"}`],
  ];
  if (summary.parseWorkerError !== undefined) rows.push(["warning", `the second parse thread did not start (${summary.parseWorkerError}), so the parse took one`]);
  const width = Math.max(...rows.map(([name]) => name.length));
  const types = Object.entries(summary.recordsByType).sort(([, a], [, b]) => b - a);
  const typeWidth = Math.max(0, ...types.map(([name]) => name.length));
  return [
    ...rows.map(([name, value]) => `${name.padEnd(width)}  ${value}`),
    "",
    "records by type:",
    ...types.map(([name, count]) => `  ${name.padEnd(typeWidth)}  ${count.toLocaleString("en-US").padStart(10)}`),
  ].join("\n");
}

/** Tells the learning worker that the user's data changed, so it checks their advice's outcomes; a failure only warns (the import stands, and the worker's schedule checks anyway). */
async function announceImport(client: RedisClient, keys: KeySchema, userId: string, log: Logger): Promise<void> {
  await new LearningQueue(client, keys).announceImport(userId).catch((error: unknown) => log.warn(`could not tell the learning worker about the import (${(error as Error).message}); its next scheduled pass checks advice outcomes anyway`));
}

/** `wellness import <path> [--user ID] [--json]`. */
export async function importCommand(path: string, options: ImportCommandOptions): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const userId = options.user ?? config.defaultUserId;
  const interactive = process.stderr.isTTY && !options.json;
  const summary = await withRuntime(config, log, async ({ redis: client, keys, events }) => {
    // Started, progress, finished or failed go to the user's event channel and log, as from the server.
    const imported = await importExport({
      client,
      keys,
      userId,
      path,
      indexTtlSeconds: config.memoryTtlSeconds,
      onProgress: interactive ? (progress) => process.stderr.write(`\r${progressLine(progress)}`) : undefined,
      events: { sink: events },
    });
    await announceImport(client, keys, userId, log);
    return imported;
  });
  if (interactive) process.stderr.write("\n");
  process.stdout.write(options.json ? `${JSON.stringify(summary, null, 2)}\n` : `${summaryTable(summary)}\n`);
}
