import { createHash } from "node:crypto";
import { ImportError } from "../../errors.js";
import { isValidId } from "../../redis/ids.js";
import type { ExportSink, Sample } from "./batch.js";
import type { Attributes, RawWorkout } from "./reader.js";
import {
  cleanTypeName,
  convertValue,
  dateOfDayNumber,
  isCumulative,
  parseHealthDate,
  sleepStage,
  toCanonical,
  unitConversion,
  type LocalTime,
  type SleepStage,
  type UnitConversion,
} from "./normalize.js";
import type { ActivityDay, CategoryDay, CumulativeDay, DiscreteDay, HealthProfile, SleepNight, Workout } from "../types.js";

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

interface Interval {
  start: number;
  end: number;
}

/** Counts of what was skipped, by reason, for the import summary. */
export interface SkippedCounts {
  badDate: number;
  /** Dates in the compact 2015-era form (20150101120000-0800), which this importer does not read. */
  legacyDate: number;
  badValue: number;
  unknownSleepValue: number;
}

/** Everything an import produces, ready to store. */
export interface AggregatedExport {
  exportDate: string | undefined;
  profile: HealthProfile;
  recordsByType: Record<string, number>;
  cumulative: Map<string, CumulativeDay[]>;
  discrete: Map<string, DiscreteDay[]>;
  categories: Map<string, CategoryDay[]>;
  workouts: Workout[];
  sleep: SleepNight[];
  activity: ActivityDay[];
  skipped: SkippedCounts;
  /** Records skipped because their type cannot name a series (see the importer's summary). */
  skippedTypes: number;
  firstDate: string | undefined;
  lastDate: string | undefined;
}

function number(text: string | undefined): number | undefined {
  if (text === undefined || text === "") return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

function round(value: number, digits = 3): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Length of the union of intervals. */
function unionLength(intervals: Interval[]): number {
  if (intervals.length === 0) return 0;
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  let total = 0;
  let { start, end } = sorted[0] as Interval;
  for (const interval of sorted.slice(1)) {
    if (interval.start > end) {
      total += end - start;
      ({ start, end } = interval);
    } else if (interval.end > end) {
      end = interval.end;
    }
  }
  return total + (end - start);
}

/** Record types that Correlations (blood pressure, food) group. */
const CORRELATABLE = /^HKQuantityTypeIdentifier(BloodPressure|Dietary)/u;

function signature(attributes: Attributes): string {
  return [attributes.type, attributes.sourceName, attributes.startDate, attributes.endDate, attributes.value].join("\u0000");
}

/** iOS 8 exports wrote dates as 20150101120000-0800. */
const LEGACY_DATE = /^\d{14}[+-]\d{4}$/u;

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"] as const;

function localIso(time: Pick<LocalTime, "epochMs" | "offsetMinutes">): string {
  const local = new Date(time.epochMs + time.offsetMinutes * 60_000).toISOString().slice(0, 19);
  const sign = time.offsetMinutes < 0 ? "-" : "+";
  const minutes = Math.abs(time.offsetMinutes);
  return `${local}${sign}${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

/** What a Record type means for aggregation, worked out once per type. */
interface TypeInfo {
  metric: string;
  category: boolean;
  sleep: boolean;
  cumulative: boolean;
  /**
   * The raw unit of this type's last sample and what it converts to: a type's samples nearly
   * always share one unit, so the conversion is looked up once, not per sample.
   */
  rawUnit: string | undefined;
  unit: string;
  conversion: UnitConversion | undefined;
  /** The hourly sums of the last source seen, for cumulative types (most runs are one source's). */
  source: string | undefined;
  sourceDays: Map<number, Float64Array> | undefined;
}

/** Distinct Record types accepted before an export is refused (Apple's have a few hundred). */
const MAX_TYPES = 5_000;

/** A LocalTime from epoch milliseconds and an offset, for dates already checked to be in range. */
function localTime(epochMs: number, offsetMinutes: number, dateOf: (day: number) => string): LocalTime {
  const wallClock = epochMs + offsetMinutes * 60_000;
  const day = Math.floor(wallClock / DAY_MS);
  return {
    epochMs,
    date: dateOf(day),
    hour: Math.floor((wallClock - day * DAY_MS) / HOUR_MS),
    weekday: (((day + 4) % 7) + 7) % 7,
    offsetMinutes,
  };
}

/** Per source, per local day, the 24 hourly sums of one cumulative metric. */
type HourlyBySource = Map<string, Map<number, Float64Array>>;

/**
 * Folds the export's elements into daily aggregates as they stream past, so memory grows with
 * the number of days and sources, never with the number of records.
 *
 * Cumulative metrics are summed per source into local-hour buckets; a day's total takes, hour by
 * hour, the largest source, so iPhone and Watch counting the same steps count once (the Health
 * app's de-duplication picks one source per period too), and per-source totals are kept. A
 * sample's day is its local day under its own UTC offset. Sleep samples are grouped by the local
 * date they end on and merged as intervals per stage, never summed across sources.
 *
 * @example
 * ```ts
 * const aggregator = new ExportAggregator();
 * await readExport(stream, aggregator);
 * const result = aggregator.finish();
 * ```
 */
export class ExportAggregator implements ExportSink {
  private exportDateValue: string | undefined;
  private profile: HealthProfile = {};
  private readonly recordsByType = Object.create(null) as Record<string, number>;
  private readonly types = new Map<string, TypeInfo | null>();
  private readonly dates = new Map<number, string>();
  /** Records whose type cannot name a series (empty, or with braces, `*`, control characters). */
  private oddTypes = 0;
  private readonly hourly = new Map<string, HourlyBySource>();
  private readonly units = new Map<string, string>();
  private readonly discrete = new Map<string, Map<number, DiscreteDay>>();
  private readonly categories = new Map<string, Map<number, CategoryDay>>();
  private readonly sleepNights = new Map<string, { stages: Map<SleepStage, Interval[]>; sources: Set<string>; offsetMinutes: number }>();
  private readonly workouts = new Map<string, Workout>();
  private readonly activity = new Map<string, ActivityDay>();
  private readonly skipped: SkippedCounts = { badDate: 0, legacyDate: 0, badValue: 0, unknownSleepValue: 0 };
  private accepted = 0;
  /** Correlation children by signature, counted at the end only if no top-level twin appeared. */
  private readonly correlated = new Map<string, Attributes>();
  private readonly topLevelCorrelatable = new Set<string>();
  private seen = 0;
  /** Flat copies of the strings the aggregates keep (see {@link intern}). */
  private readonly strings = new Map<string, string>();
  private firstDay = Number.POSITIVE_INFINITY;
  private lastDay = Number.NEGATIVE_INFINITY;

  exportDate(value: string): void {
    this.exportDateValue = this.intern(value);
  }

  me(attributes: Attributes): void {
    const birth = attributes.HKCharacteristicTypeIdentifierDateOfBirth;
    const sex = attributes.HKCharacteristicTypeIdentifierBiologicalSex;
    const blood = attributes.HKCharacteristicTypeIdentifierBloodType;
    this.profile = {
      ...(birth && /^\d{4}-\d{2}-\d{2}$/u.test(birth) ? { dateOfBirth: this.intern(birth) } : {}),
      ...(sex && sex !== "HKBiologicalSexNotSet" ? { biologicalSex: sex.replace(/^HKBiologicalSex/u, "").toLowerCase() } : {}),
      ...(blood && blood !== "HKBloodTypeNotSet" ? { bloodType: blood.replace(/^HKBloodType/u, "") } : {}),
    };
  }

  private seeDay(day: number): void {
    if (day < this.firstDay) this.firstDay = day;
    if (day > this.lastDay) this.lastDay = day;
  }

  /** What was skipped so far. */
  get skippedSoFar(): Readonly<SkippedCounts> {
    return this.skipped;
  }

  /** Records whose dates could be read. */
  get recordsAccepted(): number {
    return this.accepted;
  }

  /** Elements folded in so far, for progress reports. */
  get recordsSeen(): number {
    return this.seen;
  }

  correlatedRecord(attributes: Attributes): void {
    this.correlated.set(signature(attributes), structuredClone(attributes));
  }

  /**
   * A flat copy of a string the aggregates keep. Attribute values are slices of the parser's
   * megabyte-sized text chunks, and V8 keeps a whole chunk alive for as long as any slice of it
   * lives; interning through a real copy keeps memory flat whatever the file size.
   */
  private intern(value: string): string {
    let known = this.strings.get(value);
    if (known === undefined) {
      known = Buffer.from(value, "utf8").toString("utf8");
      this.strings.set(known, known);
    }
    return known;
  }

  record(attributes: Attributes): void {
    const rawType = attributes.type ?? "";
    this.seen += 1;
    if (CORRELATABLE.test(rawType)) this.topLevelCorrelatable.add(signature(attributes));
    const info = this.typeInfo(rawType);
    if (!info) return;
    this.recordsByType[info.metric] = (this.recordsByType[info.metric] ?? 0) + 1;
    const start = parseHealthDate(attributes.startDate ?? "");
    const end = parseHealthDate(attributes.endDate ?? "") ?? start;
    if (!start || !end) {
      if (LEGACY_DATE.test(attributes.startDate ?? "")) this.skipped.legacyDate += 1;
      else this.skipped.badDate += 1;
      return;
    }
    this.accepted += 1;
    const source = this.intern(attributes.sourceName ?? "unknown");
    if (info.sleep) {
      this.sleepSample(attributes.value ?? "", start, end, source);
      return;
    }
    this.addSample(info, source, number(attributes.value), attributes.unit ?? "", start.epochMs, start.offsetMinutes, end.epochMs, start.date);
  }

  /**
   * A top-level Record the walker already decoded: the same steps as {@link record}, without
   * parsing strings or building objects. The walker only sends dates whose fields are in range,
   * so the local date follows from the day number.
   */
  sample(sample: Sample): void {
    this.seen += 1;
    const info = this.typeInfo(sample.type);
    if (!info) return;
    this.recordsByType[info.metric] = (this.recordsByType[info.metric] ?? 0) + 1;
    this.accepted += 1;
    const source = sample.source;
    if (info.sleep) {
      this.sleepSample(sample.text, localTime(sample.startMs, sample.startOffset, this.dateOf), localTime(sample.endMs, sample.endOffset, this.dateOf), source);
      return;
    }
    const value = Number.isNaN(sample.value) ? undefined : sample.value;
    const day = Math.floor((sample.startMs + sample.startOffset * 60_000) / DAY_MS);
    this.addSample(info, source, value, sample.unit, sample.startMs, sample.startOffset, sample.endMs, this.dateOf(day));
  }

  /** The local date of a day number, computed once per day. */
  private readonly dateOf = (day: number): string => {
    let date = this.dates.get(day);
    if (date === undefined) {
      date = dateOfDayNumber(day);
      this.dates.set(day, date);
    }
    return date;
  };

  /**
   * What a Record type means, looked up once per type. Undefined for a type that cannot name a
   * series (it would not make a valid key segment): such records are skipped and counted.
   */
  private typeInfo(rawType: string): TypeInfo | undefined {
    let info = this.types.get(rawType);
    if (info === undefined) {
      const metric = this.intern(cleanTypeName(rawType));
      info = isValidId(metric)
        ? {
            metric,
            category: rawType.startsWith("HKCategoryTypeIdentifier"),
            sleep: metric === "SleepAnalysis",
            cumulative: isCumulative(metric),
            rawUnit: undefined,
            unit: "",
            conversion: undefined,
            source: undefined,
            sourceDays: undefined,
          }
        : null;
      if (this.types.size >= MAX_TYPES) {
        throw new ImportError(
          "ERR_IMPORT_TOO_MANY_TYPES",
          `The export has more than ${MAX_TYPES} distinct record types (Apple Health uses a few hundred); it is not an export this importer can read.`,
        );
      }
      this.types.set(rawType, info);
    }
    if (info === null) {
      this.oddTypes += 1;
      return undefined;
    }
    return info;
  }

  /** Folds one accepted non-sleep sample into its day. */
  private addSample(info: TypeInfo, source: string, raw: number | undefined, rawUnit: string, startMs: number, startOffset: number, endMs: number, startDate: string): void {
    const metric = info.metric;
    const day = Math.floor((startMs + startOffset * 60_000) / DAY_MS);
    this.seeDay(day);
    if (info.category) {
      const days = this.categories.get(metric) ?? new Map<number, CategoryDay>();
      this.categories.set(metric, days);
      const entry = days.get(day) ?? { date: this.intern(startDate), count: 0, minutes: 0 };
      entry.count += 1;
      entry.minutes = round(entry.minutes + Math.max(0, endMs - startMs) / 60_000, 2);
      days.set(day, entry);
      return;
    }
    if (raw === undefined) {
      this.skipped.badValue += 1;
      return;
    }
    if (rawUnit !== info.rawUnit) {
      info.rawUnit = rawUnit;
      info.conversion = unitConversion(metric, rawUnit);
      info.unit = info.conversion ? info.conversion.unit : this.intern(rawUnit);
    }
    const value = info.conversion ? convertValue(info.conversion, raw) : raw;
    const unit = info.unit;
    this.units.set(metric, unit);
    if (info.cumulative) {
      this.addCumulative(info, source, value, startMs, startOffset, endMs);
    } else {
      let days = this.discrete.get(metric);
      if (!days) {
        days = new Map<number, DiscreteDay>();
        this.discrete.set(metric, days);
      }
      const entry = days.get(day);
      if (entry) {
        entry.count += 1;
        entry.sum += value;
        if (value < entry.min) entry.min = value;
        if (value > entry.max) entry.max = value;
      } else {
        days.set(day, { date: this.intern(startDate), count: 1, sum: value, min: value, max: value, avg: value, unit });
      }
    }
  }

  /** Spreads a cumulative sample over the local hours it covers, in proportion to overlap. */
  private addCumulative(info: TypeInfo, source: string, value: number, startMs: number, startOffset: number, endMs: number): void {
    let days = info.sourceDays;
    if (source !== info.source || !days) {
      let bySource = this.hourly.get(info.metric);
      if (!bySource) {
        bySource = new Map<string, Map<number, Float64Array>>();
        this.hourly.set(info.metric, bySource);
      }
      days = bySource.get(source);
      if (!days) {
        days = new Map<number, Float64Array>();
        bySource.set(source, days);
      }
      info.source = source;
      info.sourceDays = days;
    }
    const offset = startOffset * 60_000;
    const from = startMs + offset;
    const to = Math.max(from, endMs + offset);
    const span = to - from;
    let cursor = from;
    do {
      const hourEnd = Math.min(to, (Math.floor(cursor / HOUR_MS) + 1) * HOUR_MS);
      const share = span === 0 ? value : (value * (hourEnd - cursor)) / span;
      const day = Math.floor(cursor / DAY_MS);
      const hour = Math.floor((cursor - day * DAY_MS) / HOUR_MS);
      let hours = days.get(day);
      if (!hours) {
        hours = new Float64Array(24);
        days.set(day, hours);
      }
      hours[hour] = (hours[hour] ?? 0) + share;
      cursor = hourEnd;
    } while (cursor < to);
  }

  private sleepSample(value: string, start: LocalTime, end: LocalTime, source: string): void {
    const stage = sleepStage(value) ?? (value === "0" ? "inBed" : value === "1" ? "asleep" : value === "2" ? "awake" : undefined);
    if (!stage) {
      this.skipped.unknownSleepValue += 1;
      return;
    }
    // A night belongs to the local date it ends on; anything ending after 18:00 belongs to the
    // night that ends the next morning, so a night that crosses midnight stays whole.
    const nightDate = end.hour >= 18 ? dateOfDayNumber(Math.floor((end.epochMs + end.offsetMinutes * 60_000) / DAY_MS) + 1) : this.intern(end.date);
    const night = this.sleepNights.get(nightDate) ?? {
      stages: new Map<SleepStage, Interval[]>(),
      sources: new Set<string>(),
      offsetMinutes: end.offsetMinutes,
    };
    this.sleepNights.set(nightDate, night);
    night.sources.add(source);
    const intervals = night.stages.get(stage) ?? [];
    intervals.push({ start: start.epochMs, end: Math.max(start.epochMs, end.epochMs) });
    night.stages.set(stage, intervals);
  }

  workout({ attributes, statistics }: RawWorkout): void {
    const start = parseHealthDate(attributes.startDate ?? "");
    const end = parseHealthDate(attributes.endDate ?? "") ?? start;
    this.recordsByType.Workout = (this.recordsByType.Workout ?? 0) + 1;
    if (!start || !end) {
      this.skipped.badDate += 1;
      return;
    }
    this.seeDay(Math.floor((start.epochMs + start.offsetMinutes * 60_000) / DAY_MS));
    const type = this.intern(cleanTypeName(attributes.workoutActivityType ?? "Other"));
    const stats = new Map(statistics.map((entry) => [cleanTypeName(entry.type ?? ""), entry]));
    const convert = (metric: string, valueText: string | undefined, unit: string | undefined) => {
      const value = number(valueText);
      return value === undefined ? undefined : round(toCanonical(metric, value, unit ?? "").value, 3);
    };
    const durationRaw = number(attributes.duration);
    const durationMinutes =
      durationRaw === undefined
        ? round((end.epochMs - start.epochMs) / 60_000, 2)
        : round(toCanonical("Duration", durationRaw, attributes.durationUnit ?? "min").value, 2);
    const distanceStat = [...stats.entries()].find(([name]) => name.startsWith("Distance"))?.[1];
    const distanceKm =
      convert("Distance", attributes.totalDistance, attributes.totalDistanceUnit) ?? convert("Distance", distanceStat?.sum, distanceStat?.unit);
    const energyStat = stats.get("ActiveEnergyBurned");
    const energyKcal =
      convert("Energy", attributes.totalEnergyBurned, attributes.totalEnergyBurnedUnit) ?? convert("Energy", energyStat?.sum, energyStat?.unit);
    const heart = stats.get("HeartRate");
    const source = this.intern(attributes.sourceName ?? "unknown");
    const id = createHash("sha256").update(`${start.epochMs}\u0000${type}\u0000${source}`).digest("hex").slice(0, 16);
    const workout: Workout = {
      id,
      type,
      start: localIso(start),
      end: localIso(end),
      startEpoch: Math.floor(start.epochMs / 1000),
      date: this.intern(start.date),
      weekday: WEEKDAYS[start.weekday] ?? "Sunday",
      durationMinutes,
      ...(distanceKm !== undefined && distanceKm > 0 ? { distanceKm } : {}),
      ...(energyKcal !== undefined && energyKcal > 0 ? { energyKcal } : {}),
      ...(heart?.average !== undefined ? { avgHeartRate: round(Number(heart.average), 1) } : {}),
      ...(heart?.maximum !== undefined ? { maxHeartRate: round(Number(heart.maximum), 1) } : {}),
      source,
    };
    this.workouts.set(id, workout);
  }

  activitySummary(attributes: Attributes): void {
    const date = attributes.dateComponents;
    if (!date || !/^\d{4}-\d{2}-\d{2}$/u.test(date)) {
      this.skipped.badDate += 1;
      return;
    }
    this.recordsByType.ActivitySummary = (this.recordsByType.ActivitySummary ?? 0) + 1;
    const pick = (name: string) => number(attributes[name]);
    const day: ActivityDay = { date: this.intern(date) };
    const fields: [keyof ActivityDay, string][] = [
      ["activeEnergyKcal", "activeEnergyBurned"],
      ["activeEnergyGoalKcal", "activeEnergyBurnedGoal"],
      ["moveMinutes", "appleMoveTime"],
      ["moveMinutesGoal", "appleMoveTimeGoal"],
      ["exerciseMinutes", "appleExerciseTime"],
      ["exerciseMinutesGoal", "appleExerciseTimeGoal"],
      ["standHours", "appleStandHours"],
      ["standHoursGoal", "appleStandHoursGoal"],
    ];
    const energyUnit = attributes.activeEnergyBurnedUnit ?? "kcal";
    for (const [field, attribute] of fields) {
      const value = pick(attribute);
      if (value === undefined) continue;
      const converted = attribute.startsWith("activeEnergy") ? toCanonical("ActiveEnergyBurned", value, energyUnit).value : value;
      (day as unknown as Record<string, number>)[field] = round(converted, 2);
    }
    this.activity.set(day.date, day);
  }

  /** The final aggregates, each series sorted by date. */
  finish(): AggregatedExport {
    for (const [key, attributes] of this.correlated) {
      if (!this.topLevelCorrelatable.has(key)) this.record(attributes);
    }
    this.correlated.clear();
    const cumulative = new Map<string, CumulativeDay[]>();
    for (const [metric, bySource] of this.hourly) {
      const days = new Set<number>();
      for (const byDay of bySource.values()) for (const day of byDay.keys()) days.add(day);
      const unit = this.units.get(metric) ?? "";
      const series: CumulativeDay[] = [];
      const names = [...bySource.keys()];
      const byDays = [...bySource.values()];
      const rows: (Float64Array | undefined)[] = new Array<Float64Array | undefined>(names.length);
      for (const day of [...days].sort((a, b) => a - b)) {
        let total = 0;
        const sources = Object.create(null) as Record<string, number>;
        for (let index = 0; index < names.length; index++) rows[index] = byDays[index]?.get(day);
        for (let hour = 0; hour < 24; hour++) {
          let best = 0;
          for (let index = 0; index < names.length; index++) {
            const value = rows[index]?.[hour] ?? 0;
            if (value > 0) {
              const source = names[index] as string;
              sources[source] = (sources[source] ?? 0) + value;
            }
            if (value > best) best = value;
          }
          total += best;
        }
        for (const source of Object.keys(sources)) sources[source] = round(sources[source] ?? 0);
        series.push({ date: this.dateOf(day), total: round(total), unit, sources });
      }
      cumulative.set(metric, series);
    }
    const discrete = new Map<string, DiscreteDay[]>();
    for (const [metric, days] of this.discrete) {
      discrete.set(
        metric,
        [...days.entries()]
          .sort(([a], [b]) => a - b)
          .map(([, entry]) => ({ ...entry, sum: round(entry.sum), min: round(entry.min), max: round(entry.max), avg: round(entry.sum / entry.count) })),
      );
    }
    const categories = new Map<string, CategoryDay[]>();
    for (const [metric, days] of this.categories) {
      categories.set(metric, [...days.entries()].sort(([a], [b]) => a - b).map(([, entry]) => entry));
    }
    // Dates are YYYY-MM-DD, so comparing code units orders them (and is far cheaper than localeCompare).
    const sleep: SleepNight[] = [...this.sleepNights.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([date, night]) => this.summarizeNight(date, night.stages, [...night.sources].sort(), night.offsetMinutes));
    for (const night of sleep) {
      const day = Math.floor(Date.parse(`${night.date}T00:00:00Z`) / DAY_MS);
      this.seeDay(day);
    }
    return {
      exportDate: this.exportDateValue,
      profile: this.profile,
      recordsByType: Object.fromEntries(Object.entries(this.recordsByType).sort(([a], [b]) => a.localeCompare(b))),
      cumulative,
      discrete,
      categories,
      workouts: [...this.workouts.values()].sort((a, b) => a.startEpoch - b.startEpoch || a.id.localeCompare(b.id)),
      sleep,
      activity: [...this.activity.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0)),
      skipped: { ...this.skipped },
      skippedTypes: this.oddTypes,
      firstDate: Number.isFinite(this.firstDay) ? dateOfDayNumber(this.firstDay) : undefined,
      lastDate: Number.isFinite(this.lastDay) ? dateOfDayNumber(this.lastDay) : undefined,
    };
  }

  private summarizeNight(date: string, stages: Map<SleepStage, Interval[]>, sources: string[], offsetMinutes: number): SleepNight {
    const minutes = (intervals: Interval[]) => round(unionLength(intervals) / 60_000, 1);
    const asleepIntervals = [...(stages.get("asleep") ?? []), ...(stages.get("core") ?? []), ...(stages.get("deep") ?? []), ...(stages.get("rem") ?? [])];
    const everything = [...stages.values()].flat();
    const inBedIntervals = stages.get("inBed") ?? [];
    const asleepMinutes = minutes(asleepIntervals);
    const inBedMinutes = Math.max(minutes(inBedIntervals.length > 0 ? [...inBedIntervals, ...asleepIntervals] : everything), asleepMinutes);
    const bedtime = Math.min(...everything.map((interval) => interval.start));
    const wake = Math.max(...everything.map((interval) => interval.end));
    return {
      date,
      asleepMinutes,
      inBedMinutes,
      awakeMinutes: minutes(stages.get("awake") ?? []),
      coreMinutes: minutes(stages.get("core") ?? []),
      deepMinutes: minutes(stages.get("deep") ?? []),
      remMinutes: minutes(stages.get("rem") ?? []),
      efficiency: inBedMinutes > 0 ? round(asleepMinutes / inBedMinutes, 3) : 0,
      bedtime: localIso({ epochMs: bedtime, offsetMinutes }),
      wakeTime: localIso({ epochMs: wake, offsetMinutes }),
      sources,
    };
  }
}
