import { once } from "node:events";
import { createWriteStream } from "node:fs";

/**
 * A deterministic synthetic Apple Health export, for tests, benchmarks and trying the app without
 * one's own data. It has what real Watch-era exports have: a Version 14 style DTD, iPhone and
 * Watch both counting the same steps, distance and energy, dense heart rate, HRV with beat lists,
 * resting heart rate, VO2max, weight from a scale app, sleep stages from the Watch overlapping the
 * iPhone's in-bed time, workouts whose totals live only in WorkoutStatistics, blood-pressure
 * Correlations whose Records also stand at the top level, daylight-saving and travel time-zone
 * changes, and one ActivitySummary per day.
 */
export interface SyntheticExportOptions {
  /** Same seed and size, same bytes. */
  seed: number;
  /** Stop once the file has at least this many bytes (and whole days); ignored when `days` is set. */
  bytes: number;
  /** The last day of data, YYYY-MM-DD (default 2025-12-31, so a seed and size always give the same bytes). */
  endDate?: string;
  /** Exactly this many days ending on `endDate`, whatever the size. */
  days?: number;
}

export interface SyntheticExportStats {
  bytes: number;
  /** Counted by RECORD_COUNT_RULE, as the importer counts them. */
  records: number;
  days: number;
  firstDate: string;
  lastDate: string;
}

/** About how many bytes one generated day takes; used to pick the first day. */
const BYTES_PER_DAY = 312_000;

/** mulberry32: a small, fast, seedable PRNG. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const WATCH = "Apple Watch";
const PHONE = "iPhone";
const WATCH_DEVICE =
  'device="&lt;&lt;HKDevice: 0x283f1c0a0&gt;, name:Apple Watch, manufacturer:Apple Inc., model:Watch, hardware:Watch6,2, software:10.1&gt;"';
const PHONE_DEVICE =
  'device="&lt;&lt;HKDevice: 0x283f1c2d0&gt;, name:iPhone, manufacturer:Apple Inc., model:iPhone, hardware:iPhone14,5, software:17.1&gt;"';

const DTD = `<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 14 -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary|ClinicalRecord|Audiogram|VisionPrescription)*)>
<!ATTLIST HealthData
  locale CDATA #REQUIRED
>
<!ELEMENT ExportDate EMPTY>
<!ATTLIST ExportDate
  value CDATA #REQUIRED
>
<!ELEMENT Me EMPTY>
<!ATTLIST Me
  HKCharacteristicTypeIdentifierDateOfBirth         CDATA #REQUIRED
  HKCharacteristicTypeIdentifierBiologicalSex       CDATA #REQUIRED
  HKCharacteristicTypeIdentifierBloodType           CDATA #REQUIRED
  HKCharacteristicTypeIdentifierFitzpatrickSkinType CDATA #REQUIRED
  HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse CDATA #REQUIRED
>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record
  type          CDATA #REQUIRED
  unit          CDATA #IMPLIED
  value         CDATA #IMPLIED
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!ELEMENT HeartRateVariabilityMetadataList (InstantaneousBeatsPerMinute*)>
<!ELEMENT InstantaneousBeatsPerMinute EMPTY>
<!ATTLIST InstantaneousBeatsPerMinute
  bpm  CDATA #REQUIRED
  time CDATA #REQUIRED
>
<!ELEMENT Correlation ((MetadataEntry|Record)*)>
<!ELEMENT Workout ((MetadataEntry|WorkoutEvent|WorkoutRoute|WorkoutStatistics)*)>
<!ELEMENT WorkoutStatistics EMPTY>
<!ATTLIST WorkoutStatistics
  type      CDATA #REQUIRED
  startDate CDATA #REQUIRED
  endDate   CDATA #REQUIRED
  average   CDATA #IMPLIED
  minimum   CDATA #IMPLIED
  maximum   CDATA #IMPLIED
  sum       CDATA #IMPLIED
  unit      CDATA #IMPLIED
>
<!ELEMENT ActivitySummary EMPTY>
<!ELEMENT MetadataEntry EMPTY>
<!ATTLIST MetadataEntry
  key   CDATA #REQUIRED
  value CDATA #REQUIRED
>
]>
`;

function pad(value: number): string {
  return String(value).padStart(2, "0");
}

/** US Pacific daylight saving: second Sunday of March to first Sunday of November. */
function pacificOffset(date: Date): number {
  const year = date.getUTCFullYear();
  const march = new Date(Date.UTC(year, 2, 1));
  const dstStart = 1 + ((7 - march.getUTCDay()) % 7) + 7;
  const november = new Date(Date.UTC(year, 10, 1));
  const dstEnd = 1 + ((7 - november.getUTCDay()) % 7);
  const month = date.getUTCMonth();
  const day = date.getUTCDate();
  const summer = (month > 2 && month < 10) || (month === 2 && day >= dstStart) || (month === 10 && day < dstEnd);
  return summer ? -420 : -480;
}

/** "2024-10-14 07:30:00 -0700" for local midnight of `day` plus `minutes`, at `offset`. */
function stamp(day: Date, minutes: number, offset: number): string {
  const local = new Date(day.getTime() + Math.round(minutes * 60_000));
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  return (
    `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())} ` +
    `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())} ${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`
  );
}

/** Writes a synthetic export to `path`. */
export async function writeSyntheticExport(path: string, options: SyntheticExportOptions): Promise<SyntheticExportStats> {
  const rand = random(options.seed);
  const out = createWriteStream(path);
  let bytes = 0;
  let records = 0;
  let buffer = "";
  const write = async (text: string) => {
    buffer += text;
    if (buffer.length >= 1 << 20) {
      bytes += Buffer.byteLength(buffer);
      if (!out.write(buffer)) await once(out, "drain");
      buffer = "";
    }
  };
  const end = new Date(`${options.endDate ?? "2025-12-31"}T00:00:00Z`);
  const plannedDays = options.days ?? Math.max(1, Math.ceil(options.bytes / BYTES_PER_DAY));
  const more = () => (options.days === undefined ? bytes + buffer.length < options.bytes : days < plannedDays);
  const first = new Date(end.getTime() - (plannedDays - 1) * 86_400_000);

  await write(`<?xml version="1.0" encoding="UTF-8"?>\n${DTD}<HealthData locale="en_US">\n`);
  await write(` <ExportDate value="${stamp(end, 23 * 60 + 59, pacificOffset(end))}"/>\n`);
  await write(
    ' <Me HKCharacteristicTypeIdentifierDateOfBirth="1985-06-15" HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale" ' +
      'HKCharacteristicTypeIdentifierBloodType="HKBloodTypeAPositive" HKCharacteristicTypeIdentifierFitzpatrickSkinType="HKFitzpatrickSkinTypeNotSet" ' +
      'HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse="None"/>\n',
  );
  const record = async (type: string, source: string, unit: string | undefined, value: string | undefined, start: string, finish: string, children = "") => {
    records += 1;
    const device = source === WATCH ? WATCH_DEVICE : PHONE_DEVICE;
    const head =
      ` <Record type="${type}" sourceName="${source}" sourceVersion="${source === WATCH ? "10.1" : "17.1"}" ${device}` +
      `${unit ? ` unit="${unit}"` : ""} creationDate="${finish}" startDate="${start}" endDate="${finish}"${value === undefined ? "" : ` value="${value}"`}`;
    await write(children ? `${head}>\n${children} </Record>\n` : `${head}/>\n`);
  };

  let days = 0;
  let lastDate = "";
  for (let day = first; more() || days === 0; day = new Date(day.getTime() + 86_400_000)) {
    days += 1;
    const dayIndex = Math.floor(day.getTime() / 86_400_000);
    const travelling = dayIndex % 97 < 6;
    const offset = travelling ? 60 : pacificOffset(day);
    const at = (minutes: number) => stamp(day, minutes, offset);
    lastDate = at(0).slice(0, 10);

    // Steps, distance and energy: iPhone and Watch both count the same walking, hour by hour.
    for (let hour = 7; hour < 22; hour++) {
      const steps = Math.round(200 + rand() * 900);
      const watchSteps = Math.round(steps * (0.95 + rand() * 0.1));
      const km = (steps * 0.00075).toFixed(4);
      await record("HKQuantityTypeIdentifierStepCount", PHONE, "count", String(steps), at(hour * 60), at(hour * 60 + 50));
      await record("HKQuantityTypeIdentifierStepCount", WATCH, "count", String(watchSteps), at(hour * 60 + 2), at(hour * 60 + 52));
      await record("HKQuantityTypeIdentifierDistanceWalkingRunning", PHONE, "km", km, at(hour * 60), at(hour * 60 + 50));
      await record("HKQuantityTypeIdentifierDistanceWalkingRunning", WATCH, "km", km, at(hour * 60 + 2), at(hour * 60 + 52));
      await record("HKQuantityTypeIdentifierBasalEnergyBurned", WATCH, "kcal", (60 + rand() * 10).toFixed(3), at(hour * 60), at(hour * 60 + 59));
      if (rand() < 0.3) await record("HKQuantityTypeIdentifierFlightsClimbed", PHONE, "count", String(1 + Math.floor(rand() * 4)), at(hour * 60 + 10), at(hour * 60 + 12));
      for (let slot = 0; slot < 12; slot++) {
        await record("HKQuantityTypeIdentifierActiveEnergyBurned", WATCH, "kcal", (rand() * 4).toFixed(3), at(hour * 60 + slot * 5), at(hour * 60 + slot * 5 + 5));
      }
      if (rand() < 0.7) await record("HKQuantityTypeIdentifierAppleStandTime", WATCH, "min", String(1 + Math.floor(rand() * 5)), at(hour * 60 + 20), at(hour * 60 + 25));
    }
    // Heart rate every two minutes while awake, every ten while asleep.
    for (let minute = 0; minute < 24 * 60; minute += minute < 7 * 60 || minute >= 23 * 60 ? 10 : 2) {
      const asleep = minute < 7 * 60;
      await record("HKQuantityTypeIdentifierHeartRate", WATCH, "count/min", String(Math.round((asleep ? 52 : 68) + rand() * 30)), at(minute), at(minute));
    }
    // HRV with its beat list, resting heart rate, walking heart rate.
    const beats = Array.from({ length: 8 }, (_, i) => `   <InstantaneousBeatsPerMinute bpm="${60 + Math.floor(rand() * 15)}" time="3:0${i}:1${i}.00 AM"/>\n`).join("");
    await record("HKQuantityTypeIdentifierHeartRateVariabilitySDNN", WATCH, "ms", (30 + rand() * 40).toFixed(3), at(180), at(181), `  <HeartRateVariabilityMetadataList>\n${beats}  </HeartRateVariabilityMetadataList>\n`);
    await record("HKQuantityTypeIdentifierRestingHeartRate", WATCH, "count/min", String(55 + Math.floor(rand() * 8)), at(0), at(23 * 60 + 59));
    if (dayIndex % 7 === 0) {
      await record("HKQuantityTypeIdentifierVO2Max", WATCH, "mL/min·kg", (38 + rand() * 4).toFixed(2), at(18 * 60), at(18 * 60));
      await record("HKQuantityTypeIdentifierBodyMass", "Withings", "lb", (150 + rand() * 6).toFixed(1), at(7 * 60 + 5), at(7 * 60 + 5));
    }
    // Blood pressure once a week: a Correlation whose Records also stand at the top level.
    if (dayIndex % 7 === 3) {
      const systolic = String(110 + Math.floor(rand() * 20));
      const diastolic = String(70 + Math.floor(rand() * 12));
      const when = at(8 * 60);
      await record("HKQuantityTypeIdentifierBloodPressureSystolic", "Omron", "mmHg", systolic, when, when);
      await record("HKQuantityTypeIdentifierBloodPressureDiastolic", "Omron", "mmHg", diastolic, when, when);
      await write(
        ` <Correlation type="HKCorrelationTypeIdentifierBloodPressure" sourceName="Omron" sourceVersion="1" creationDate="${when}" startDate="${when}" endDate="${when}">\n` +
          `  <Record type="HKQuantityTypeIdentifierBloodPressureDiastolic" sourceName="Omron" sourceVersion="1" unit="mmHg" creationDate="${when}" startDate="${when}" endDate="${when}" value="${diastolic}"/>\n` +
          `  <Record type="HKQuantityTypeIdentifierBloodPressureSystolic" sourceName="Omron" sourceVersion="1" unit="mmHg" creationDate="${when}" startDate="${when}" endDate="${when}" value="${systolic}"/>\n` +
          " </Correlation>\n",
      );
    }
    // Sleep that ends this morning: iPhone in bed, Watch stages (overlapping the in-bed time).
    const bed = -60 - Math.floor(rand() * 60);
    await record("HKCategoryTypeIdentifierSleepAnalysis", PHONE, undefined, "HKCategoryValueSleepAnalysisInBed", at(bed), at(7 * 60));
    let cursor = bed + 10;
    const stages = ["AsleepCore", "AsleepDeep", "AsleepCore", "AsleepREM", "Awake"];
    while (cursor < 7 * 60 - 5) {
      const stage = stages[Math.floor(rand() * stages.length)] ?? "AsleepCore";
      const length = Math.min(7 * 60 - 5 - cursor, 10 + Math.floor(rand() * 50));
      await record("HKCategoryTypeIdentifierSleepAnalysis", WATCH, undefined, `HKCategoryValueSleepAnalysis${stage}`, at(cursor), at(cursor + length));
      cursor += length;
    }
    // A workout on most Mondays, Wednesdays and Saturdays; Watch runs keep totals only in statistics.
    const weekday = day.getUTCDay();
    if ((weekday === 1 || weekday === 3 || weekday === 6) && rand() < 0.85) {
      const running = weekday !== 6;
      const startMinute = weekday === 6 ? 9 * 60 : 18 * 60 + 30;
      const minutes = 25 + Math.floor(rand() * 35);
      const km = (minutes / (running ? 6 : 2.5)).toFixed(3);
      const kcal = (minutes * (running ? 11 : 8)).toFixed(2);
      const statistics =
        `  <WorkoutStatistics type="HKQuantityTypeIdentifierHeartRate" startDate="${at(startMinute)}" endDate="${at(startMinute + minutes)}" average="${140 + Math.floor(rand() * 20)}" minimum="95" maximum="${170 + Math.floor(rand() * 15)}" unit="count/min"/>\n` +
        `  <WorkoutStatistics type="HKQuantityTypeIdentifierActiveEnergyBurned" startDate="${at(startMinute)}" endDate="${at(startMinute + minutes)}" sum="${kcal}" unit="kcal"/>\n` +
        `  <WorkoutStatistics type="HKQuantityTypeIdentifier${running ? "DistanceWalkingRunning" : "DistanceCycling"}" startDate="${at(startMinute)}" endDate="${at(startMinute + minutes)}" sum="${km}" unit="km"/>\n`;
      const totals = running ? "" : ` totalDistance="${km}" totalDistanceUnit="km" totalEnergyBurned="${kcal}" totalEnergyBurnedUnit="kcal"`;
      records += 1;
      await write(
        ` <Workout workoutActivityType="HKWorkoutActivityType${running ? "Running" : "Cycling"}" duration="${minutes}" durationUnit="min"${totals} sourceName="${WATCH}" sourceVersion="10.1" ${WATCH_DEVICE} creationDate="${at(startMinute + minutes)}" startDate="${at(startMinute)}" endDate="${at(startMinute + minutes)}">\n` +
          '  <MetadataEntry key="HKIndoorWorkout" value="0"/>\n' +
          statistics +
          " </Workout>\n",
      );
    }
    records += 1;
    await write(
      ` <ActivitySummary dateComponents="${lastDate}" activeEnergyBurned="${(300 + rand() * 400).toFixed(3)}" activeEnergyBurnedGoal="500" activeEnergyBurnedUnit="kcal" ` +
        `appleMoveTime="0" appleMoveTimeGoal="0" appleExerciseTime="${Math.floor(rand() * 60)}" appleExerciseTimeGoal="30" appleStandHours="${8 + Math.floor(rand() * 6)}" appleStandHoursGoal="12"/>\n`,
    );
  }
  await write("</HealthData>\n");
  bytes += Buffer.byteLength(buffer);
  out.end(buffer);
  await once(out, "close");
  return { bytes, records, days, firstDate: stamp(first, 0, 0).slice(0, 10), lastDate };
}
