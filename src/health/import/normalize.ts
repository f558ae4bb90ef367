/**
 * Turns Apple Health's raw attribute strings into clean values: type names, canonical units, and
 * timestamps that keep their own UTC offset (a sample's day is its local day where it happened).
 */

const TYPE_PREFIXES = [
  "HKQuantityTypeIdentifier",
  "HKCategoryTypeIdentifier",
  "HKCorrelationTypeIdentifier",
  "HKDataType",
  "HKWorkoutActivityType",
] as const;

/** "HKQuantityTypeIdentifierStepCount" -> "StepCount"; "HKDataTypeSleepDurationGoal" -> "SleepDurationGoal". */
export function cleanTypeName(raw: string): string {
  for (const prefix of TYPE_PREFIXES) {
    if (raw.startsWith(prefix) && raw.length > prefix.length) return raw.slice(prefix.length);
  }
  return raw;
}

/** Whether a Record type's value is text (category values such as sleep stages), not a number. */
export function valueIsText(rawType: string): boolean {
  return rawType.startsWith("HKCategoryTypeIdentifier") || cleanTypeName(rawType) === "SleepAnalysis";
}

/**
 * Metrics whose samples add up over a day. Both iPhone and Watch record most of them for the
 * same minutes, so their daily totals are de-duplicated across sources.
 */
const CUMULATIVE = new Set([
  "StepCount",
  "DistanceWalkingRunning",
  "DistanceCycling",
  "DistanceSwimming",
  "DistanceWheelchair",
  "DistanceDownhillSnowSports",
  "DistanceRowing",
  "DistancePaddleSports",
  "DistanceCrossCountrySkiing",
  "DistanceSkatingSports",
  "ActiveEnergyBurned",
  "BasalEnergyBurned",
  "FlightsClimbed",
  "AppleExerciseTime",
  "AppleStandTime",
  "AppleMoveTime",
  "SwimmingStrokeCount",
  "PushCount",
  "NikeFuel",
  "TimeInDaylight",
  "NumberOfTimesFallen",
  "InhalerUsage",
  "NumberOfAlcoholicBeverages",
]);

export function isCumulative(metric: string): boolean {
  return CUMULATIVE.has(metric) || metric.startsWith("Dietary");
}

interface Conversion {
  unit: string;
  factor: number;
  offset?: number;
}

/** Every unit Apple uses, to the one canonical unit of its dimension. */
const CONVERSIONS: Record<string, Conversion> = {
  // length
  m: { unit: "km", factor: 0.001 },
  km: { unit: "km", factor: 1 },
  cm: { unit: "km", factor: 0.00001 },
  mi: { unit: "km", factor: 1.609344 },
  ft: { unit: "km", factor: 0.0003048 },
  yd: { unit: "km", factor: 0.0009144 },
  in: { unit: "km", factor: 0.0000254 },
  // energy
  kcal: { unit: "kcal", factor: 1 },
  Cal: { unit: "kcal", factor: 1 },
  cal: { unit: "kcal", factor: 0.001 },
  kJ: { unit: "kcal", factor: 1 / 4.184 },
  J: { unit: "kcal", factor: 1 / 4184 },
  // mass
  kg: { unit: "kg", factor: 1 },
  g: { unit: "kg", factor: 0.001 },
  mg: { unit: "kg", factor: 0.000001 },
  mcg: { unit: "kg", factor: 1e-9 },
  lb: { unit: "kg", factor: 0.45359237 },
  oz: { unit: "kg", factor: 0.028349523125 },
  st: { unit: "kg", factor: 6.35029318 },
  // time
  s: { unit: "min", factor: 1 / 60 },
  min: { unit: "min", factor: 1 },
  hr: { unit: "min", factor: 60 },
  h: { unit: "min", factor: 60 },
  ms: { unit: "min", factor: 1 / 60_000 },
  // temperature
  degC: { unit: "degC", factor: 1 },
  degF: { unit: "degC", factor: 5 / 9, offset: -32 * (5 / 9) },
  // volume
  mL: { unit: "mL", factor: 1 },
  L: { unit: "mL", factor: 1000 },
  fl_oz_us: { unit: "mL", factor: 29.5735295625 },
  cup_us: { unit: "mL", factor: 236.5882365 },
  // rates and plain counts keep their unit
  "count/min": { unit: "count/min", factor: 1 },
  count: { unit: "count", factor: 1 },
  "%": { unit: "%", factor: 1 },
};

/*
 * The import keeps three decimals of every value in its metric's canonical unit, so a metric whose
 * values are small in its dimension's unit gets a smaller one: in kilometres a 68 cm step is 0.001,
 * in minutes a 44 ms heart rate variability is 0.001, in grams 10 mcg of vitamin D is 0.
 */

/** Lengths in centimetres: body measurements and the running and walking metrics of a stride. */
const LENGTH_IN_CM = new Set(["Height", "WaistCircumference", "WalkingStepLength", "RunningStrideLength", "RunningVerticalOscillation"]);

/** Times in milliseconds: heart rate variability (SDNN) and a running step's ground contact. */
const TIME_IN_MS = new Set(["HeartRateVariabilitySDNN", "RunningGroundContactTime"]);

/** Nutrients in milligrams (HealthKit records these in mg). */
const NUTRIENTS_IN_MG = new Set(
  ["VitaminC", "VitaminE", "VitaminB6", "Thiamin", "Riboflavin", "Niacin", "PantothenicAcid", "Calcium", "Iron", "Magnesium", "Phosphorus", "Potassium", "Sodium", "Zinc", "Copper", "Manganese", "Chloride", "Caffeine", "Cholesterol"].map((name) => `Dietary${name}`),
);

/** Nutrients in micrograms (HealthKit records these in mcg). */
const NUTRIENTS_IN_MCG = new Set(["VitaminA", "VitaminD", "VitaminK", "VitaminB12", "Folate", "Biotin", "Selenium", "Chromium", "Molybdenum", "Iodine"].map((name) => `Dietary${name}`));

/** How one metric's values in one unit become canonical: value × factor + offset, then × scale. */
export interface UnitConversion {
  factor: number;
  offset: number;
  scale: number;
  unit: string;
}

/**
 * The conversion of a metric's values from a unit to its canonical one, or undefined for a unit
 * it does not know (values then pass through unchanged). Worked out once per metric and unit by
 * callers that convert many values.
 */
export function unitConversion(metric: string, unit: string): UnitConversion | undefined {
  const conversion = CONVERSIONS[unit];
  if (!conversion) return undefined;
  if (conversion.unit === "km" && LENGTH_IN_CM.has(metric)) return { factor: conversion.factor, offset: conversion.offset ?? 0, scale: 100_000, unit: "cm" };
  if (conversion.unit === "min" && TIME_IN_MS.has(metric)) return { factor: conversion.factor, offset: conversion.offset ?? 0, scale: 60_000, unit: "ms" };
  if (conversion.unit === "kg" && NUTRIENTS_IN_MG.has(metric)) return { factor: conversion.factor, offset: conversion.offset ?? 0, scale: 1_000_000, unit: "mg" };
  if (conversion.unit === "kg" && NUTRIENTS_IN_MCG.has(metric)) return { factor: conversion.factor, offset: conversion.offset ?? 0, scale: 1_000_000_000, unit: "mcg" };
  if (conversion.unit === "kg" && metric.startsWith("Dietary") && metric !== "DietaryWater") {
    return { factor: conversion.factor, offset: conversion.offset ?? 0, scale: 1000, unit: "g" };
  }
  return { factor: conversion.factor, offset: conversion.offset ?? 0, scale: 1, unit: conversion.unit };
}

/** Applies a conversion from {@link unitConversion}. */
export function convertValue(conversion: UnitConversion, value: number): number {
  const converted = value * conversion.factor + conversion.offset;
  return conversion.scale === 1 ? converted : converted * conversion.scale;
}

/** Converts a value to its metric's canonical unit; an unknown unit passes through unchanged. */
export function toCanonical(metric: string, value: number, unit: string): { value: number; unit: string } {
  const conversion = unitConversion(metric, unit);
  return conversion ? { value: convertValue(conversion, value), unit: conversion.unit } : { value, unit };
}

/** A point in time with the UTC offset it was recorded under. */
export interface LocalTime {
  /** Epoch milliseconds. */
  epochMs: number;
  /** Local calendar date, YYYY-MM-DD. */
  date: string;
  /** Local hour 0-23. */
  hour: number;
  /** Local weekday, 0 = Sunday. */
  weekday: number;
  /** Offset east of UTC in minutes. */
  offsetMinutes: number;
}

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d+)? ?([+-])(\d{2}):?(\d{2})$/u;

/**
 * Parses "2024-10-14 07:30:00 -0700". The local date, hour and weekday come from the wall-clock
 * part, never from the machine's time zone. Returns undefined for anything else.
 */
export function parseHealthDate(text: string): LocalTime | undefined {
  return parseFixedDate(text) ?? parsePatternDate(text);
}

function digits(text: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const code = text.charCodeAt(i) - 48;
    if (code < 0 || code > 9) return Number.NaN;
    value = value * 10 + code;
  }
  return value;
}

/** The common shape, "2024-10-14 07:30:00 -0700", read by position: several times faster than a regex. */
function parseFixedDate(text: string): LocalTime | undefined {
  if (text.length !== 25 || text[4] !== "-" || text[7] !== "-" || text[10] !== " " || text[13] !== ":" || text[16] !== ":" || text[19] !== " ") {
    return undefined;
  }
  const sign = text[20];
  if (sign !== "+" && sign !== "-") return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  const offsetHours = digits(text, 21, 2);
  const offsetMins = digits(text, 23, 2);
  if (
    Number.isNaN(year + month + day + hour + minute + second + offsetHours + offsetMins) ||
    month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60
  ) {
    return undefined;
  }
  const wallClock = Date.UTC(year, month - 1, day, hour, minute, second);
  const offsetMinutes = (sign === "-" ? -1 : 1) * (offsetHours * 60 + offsetMins);
  return {
    epochMs: wallClock - offsetMinutes * 60_000,
    date: text.slice(0, 10),
    hour,
    weekday: (((Math.floor(wallClock / 86_400_000) + 4) % 7) + 7) % 7,
    offsetMinutes,
  };
}

function parsePatternDate(text: string): LocalTime | undefined {
  const match = DATE_PATTERN.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, sign, oh, om] = match as unknown as [string, string, string, string, string, string, string, string, string, string];
  const wallClock = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(wallClock) || Number(mo) > 12 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59) return undefined;
  const offsetMinutes = (sign === "-" ? -1 : 1) * (Number(oh) * 60 + Number(om));
  const wall = new Date(wallClock);
  return {
    epochMs: wallClock - offsetMinutes * 60_000,
    date: `${y}-${mo}-${d}`,
    hour: Number(h),
    weekday: wall.getUTCDay(),
    offsetMinutes,
  };
}

/**
 * Days since 1970-01-01 of a YYYY-MM-DD date: a compact, sortable score. An import scores tens
 * of thousands of days, so a plain date whose day exists in every month is read by position;
 * anything else goes through Date.parse (NaN when it is not a date).
 */
export function dayNumber(date: string): number {
  if (date.length === 10 && date.charCodeAt(4) === 45 && date.charCodeAt(7) === 45) {
    const year = digits(date, 0, 4);
    const month = digits(date, 5, 2);
    const day = digits(date, 8, 2);
    if (year >= 1000 && month >= 1 && month <= 12 && day >= 1 && day <= 28) return Date.UTC(year, month - 1, day) / 86_400_000;
  }
  return Math.floor(Date.parse(`${date}T00:00:00Z`) / 86_400_000);
}

export function dateOfDayNumber(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

/** Sleep stages as the rest of the app names them. */
export const SLEEP_STAGES = {
  HKCategoryValueSleepAnalysisInBed: "inBed",
  HKCategoryValueSleepAnalysisAsleep: "asleep",
  HKCategoryValueSleepAnalysisAsleepUnspecified: "asleep",
  HKCategoryValueSleepAnalysisAsleepCore: "core",
  HKCategoryValueSleepAnalysisAsleepDeep: "deep",
  HKCategoryValueSleepAnalysisAsleepREM: "rem",
  HKCategoryValueSleepAnalysisAwake: "awake",
} as const;

export type SleepStage = (typeof SLEEP_STAGES)[keyof typeof SLEEP_STAGES];

export function sleepStage(value: string): SleepStage | undefined {
  return (SLEEP_STAGES as Record<string, SleepStage>)[value];
}
