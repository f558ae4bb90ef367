/**
 * The one rule by which both the synthetic export generator and the importer count "records", so
 * the two numbers a user sees for the same file agree: every top-level `Record`, every `Workout`
 * and every `ActivitySummary` element counts once; a `Record` inside a `Correlation` counts only
 * when the same sample does not also stand at the top level (Apple usually repeats it there).
 */
export const RECORD_COUNT_RULE = "Record, Workout and ActivitySummary elements (a Record inside a Correlation only when it is not repeated at the top level)";

/** The element names that count as one record each. */
export const COUNTED_ELEMENTS = ["Record", "Workout", "ActivitySummary"] as const;
export type CountedElement = (typeof COUNTED_ELEMENTS)[number];
