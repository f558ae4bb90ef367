import { UNIT_PATTERN, unitOf, type Unit } from "./units.js";

/** What kind of quantity a stated number is; each kind is matched differently. */
export type StatedKind = "number" | "range" | "duration" | "date" | "time" | "year";

/** A calendar date as written: the year and month may be missing ("the 14th", "Oct 14"). */
export interface StatedDate {
  year?: number;
  month?: number;
  day: number;
}

/**
 * One number a text states, with its unit and the word it refers to where recoverable.
 * `value` is the number itself (a range's low end, a duration in minutes, a time of day in
 * minutes after midnight); `tolerance` is how far a supporting number may be from it given how
 * precisely it was written ("9,400" covers 9,350 to 9,450; "7.4" covers 7.35 to 7.45).
 */
export interface StatedNumber {
  kind: StatedKind;
  /** The span as written, e.g. "9,412 steps", "7-8 hours", "1h 20m", "Oct 14". */
  text: string;
  start: number;
  end: number;
  value: number;
  /** A range's high end. */
  high?: number;
  tolerance: number;
  unit?: Unit;
  /** The word after the number when it is not a unit: "workouts", "nights", "days". */
  referent?: string;
  date?: StatedDate;
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const MONTH = "(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?";
const NUM = "(?:\\d{1,3}(?:,\\d{3})+|\\d+)(?:\\.\\d+)?";
const DASH = "\\s*(?:-|–|—|to)\\s*";
const MERIDIEM = "(a\\.m\\.|p\\.m\\.|am|pm)(?![\\p{L}])";
/** Any month name or abbreviation (the month patterns' necessary condition). */
const MONTH_NAME = /jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec/iu;
const BEFORE = "(?<![\\p{L}\\p{N}_.,/:])";
const AFTER = "(?![\\p{L}\\p{N}_])";

/**
 * Patterns in the order they claim text: an earlier pattern's span is never re-read by a later one.
 * The third element is a cheap test every match of the pattern passes: a text failing it is not
 * scanned with the (slower, lookbehind-led) pattern at all.
 */
const PATTERNS: readonly [StatedKind | "iso" | "month-day" | "day-month" | "slash" | "ordinal" | "list", RegExp, RegExp?][] = [
  ["list", /^[ \t]*\d+[.)][ \t]/gmu],
  ["iso", new RegExp(`${BEFORE}(\\d{4})-(\\d{2})-(\\d{2})(?:[T ](\\d{2}):(\\d{2})(?::\\d{2})?(?:\\.\\d+)?(?:Z|[+-]\\d{2}:?\\d{2})?)?${AFTER}`, "gu"), /\d{4}-\d{2}-\d{2}/u],
  ["month-day", new RegExp(`\\b${MONTH}\\s+(\\d{1,2})(?:st|nd|rd|th)?(?:${DASH}(\\d{1,2})(?:st|nd|rd|th)?)?(?:,?\\s+(\\d{4}))?${AFTER}`, "giu"), MONTH_NAME],
  ["day-month", new RegExp(`${BEFORE}(\\d{1,2})(?:st|nd|rd|th)?(?:\\s+of)?\\s+${MONTH}(?:,?\\s+(\\d{4}))?${AFTER}`, "giu"), MONTH_NAME],
  ["slash", new RegExp(`${BEFORE}(\\d{1,2})/(\\d{1,2})(?:/(\\d{2}|\\d{4}))?${AFTER}`, "gu"), /\d\/\d/u],
  ["time", new RegExp(`${BEFORE}(\\d{1,2})(?::(\\d{2}))?\\s*${MERIDIEM}`, "giu"), /[ap]\.?m/iu],
  ["time", new RegExp(`${BEFORE}(\\d{1,2}):(\\d{2})${AFTER}`, "gu"), /\d:\d/u],
  ["ordinal", new RegExp(`${BEFORE}(\\d{1,2})(?:st|nd|rd|th)${AFTER}`, "giu"), /\d(?:st|nd|rd|th)/iu],
  ["range", new RegExp(`\\bbetween\\s+([-−]?${NUM})(k)?(?:\\s*(${UNIT_PATTERN}))?\\s+and\\s+([-−]?${NUM})(k)?(?:\\s*(${UNIT_PATTERN}))?${AFTER}`, "giu"), /between/iu],
  ["range", new RegExp(`${BEFORE}([-−]?${NUM})(k)?(?:\\s*(${UNIT_PATTERN}))?${DASH}([-−]?${NUM})(k)?(?:\\s*(${UNIT_PATTERN}))?${AFTER}`, "giu"), /[-–—]|to/iu],
  ["duration", new RegExp(`${BEFORE}(\\d+(?:\\.\\d+)?)\\s*(?:hours?|hrs?|h)(?:\\s*(?:and\\s+)?(\\d+)\\s*(?:minutes?|mins?|m))?${AFTER}`, "giu"), /\d\s*h/iu],
  ["number", new RegExp(`${BEFORE}([-−+]?${NUM})(k)?(?:\\s*(${UNIT_PATTERN}))?${AFTER}`, "giu")],
];

/** Numbers written with their precision: digits after the point, or trailing zeros of a whole number. */
function toleranceOf(written: string, multiplier: number): number {
  const digits = written.replace(/[^\d.]/gu, "");
  const point = digits.indexOf(".");
  const value = Number(digits) * multiplier;
  let step: number;
  if (point >= 0) {
    step = 10 ** -(digits.length - point - 1) * multiplier;
  } else {
    const zeros = /0*$/u.exec(digits)?.[0].length ?? 0;
    step = 10 ** Math.min(zeros, Math.max(0, digits.length - 1)) * multiplier;
  }
  const half = step / 2;
  return Math.max(1e-9, Math.min(half, Math.max(0.05 * Math.abs(value), multiplier / 2)));
}

function parseNumber(written: string, thousands: string | undefined): number {
  const sign = /^[-−]/u.test(written) ? -1 : 1;
  return sign * Number(written.replace(/[-−+,]/gu, "")) * (thousands ? 1000 : 1);
}

function monthOf(name: string): number {
  return MONTHS.indexOf(name.slice(0, 3).toLowerCase()) + 1;
}

/** The word after a number, when it names what is counted ("3 workouts", "5 nights"). */
function referentAfter(text: string, end: number): string | undefined {
  const word = /^\s+(?:of\s+)?([\p{L}][\p{L}-]*)/u.exec(text.slice(end, end + 40))?.[1]?.toLowerCase();
  return word && !["and", "or", "to", "the", "a", "an", "in", "on", "at", "per", "from", "with", "of"].includes(word) ? word : undefined;
}

function year(written: string | undefined): number | undefined {
  if (!written) return undefined;
  const value = Number(written);
  return written.length === 2 ? 2000 + value : value;
}

/**
 * Every number a text states, in order: dates (ISO, whose time of day also counts as a time, "Oct 14",
 * "14 October", "10/14", "the 14th"),
 * times of day ("10:45 pm"), durations ("1h 20m", "7.5 hours"), ranges ("7-8 hours", "between 60
 * and 100 bpm"), and plain numbers with thousands separators, "k" suffixes, signs, percentages and
 * units. Numbers inside words ("VO2max", "SpO2") and list markers ("1. ") are not numbers stated.
 *
 * @example
 * ```ts
 * extractNumbers("You averaged 9,412 steps, up 12% from 8,400.").map((n) => [n.value, n.unit]);
 * // [[9412, "steps"], [12, "%"], [8400, undefined]]
 * ```
 */
export function extractNumbers(text: string): StatedNumber[] {
  // Every pattern needs a digit; evidence is walked string by string, and labels and units have none.
  if (!/\d/u.test(text)) return [];
  const claimed = new Uint8Array(text.length);
  const found: StatedNumber[] = [];
  const free = (start: number, end: number) => {
    for (let index = start; index < end; index++) if (claimed[index] === 1) return false;
    return true;
  };
  for (const [kind, pattern, necessary] of PATTERNS) {
    if (necessary && !necessary.test(text)) continue;
    pattern.lastIndex = 0;
    for (const match of text.matchAll(pattern)) {
      const start = match.index;
      const end = start + match[0].length;
      if (!free(start, end)) continue;
      const stated = read(kind, match, text, start, end);
      if (stated === null) continue;
      claimed.fill(1, start, end);
      if (stated) found.push(...(Array.isArray(stated) ? stated : [stated]));
    }
  }
  return found.sort((a, b) => a.start - b.start);
}

/** One match as stated numbers; undefined claims the span without stating anything, null leaves it. */
function read(kind: (typeof PATTERNS)[number][0], match: RegExpMatchArray, text: string, start: number, end: number): StatedNumber | StatedNumber[] | undefined | null {
  const span = { text: match[0], start, end };
  const g = (index: number) => match[index];
  const date = (value: StatedDate): StatedNumber | null =>
    (value.month === undefined || (value.month >= 1 && value.month <= 12)) && value.day >= 1 && value.day <= 31 ? { kind: "date", ...span, value: value.day, tolerance: 0, date: value } : null;
  switch (kind) {
    case "list":
      return undefined;
    case "iso": {
      const day = date({ year: Number(g(1)), month: Number(g(2)), day: Number(g(3)) });
      if (!day || g(4) === undefined) return day;
      return [day, { kind: "time", ...span, value: Number(g(4)) * 60 + Number(g(5)), tolerance: 5 }];
    }
    case "month-day": {
      const month = monthOf(g(1) ?? "");
      const first = date({ month, day: Number(g(2)), ...(g(4) ? { year: Number(g(4)) } : {}) });
      const second = g(3) ? date({ month, day: Number(g(3)), ...(g(4) ? { year: Number(g(4)) } : {}) }) : undefined;
      return first && second ? [first, second] : first;
    }
    case "day-month":
      return date({ month: monthOf(g(2) ?? ""), day: Number(g(1)), ...(g(3) ? { year: Number(g(3)) } : {}) });
    case "slash": {
      const parsed = year(g(3));
      return date({ month: Number(g(1)), day: Number(g(2)), ...(parsed ? { year: parsed } : {}) });
    }
    case "ordinal":
      return date({ day: Number(g(1)) });
    case "time": {
      const hours = Number(g(1));
      const minutes = g(2) ? Number(g(2)) : 0;
      const meridiem = g(3)?.toLowerCase().replace(/\./gu, "");
      if (hours > (meridiem ? 12 : 23) || minutes > 59) return null;
      const clock = meridiem ? (hours % 12) + (meridiem === "pm" ? 12 : 0) : hours;
      return { kind: "time", ...span, value: clock * 60 + minutes, tolerance: g(2) ? 5 : 30 };
    }
    case "duration": {
      const hours = Number(g(1));
      if (g(2) === undefined) return { kind: "number", ...span, value: hours, tolerance: toleranceOf(g(1) ?? "", 1), unit: "h" };
      return { kind: "duration", ...span, value: hours * 60 + Number(g(2)), tolerance: 1, unit: "min" };
    }
    case "range": {
      const low = parseNumber(g(1) ?? "", g(2));
      const high = parseNumber(g(4) ?? "", g(5));
      const unit = unitOf(g(6) ?? g(3) ?? "");
      if (!(high > low) || /\bfrom\s+$/iu.test(text.slice(Math.max(0, start - 8), start))) return null;
      return {
        kind: "range",
        ...span,
        value: low,
        high,
        tolerance: Math.max(toleranceOf(g(1) ?? "", g(2) ? 1000 : 1), toleranceOf(g(4) ?? "", g(5) ? 1000 : 1)),
        ...(unit ? { unit } : {}),
        ...(!unit ? withReferent(text, end) : {}),
      };
    }
    case "number": {
      const written = g(1) ?? "";
      const unit = unitOf(g(3) ?? "");
      const value = parseNumber(written, g(2));
      const plain = !unit && !g(2) && /^\d{4}$/u.test(written);
      if (plain && value >= 1900 && value <= 2100) return { kind: "year", ...span, value, tolerance: 0 };
      return { kind: "number", ...span, value, tolerance: toleranceOf(written, g(2) ? 1000 : 1), ...(unit ? { unit } : withReferent(text, end)) };
    }
    default:
      return null;
  }
}

function withReferent(text: string, end: number): { referent?: string } {
  const referent = referentAfter(text, end);
  return referent ? { referent } : {};
}
