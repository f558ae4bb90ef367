import { extractNumbers, type StatedDate, type StatedNumber } from "./extract.js";

/** What a reply may draw numbers from in one turn. */
export interface EvidenceSources {
  /** This turn's tool results, as the model read them (JSON text from our tools). */
  toolResults: readonly string[];
  /** The memory context put in the system prompt. */
  memoryContext: string;
  /** The user's question: numbers it contains may be echoed back. */
  question: string;
  /** Today in the user's time zone, YYYY-MM-DD. */
  today?: string;
}

/**
 * The numbers, dates and times found in a turn's sources. `direct` are numbers as written;
 * `scalars` are the ones a reply is likely to combine (the tools' top-level figures, memory and
 * the question, not per-day list entries), `summaries` each list's length and each list field's
 * sum, average, minimum and maximum. Sums, differences, ratios and percent changes are derived
 * from them when a stated number is not found directly.
 */
export interface Evidence {
  direct: number[];
  scalars: number[];
  summaries: number[];
  /** YYYY-MM-DD. */
  dates: Set<string>;
  /** Dates written without a year or month ("Oct 14", "the 14th"), as in the question or memory. */
  partialDates: StatedDate[];
  /** Minutes after midnight. */
  times: number[];
  /** Derived values, filled in by the matcher the first time a number is not found directly. */
  derived: { topLevel?: DerivedValues; all?: DerivedValues };
}

/** Sums and differences, and percent changes and ratios, of pairs of source numbers. */
export interface DerivedValues {
  arithmetic: number[];
  percent: number[];
}

const MAX_RANGE_DAYS = 400;
const ISO_DATE = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2}))?/u;

function addStated(evidence: Evidence, stated: readonly StatedNumber[], scalar: boolean): void {
  for (const each of stated) {
    if (each.kind === "date" && each.date?.year !== undefined && each.date.month !== undefined) {
      evidence.dates.add(`${each.date.year}-${String(each.date.month).padStart(2, "0")}-${String(each.date.day).padStart(2, "0")}`);
    } else if (each.kind === "date" && each.date) {
      evidence.partialDates.push(each.date);
    } else if (each.kind === "time") {
      evidence.times.push(each.value);
    } else if (each.kind !== "date") {
      const values = each.high !== undefined ? [each.value, each.high] : [each.value];
      evidence.direct.push(...values);
      if (scalar) evidence.scalars.push(...values);
    }
  }
}

/** Every date from `from` to `to` (a tool's resolved period), and the period's length in days and weeks. */
function addPeriod(evidence: Evidence, from: string, to: string): void {
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  if (!(end >= start)) return;
  const days = Math.round((end - start) / 86_400_000) + 1;
  for (let day = 0; day < Math.min(days, MAX_RANGE_DAYS); day++) evidence.dates.add(new Date(start + day * 86_400_000).toISOString().slice(0, 10));
  evidence.direct.push(days, days / 7);
  evidence.scalars.push(days);
}

/** Walks a parsed tool result: numbers by their key path (list positions dropped), strings read as text. */
function walk(value: unknown, path: string, inList: boolean, evidence: Evidence, groups: Map<string, number[]>): void {
  if (typeof value === "number" && Number.isFinite(value)) {
    evidence.direct.push(value);
    if (!inList) evidence.scalars.push(value);
    const group = groups.get(path) ?? [];
    group.push(value);
    groups.set(path, group);
  } else if (typeof value === "string") {
    const iso = ISO_DATE.exec(value);
    if (iso?.[1]) {
      evidence.dates.add(iso[1]);
      if (iso[2] !== undefined && iso[3] !== undefined) evidence.times.push(Number(iso[2]) * 60 + Number(iso[3]));
    } else {
      addStated(evidence, extractNumbers(value), !inList);
    }
  } else if (Array.isArray(value)) {
    evidence.direct.push(value.length);
    evidence.summaries.push(value.length);
    for (const item of value) walk(item, `${path}[]`, true, evidence, groups);
  } else if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (typeof record.from === "string" && typeof record.to === "string") addPeriod(evidence, record.from, record.to);
    for (const [key, item] of Object.entries(record)) walk(item, `${path}.${key}`, inList, evidence, groups);
  }
}

/** The numbers, dates and times of a turn's tool results, memory context, question and today's date. */
export function collectEvidence(sources: EvidenceSources): Evidence {
  const evidence: Evidence = { direct: [], scalars: [], summaries: [], dates: new Set(), partialDates: [], times: [], derived: {} };
  const groups = new Map<string, number[]>();
  for (const text of sources.toolResults) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      addStated(evidence, extractNumbers(text), true);
      continue;
    }
    walk(parsed, "", false, evidence, groups);
  }
  for (const values of groups.values()) {
    if (values.length < 2) continue;
    const sum = values.reduce((a, b) => a + b, 0);
    const summary = [sum, sum / values.length, Math.min(...values), Math.max(...values)];
    evidence.direct.push(...summary);
    evidence.summaries.push(...summary);
  }
  addStated(evidence, extractNumbers(sources.memoryContext), true);
  addStated(evidence, extractNumbers(sources.question), true);
  if (sources.today) evidence.dates.add(sources.today);
  return evidence;
}
