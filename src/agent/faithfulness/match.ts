import type { DerivedValues, Evidence } from "./evidence.js";
import type { StatedDate, StatedNumber } from "./extract.js";
import { conversionsInto, type Unit } from "./units.js";

/** At most this many numbers are combined pairwise (n² derived values). */
const MAX_COMBINED = 200;
/**
 * Below this magnitude a number is derived only from the sources' top-level figures, and a whole
 * number not at all: differences of a few hundred list summaries cover every small value, so
 * deriving one from them would support anything.
 */
const MIN_DERIVED = 10;
/** A range this narrow ("7-8 hours") is a rounding of one value; a wider one states both ends. */
const NARROW_RANGE = 0.25;

function near(value: number, tolerance: number, unit: Unit | undefined, candidates: readonly number[]): boolean {
  const slack = tolerance + 1e-9 * Math.max(1, Math.abs(value));
  for (const factor of conversionsInto(unit)) {
    for (const candidate of candidates) {
      const converted = candidate * factor;
      if (Math.abs(converted - value) <= slack || Math.abs(Math.abs(converted) - Math.abs(value)) <= slack) return true;
    }
  }
  return false;
}

function within(low: number, high: number, tolerance: number, unit: Unit | undefined, candidates: readonly number[]): boolean {
  return conversionsInto(unit).some((factor) => candidates.some((candidate) => candidate * factor >= low - tolerance && candidate * factor <= high + tolerance));
}

/** Sums, differences, percent changes and ratios of every pair of numbers. */
function combine(numbers: readonly number[]): DerivedValues {
  const unique = [...new Set(numbers)].slice(0, MAX_COMBINED);
  const arithmetic: number[] = [];
  const percent: number[] = [];
  for (let i = 0; i < unique.length; i++) {
    const a = unique[i] ?? 0;
    for (let j = i + 1; j < unique.length; j++) {
      const b = unique[j] ?? 0;
      arithmetic.push(a + b, a - b);
      if (a !== 0) percent.push(((b - a) / a) * 100, (b / a) * 100);
      if (b !== 0) percent.push(((a - b) / b) * 100, (a / b) * 100);
    }
  }
  return { arithmetic, percent };
}

/** Derived values of the top-level figures alone, or of everything; computed once per evidence. */
function derived(evidence: Evidence, topLevelOnly: boolean): DerivedValues {
  if (topLevelOnly) return (evidence.derived.topLevel ??= combine(evidence.scalars));
  return (evidence.derived.all ??= combine([...evidence.scalars, ...evidence.summaries]));
}

function dateMatches(stated: StatedDate, candidate: StatedDate): boolean {
  return (
    stated.day === candidate.day &&
    (stated.month === undefined || candidate.month === undefined || stated.month === candidate.month) &&
    (stated.year === undefined || candidate.year === undefined || stated.year === candidate.year)
  );
}

function supportsDate(date: StatedDate, evidence: Evidence): boolean {
  for (const iso of evidence.dates) {
    if (dateMatches(date, { year: Number(iso.slice(0, 4)), month: Number(iso.slice(5, 7)), day: Number(iso.slice(8, 10)) })) return true;
  }
  return evidence.partialDates.some((candidate) => dateMatches(date, candidate));
}

/** Facts of the calendar a reply may state without a source: "24 hours", "7 days a week", "60 minutes". */
const CALENDAR: readonly { value: number; units?: readonly Unit[]; referents?: readonly string[] }[] = [
  { value: 24, units: ["h"] },
  { value: 60, units: ["min", "s"] },
  { value: 7, referents: ["days", "day"] },
  { value: 12, referents: ["months"] },
  { value: 52, referents: ["weeks"] },
  { value: 365, referents: ["days"] },
];

function isCalendar(stated: StatedNumber): boolean {
  return CALENDAR.some(
    (fact) => fact.value === stated.value && ((stated.unit !== undefined && fact.units?.includes(stated.unit)) || (stated.referent !== undefined && fact.referents?.includes(stated.referent))),
  );
}

function supportsValue(value: number, tolerance: number, unit: Unit | undefined, evidence: Evidence): boolean {
  if (near(value, tolerance, unit, evidence.direct)) return true;
  const small = Math.abs(value) < MIN_DERIVED;
  if (small && tolerance >= 0.5) return false;
  const { arithmetic, percent } = derived(evidence, small);
  return near(value, tolerance, unit, unit === "%" ? percent : arithmetic);
}

/**
 * Whether a turn's evidence supports one stated number: found directly (after rounding to the
 * precision it was written with, in any unit of its dimension, sign aside: "down 3%" states the
 * -3 a tool returned), or derived from two source numbers (a sum, a difference, a percent change
 * or a percentage of the other). Dates must fall on a date the sources name or cover; times of day
 * within the written precision of one the sources give; a narrow range ("7-8 hours") must hold a
 * source number, any range may instead have both ends supported. Calendar facts ("24 hours",
 * "7 days") need no source.
 *
 * @example
 * ```ts
 * const evidence = collectEvidence({ toolResults: ['{"avg": 9412.4}'], memoryContext: "", question: "" });
 * isSupported(extractNumbers("about 9,400 steps")[0], evidence); // true
 * ```
 */
export function isSupported(stated: StatedNumber, evidence: Evidence): boolean {
  switch (stated.kind) {
    case "date":
      return stated.date ? supportsDate(stated.date, evidence) : false;
    case "time":
      return evidence.times.some((time) => {
        const gap = Math.abs(time - stated.value) % 1440;
        return Math.min(gap, 1440 - gap) <= stated.tolerance;
      });
    case "year":
      return [...evidence.dates].some((iso) => iso.startsWith(String(stated.value))) || near(stated.value, 0, undefined, evidence.direct);
    case "range": {
      const high = stated.high ?? stated.value;
      const narrow = high - stated.value <= NARROW_RANGE * Math.abs(high);
      if (narrow && within(stated.value, high, stated.tolerance, stated.unit, evidence.direct)) return true;
      return supportsValue(stated.value, stated.tolerance, stated.unit, evidence) && supportsValue(high, stated.tolerance, stated.unit, evidence);
    }
    default:
      return isCalendar(stated) || supportsValue(stated.value, stated.tolerance, stated.unit, evidence);
  }
}
