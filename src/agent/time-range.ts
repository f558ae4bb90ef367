import { WellnessError } from "../errors.js";

/** A period the user asked about, as inclusive local dates. */
export interface DateRange {
  from: string;
  to: string;
  /** How the period reads back to the user, e.g. "last week (2024-10-07 to 2024-10-13)". */
  label: string;
  days: number;
}

/** A period phrase that cannot be read, or that lies wholly in the future. */
export class PeriodError extends WellnessError {
  constructor(message: string) {
    super("ERR_PERIOD", message);
  }
}

const DAY_MS = 86_400_000;
const MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];
const MONTH_ABBREVIATIONS: Record<string, number> = { jan: 0, feb: 1, mar: 2, apr: 3, jun: 5, jul: 6, aug: 7, sep: 8, sept: 8, oct: 9, nov: 10, dec: 11 };
const NUMBER_WORDS: Record<string, number> = { one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, twelve: 12, fourteen: 14, thirty: 30 };
/** The phrases every unreadable period's error lists, so the caller can rephrase at once. */
export const PERIOD_EXAMPLES = [
  "today",
  "yesterday",
  "last night",
  "this week",
  "last week",
  "this month",
  "last month",
  "this quarter",
  "last quarter",
  "Q3 2024",
  "this year",
  "last year",
  "2017",
  "in 2017",
  "last 7 days",
  "last 4 weeks",
  "last 3 months",
  "last 2 years",
  "October",
  "October 2024",
  "since March",
  "since 2024-10-01",
  "2024-10-14",
  "2024-10-01 to 2024-10-31",
] as const;
const HELP = `Use a phrase like ${PERIOD_EXAMPLES.slice(0, -1).join(", ")}, or ${PERIOD_EXAMPLES.at(-1)}.`;
const QUARTER_WORDS: Record<string, number> = { first: 0, "1st": 0, second: 1, "2nd": 1, third: 2, "3rd": 2, fourth: 3, "4th": 3, last: 3 };

/** Days since 1970-01-01 of a calendar date. */
function dayOf(year: number, month: number, day: number): number {
  return Math.floor(Date.UTC(year, month, day) / DAY_MS);
}

function isoOf(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

function parseIso(text: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/u.exec(text);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]) - 1, Number(match[3])];
  const value = dayOf(year, month, day);
  return isoOf(value) === text ? value : undefined;
}

/** Day formatters by time zone: building one costs far more than formatting with it, and tools ask on every call. */
const dayFormats = new Map<string, Intl.DateTimeFormat>();

function dayFormat(timeZone: string): Intl.DateTimeFormat {
  let format = dayFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
    dayFormats.set(timeZone, format);
  }
  return format;
}

/** Today's date in a time zone, as a day number. */
export function todayIn(timeZone: string, now: Date = new Date()): number {
  const parts = dayFormat(timeZone).format(now);
  return parseIso(parts) ?? Math.floor(now.getTime() / DAY_MS);
}

function range(from: number, to: number, name: string, today: number): DateRange {
  if (from > today) throw new PeriodError(`${name} starts on ${isoOf(from)}, after today (${isoOf(today)}): there is no data from the future.`);
  const end = Math.min(to, today);
  if (from > end) throw new PeriodError(`${name} is empty.`);
  return { from: isoOf(from), to: isoOf(end), label: `${name} (${isoOf(from)} to ${isoOf(end)})`, days: end - from + 1 };
}

function monthRange(year: number, month: number, today: number, name: string): DateRange {
  return range(dayOf(year, month, 1), dayOf(year, month + 1, 0), name, today);
}

function quarterRange(year: number, quarter: number, today: number, name: string): DateRange {
  return range(dayOf(year, quarter * 3, 1), dayOf(year, quarter * 3 + 3, 0), name, today);
}

/** A four-digit year the data could plausibly hold. */
function yearOf(word: string | undefined): number | undefined {
  if (word === undefined || !/^\d{4}$/u.test(word)) return undefined;
  const year = Number(word);
  return year >= 1900 && year <= 2999 ? year : undefined;
}

/** The month a word names ("march", "mar"), as 0-11. */
function monthOf(word: string | undefined): number | undefined {
  if (word === undefined) return undefined;
  return MONTHS.includes(word) ? MONTHS.indexOf(word) : MONTH_ABBREVIATIONS[word];
}

function capitalized(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** "q3 2024", "q3", "third quarter of 2024", "2024 q3": quarter index and optional year. */
function quarterOf(text: string): { quarter: number; year?: number } | undefined {
  const short = /^(?:(\d{4}) )?q([1-4])(?: (?:of )?(\d{4}))?$/u.exec(text);
  if (short) {
    const year = yearOf(short[1] ?? short[3]);
    return { quarter: Number(short[2]) - 1, ...(year !== undefined ? { year } : {}) };
  }
  const long = /^(?:the )?(first|1st|second|2nd|third|3rd|fourth|4th|last) quarter(?: (?:of )?(\d{4}))?$/u.exec(text);
  if (long) {
    const quarter = QUARTER_WORDS[long[1] ?? ""];
    const year = yearOf(long[2]);
    if (quarter === undefined || (long[1] === "last" && year === undefined)) return undefined;
    return { quarter, ...(year !== undefined ? { year } : {}) };
  }
  return undefined;
}

/**
 * Turns a time phrase into inclusive local dates in the user's time zone. Month names count only
 * as whole words ("summary" is not March); a bare month means its latest occurrence that is not in
 * the future, and so does a bare quarter ("Q3") or "since March". A bare year ("2017", "in 2017")
 * is that whole calendar year. Weeks start on Monday.
 *
 * @throws {PeriodError} for phrases it cannot read and for periods wholly in the future.
 * @example
 * ```ts
 * resolvePeriod("last week", { timeZone: "Europe/Berlin" });
 * // { from: "2024-10-07", to: "2024-10-13", label: "last week (2024-10-07 to 2024-10-13)", days: 7 }
 * ```
 */
export function resolvePeriod(phrase: string, options: { timeZone: string; now?: Date }): DateRange {
  const text = phrase.trim().toLowerCase().replace(/\s+/gu, " ").replace(/^(in|during|for|over|on) (the )?/u, "");
  const today = todayIn(options.timeZone, options.now);
  const date = new Date(today * DAY_MS);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  const weekday = (date.getUTCDay() + 6) % 7;

  if (text === "") throw new PeriodError(`No period given. ${HELP}`);
  if (text === "today") return range(today, today, "today", today);
  if (text === "yesterday") return range(today - 1, today - 1, "yesterday", today);
  if (text === "last night" || text === "tonight") return range(today, today, "last night", today);
  if (text === "this week") return range(today - weekday, today, "this week", today);
  if (text === "last week" || text === "previous week") return range(today - weekday - 7, today - weekday - 1, "last week", today);
  if (text === "this month") return monthRange(year, month, today, "this month");
  if (text === "last month" || text === "previous month") return monthRange(year, month - 1, today, "last month");
  const quarter = Math.floor(month / 3);
  if (text === "this quarter") return quarterRange(year, quarter, today, `this quarter (Q${quarter + 1} ${year})`);
  if (text === "last quarter" || text === "previous quarter") {
    const previous = quarter === 0 ? { q: 3, y: year - 1 } : { q: quarter - 1, y: year };
    return quarterRange(previous.y, previous.q, today, `last quarter (Q${previous.q + 1} ${previous.y})`);
  }
  const quarterly = quarterOf(text);
  if (quarterly) {
    const latestYear = quarterly.year ?? (quarterly.quarter > quarter ? year - 1 : year);
    return quarterRange(latestYear, quarterly.quarter, today, `Q${quarterly.quarter + 1} ${latestYear}`);
  }
  const bareYear = yearOf(/^(?:the )?(?:year )?(\d{4})$/u.exec(text)?.[1]);
  if (bareYear !== undefined) return range(dayOf(bareYear, 0, 1), dayOf(bareYear, 11, 31), String(bareYear), today);
  if (text === "this year") return range(dayOf(year, 0, 1), today, "this year", today);
  if (text === "last year") return range(dayOf(year - 1, 0, 1), dayOf(year - 1, 11, 31), "last year", today);
  if (text === "all time" || text === "ever" || text === "all") return range(dayOf(1970, 0, 1), today, "all time", today);

  const recent = /^(?:the )?(?:last|past|previous) (\d+|[a-z]+) (day|days|week|weeks|month|months|year|years)$/u.exec(text);
  if (recent) {
    const count = /^\d+$/u.test(recent[1] ?? "") ? Number(recent[1]) : NUMBER_WORDS[recent[1] ?? ""];
    if (!count || count < 1 || count > 3650) throw new PeriodError(`Cannot read "${phrase}". ${HELP}`);
    const unit = recent[2] ?? "days";
    if (unit.startsWith("day")) return range(today - count + 1, today, `last ${count} days`, today);
    if (unit.startsWith("week")) return range(today - 7 * count + 1, today, `last ${count} weeks`, today);
    if (unit.startsWith("year")) return range(dayOf(year - count, month, date.getUTCDate()) + 1, today, `last ${count} years`, today);
    return range(dayOf(year, month - count, date.getUTCDate()) + 1, today, `last ${count} months`, today);
  }

  const between = /^(?:from |between )?(\d{4}-\d{2}-\d{2}) ?(?:to|until|through|and|\.\.|-|–) ?(\d{4}-\d{2}-\d{2})$/u.exec(text);
  if (between) {
    const from = parseIso(between[1] ?? "");
    const to = parseIso(between[2] ?? "");
    if (from === undefined || to === undefined) throw new PeriodError(`"${phrase}" holds an impossible date. ${HELP}`);
    if (from > to) throw new PeriodError(`"${phrase}" ends before it starts.`);
    return range(from, to, `${isoOf(from)} to ${isoOf(to)}`, today);
  }
  const since = /^since (\d{4}-\d{2}-\d{2})$/u.exec(text);
  if (since) {
    const from = parseIso(since[1] ?? "");
    if (from === undefined) throw new PeriodError(`"${phrase}" holds an impossible date. ${HELP}`);
    return range(from, today, `since ${isoOf(from)}`, today);
  }
  const sinceYear = yearOf(/^since (\d{4})$/u.exec(text)?.[1]);
  if (sinceYear !== undefined) return range(dayOf(sinceYear, 0, 1), today, `since ${sinceYear}`, today);
  const sinceMonth = /^since (?:the (?:start|beginning) of )?([a-z]+)(?: (\d{4}))?$/u.exec(text);
  const sinceMonthIndex = monthOf(sinceMonth?.[1]);
  if (sinceMonth && sinceMonthIndex !== undefined) {
    const explicitYear = yearOf(sinceMonth[2]);
    if (sinceMonth[2] !== undefined && explicitYear === undefined) throw new PeriodError(`Cannot read the year in "${phrase}". ${HELP}`);
    const fromYear = explicitYear ?? (sinceMonthIndex > month ? year - 1 : year);
    const name = `since ${capitalized(MONTHS[sinceMonthIndex] ?? "")} ${fromYear}`;
    return range(dayOf(fromYear, sinceMonthIndex, 1), today, name, today);
  }
  const single = parseIso(text);
  if (single !== undefined) return range(single, single, isoOf(single), today);

  const words = text.split(/[^a-z0-9]+/u).filter(Boolean);
  const monthIndex = words.map(monthOf).find((index) => index !== undefined);
  if (monthIndex !== undefined && words.length <= 3) {
    const yearWord = words.find((word) => /^\d{4}$/u.test(word));
    const monthName = MONTHS[monthIndex] ?? "";
    const label = capitalized(monthName);
    if (yearWord) return monthRange(Number(yearWord), monthIndex, today, `${label} ${yearWord}`);
    const latestYear = monthIndex > month ? year - 1 : year;
    return monthRange(latestYear, monthIndex, today, `${label} ${latestYear}`);
  }
  throw new PeriodError(`Cannot read the period "${phrase}". ${HELP}`);
}
