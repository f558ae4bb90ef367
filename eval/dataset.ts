import { join } from "node:path";
import { importExport } from "../src/health/import/importer.js";
import { writeSyntheticExport, type SyntheticExportStats } from "../src/health/synthetic/generator.js";
import type { RedisClient } from "../src/redis/client.js";
import type { KeySchema } from "../src/redis/keys.js";

/** The evaluation's export: the synthetic generator with a fixed seed, so every run has the same data. */
export const EVAL_SEED = 7;
/** About nine weeks of data: enough for "last 8 weeks" and month-over-month comparisons. */
export const EVAL_DAYS = 63;
export const EVAL_END_DATE = "2025-06-29";
/** The generator writes Pacific time; the evaluation asks its questions there. */
export const EVAL_TIME_ZONE = "America/Los_Angeles";
const BYTES_PER_DAY = 312_000;

export interface EvalData {
  /** The moment the questions are asked: 21:00 local on the export's last day (PDT in June). */
  now: Date;
  stats: SyntheticExportStats;
}

/**
 * Writes the evaluation export into `dir` and imports it for `userId` (an import replaces the
 * user's previous data atomically, so running the evaluation again is harmless).
 */
export async function prepareEvalData(options: { client: RedisClient; keys: KeySchema; userId: string; dir: string; indexTtlSeconds: number }): Promise<EvalData> {
  const path = join(options.dir, "eval-export.xml");
  const stats = await writeSyntheticExport(path, { seed: EVAL_SEED, bytes: EVAL_DAYS * BYTES_PER_DAY, endDate: EVAL_END_DATE });
  await importExport({ client: options.client, keys: options.keys, userId: options.userId, path, indexTtlSeconds: options.indexTtlSeconds });
  return { now: new Date(`${stats.lastDate}T21:00:00-07:00`), stats };
}
