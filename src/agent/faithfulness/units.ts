/**
 * The units a stated number can carry, canonicalised, and how to read a supporting number that
 * was stored in another unit of the same dimension (the tools answer in km, kg, minutes or hours,
 * fractions; a reply may say miles, pounds, "1h 20m" or percent).
 */
export type Unit =
  | "steps"
  | "h"
  | "min"
  | "s"
  | "bpm"
  | "ms"
  | "kg"
  | "lb"
  | "km"
  | "mi"
  | "m"
  | "kcal"
  | "%"
  | "mmHg"
  | "mL/kg/min"
  | "count";

/** Spellings after a number, longest first within each unit so the regex prefers them. */
const SPELLINGS: readonly [Unit, readonly string[]][] = [
  ["steps", ["steps", "step"]],
  ["h", ["hours", "hour", "hrs", "hr", "h"]],
  ["min", ["minutes", "minute", "mins", "min", "m"]],
  ["s", ["seconds", "second", "secs", "sec"]],
  ["bpm", ["beats per minute", "beats/min", "bpm", "count/min"]],
  ["ms", ["milliseconds", "ms"]],
  ["kg", ["kilograms", "kilogram", "kilos", "kg"]],
  ["lb", ["pounds", "pound", "lbs", "lb"]],
  ["km", ["kilometres", "kilometers", "kilometre", "kilometer", "km"]],
  ["mi", ["miles", "mile", "mi"]],
  ["m", ["metres", "meters", "metre", "meter"]],
  ["kcal", ["kilocalories", "kcal", "calories", "calorie", "cal"]],
  ["%", ["%", "percent", "per cent", "percentage points"]],
  ["mmHg", ["mmhg", "mm hg"]],
  ["mL/kg/min", ["ml/kg/min", "ml/min·kg", "ml/min/kg"]],
];

const LOOKUP = new Map<string, Unit>(SPELLINGS.flatMap(([unit, spellings]) => spellings.map((spelling) => [spelling, unit] as const)));

/** A regex alternation of every spelling, longest first. */
export const UNIT_PATTERN = [...LOOKUP.keys()]
  .sort((a, b) => b.length - a.length)
  .map((spelling) => spelling.replace(/[.*+?^${}()|[\]\\/]/gu, "\\$&"))
  .join("|");

export function unitOf(spelling: string): Unit | undefined {
  return LOOKUP.get(spelling.toLowerCase().replace(/\s+/gu, " "));
}

/**
 * Factors f such that (a supporting number in some unit of this dimension) * f is in `unit`:
 * 1 for the same unit, and one per other unit the tools or memory may have used.
 */
export function conversionsInto(unit: Unit | undefined): readonly number[] {
  switch (unit) {
    case "mi":
      return [1, 1 / 1.609344];
    case "km":
      return [1, 1.609344, 0.001];
    case "m":
      return [1, 1000];
    case "lb":
      return [1, 2.2046226218];
    case "kg":
      return [1, 1 / 2.2046226218];
    case "h":
      return [1, 1 / 60];
    case "min":
      return [1, 60];
    case "s":
      return [1, 60];
    case "%":
      return [1, 100];
    default:
      return [1];
  }
}
