import type { HealthManifest } from "../../health/types.js";
import type { DateRange } from "../time-range.js";
import type { ToolDependencies } from "./context.js";

/** What a tool adds to an answer whose period holds none of the user's data. */
export interface EmptyPeriodNote {
  note: string;
  /** The first and last day of the user's imported data, or null when nothing is imported. */
  dataRange: { from: string; to: string } | null;
}

/**
 * Tells the model where the user's data is when a period holds none of it, so an old export
 * ("your data runs from 2017-01-07 to 2017-11-11") gets a useful answer instead of a bare zero.
 * The range is the imported manifest's first and last day; one read of one key.
 *
 * @example
 * ```ts
 * ...(nights.length === 0 ? await emptyPeriodNote(deps, userId, "sleep", range) : {}),
 * // { note: "no sleep data in last week (...); the user's data runs from 2017-01-07 to 2017-11-11: ...", dataRange: {...} }
 * ```
 */
export async function emptyPeriodNote(deps: Pick<ToolDependencies, "store">, userId: string, what: string, range: DateRange): Promise<EmptyPeriodNote> {
  return describeEmptyPeriod(await deps.store.manifest(userId), what, range);
}

/** The same note from a manifest the tool has already read. */
export function describeEmptyPeriod(manifest: HealthManifest | undefined, what: string, range: DateRange): EmptyPeriodNote {
  if (!manifest?.firstDate || !manifest.lastDate) {
    return { note: `no ${what} data in ${range.label}: this user has no health data yet; import an Apple Health export first`, dataRange: null };
  }
  const dataRange = { from: manifest.firstDate, to: manifest.lastDate };
  const where =
    range.to < dataRange.from ? "the period ends before the data starts" : range.from > dataRange.to ? "the period starts after the data ends" : "none recorded on these days";
  return {
    note: `no ${what} data in ${range.label} (${where}); the user's data runs from ${dataRange.from} to ${dataRange.to}: ask about a period inside it, e.g. "${dataRange.to.slice(0, 4)}" or "${dataRange.from} to ${dataRange.to}"`,
    dataRange,
  };
}
