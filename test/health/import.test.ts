import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HealthIndexes, HealthStore, importExport, ImportError, type CumulativeDay, type DiscreteDay } from "../../src/index.js";
import { connectTestRedis, type TestConnection } from "../support/redis.js";
import { snapshot } from "../support/snapshot.js";
import { zipArchive } from "../support/zip.js";

const fixtures = new URL("../fixtures/apple-health/", import.meta.url).pathname;

function record(type: string, source: string, value: string, start: string, end = start, unit = "count"): string {
  return ` <Record type="HKQuantityTypeIdentifier${type}" sourceName="${source}" unit="${unit}" creationDate="${end}" startDate="${start}" endDate="${end}" value="${value}"/>\n`;
}

function sleep(stage: string, source: string, start: string, end: string): string {
  return ` <Record type="HKCategoryTypeIdentifierSleepAnalysis" sourceName="${source}" creationDate="${end}" startDate="${start}" endDate="${end}" value="HKCategoryValueSleepAnalysis${stage}"/>\n`;
}

function exportXml(body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE HealthData [\n<!ELEMENT HealthData ANY>\n]>\n<HealthData locale="en_US">\n <ExportDate value="2024-10-20 10:00:00 -0700"/>\n${body}</HealthData>\n`;
}

describe("importExport", () => {
  let test: TestConnection;
  let dir: string;
  let counter = 0;

  beforeAll(async () => {
    test = await connectTestRedis({ label: "import" });
    dir = mkdtempSync(join(tmpdir(), "wellness-import-"));
  });

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await test.dispose();
  });

  function file(name: string, content: string | Buffer): string {
    const path = join(dir, `${counter++}-${name}`);
    writeFileSync(path, content);
    return path;
  }

  const run = (userId: string, path: string) =>
    importExport({ client: test.client, keys: test.keys, userId, path, indexTtlSeconds: 3600 });
  const store = () => new HealthStore(test.client, test.keys);

  it("imports the healthkit-to-sqlite fixture: records, a workout, activity rings and the profile", async () => {
    const summary = await run("fixture-a", join(fixtures, "healthkit-to-sqlite/tests_export.xml"));
    expect(summary).toMatchObject({ records: 5, workouts: 1, activityDays: 2, metrics: 2, skipped: { badDate: 0, badValue: 0 } });
    expect(summary.recordsByType).toEqual({ ActivitySummary: 2, BodyMassIndex: 1, HeartRate: 1, Workout: 1 });
    const manifest = await store().manifest("fixture-a");
    expect(manifest?.profile).toEqual({ dateOfBirth: "1990-02-02", biologicalSex: "male" });
    expect(manifest?.exportDate).toBe("2019-07-19 10:36:11 -0700");
    const [workout] = await store().workouts("fixture-a");
    expect(workout).toMatchObject({
      type: "Running",
      date: "2016-11-14",
      weekday: "Monday",
      start: "2016-11-14T07:25:41-07:00",
      durationMinutes: 5.19,
      distanceKm: 0.8,
      energyKcal: 48.745,
    });
    expect(workout?.source).toBe("Apple\u00a0Watch");
    expect(await store().activity("fixture-a")).toEqual([
      { date: "2016-11-15", activeEnergyKcal: 590.25, activeEnergyGoalKcal: 630, exerciseMinutes: 68, exerciseMinutesGoal: 30, standHours: 13, standHoursGoal: 12 },
      { date: "2016-11-16", activeEnergyKcal: 323.51, activeEnergyGoalKcal: 630, exerciseMinutes: 39, exerciseMinutesGoal: 30, standHours: 9, standHoursGoal: 12 },
    ]);
  });

  it("imports the ahcd-go fixture (Version 11 DTD) and counts Correlation records once", async () => {
    const summary = await run("fixture-b", join(fixtures, "ahcd-go/export.xml"));
    expect(summary.recordsByType).toEqual({ BloodPressureDiastolic: 1, BloodPressureSystolic: 7, BodyMassIndex: 2, HeartRate: 1 });
    const manifest = await store().manifest("fixture-b");
    expect(manifest?.profile).toEqual({ dateOfBirth: "2020-09-13", biologicalSex: "male", bloodType: "BPositive" });
    expect(manifest?.metrics.BloodPressureSystolic).toEqual({ kind: "discrete", unit: "mmHg", days: 5 });

    const repeated = exportXml(
      record("BloodPressureSystolic", "Omron", "120", "2024-10-01 08:00:00 +0200", undefined, "mmHg") +
        record("BloodPressureDiastolic", "Omron", "80", "2024-10-01 08:00:00 +0200", undefined, "mmHg") +
        ' <Correlation type="HKCorrelationTypeIdentifierBloodPressure" sourceName="Omron" startDate="2024-10-01 08:00:00 +0200" endDate="2024-10-01 08:00:00 +0200">\n' +
        record("BloodPressureDiastolic", "Omron", "80", "2024-10-01 08:00:00 +0200", undefined, "mmHg") +
        record("BloodPressureSystolic", "Omron", "120", "2024-10-01 08:00:00 +0200", undefined, "mmHg") +
        " </Correlation>\n",
    );
    const twice = await run("correlation", file("bp.xml", repeated));
    expect(twice.recordsByType).toEqual({ BloodPressureDiastolic: 1, BloodPressureSystolic: 1 });
    expect(((await store().series("correlation", "BloodPressureSystolic"))[0] as DiscreteDay).count).toBe(1);
  });

  it("finds the export XML inside a zip by suffix, in any language, and ignores export_cda.xml", async () => {
    const xml = readFileSync(join(fixtures, "healthkit-to-sqlite/zip_contents_export.xml"));
    const gpx = readFileSync(join(fixtures, "healthkit-to-sqlite/route_2019-06-11_3.00pm.gpx"));
    const zip = zipArchive({
      "apple_health_export/export_cda.xml": "<ClinicalDocument/>",
      "apple_health_export/exportar.xml": xml,
      "apple_health_export/workout-routes/route_2019-06-11_3.00pm.gpx": gpx,
      "__MACOSX/apple_health_export/._exportar.xml": "junk",
    });
    const summary = await run("zipped", file("export.zip", zip));
    expect(summary.xmlName).toBe("apple_health_export/exportar.xml");
    expect(summary.workouts).toBe(1);
  });

  it("counts steps that iPhone and Watch both logged once, and keeps each source's total", async () => {
    const body =
      record("StepCount", "iPhone", "1000", "2024-10-14 09:00:00 -0700", "2024-10-14 09:30:00 -0700") +
      record("StepCount", "Apple Watch", "1000", "2024-10-14 09:05:00 -0700", "2024-10-14 09:35:00 -0700") +
      record("StepCount", "iPhone", "300", "2024-10-14 14:00:00 -0700", "2024-10-14 14:10:00 -0700");
    await run("dedup", file("steps.xml", exportXml(body)));
    const [day] = (await store().series("dedup", "StepCount")) as CumulativeDay[];
    expect(day).toEqual({ date: "2024-10-14", total: 1300, unit: "count", sources: { iPhone: 1300, "Apple Watch": 1000 } });
  });

  it("keeps heart rate variability in milliseconds, to the import's three decimals", async () => {
    const body =
      record("HeartRateVariabilitySDNN", "Apple Watch", "44.388", "2024-10-14 03:00:00 -0700", "2024-10-14 03:01:00 -0700", "ms") +
      record("HeartRateVariabilitySDNN", "Apple Watch", "51.6125", "2024-10-14 05:00:00 -0700", "2024-10-14 05:01:00 -0700", "ms");
    await run("hrv", file("hrv.xml", exportXml(body)));
    const [day] = (await store().series("hrv", "HeartRateVariabilitySDNN")) as DiscreteDay[];
    expect(day).toMatchObject({ date: "2024-10-14", unit: "ms", count: 2, min: 44.388, max: 51.613 });
    expect(day?.avg).toBeCloseTo(48, 3);
  });

  it("puts each sample on its local day and weekday under its own offset, across a time-zone change", async () => {
    const body =
      record("StepCount", "iPhone", "100", "2024-10-14 23:30:00 -0700", "2024-10-14 23:40:00 -0700") +
      record("StepCount", "iPhone", "200", "2024-10-15 07:00:00 +0200", "2024-10-15 07:10:00 +0200") +
      ' <Workout workoutActivityType="HKWorkoutActivityTypeRunning" duration="30" durationUnit="min" sourceName="Apple Watch" startDate="2024-10-14 19:00:00 -0700" endDate="2024-10-14 19:30:00 -0700"/>\n';
    await run("zones", file("zones.xml", exportXml(body)));
    const days = (await store().series("zones", "StepCount")) as CumulativeDay[];
    expect(days.map((day) => [day.date, day.total])).toEqual([
      ["2024-10-14", 100],
      ["2024-10-15", 200],
    ]);
    const [workout] = await store().workouts("zones");
    expect(workout).toMatchObject({ date: "2024-10-14", weekday: "Monday" });
    expect(await test.client.hGetAll(test.keys.workoutDays("zones"))).toEqual({ Monday: "1" });
  });

  it("takes workout totals and heart rate from WorkoutStatistics when the attributes are missing", async () => {
    const body =
      ' <Workout workoutActivityType="HKWorkoutActivityTypeRunning" duration="0.5" durationUnit="hr" sourceName="Apple Watch" startDate="2024-10-16 18:00:00 -0700" endDate="2024-10-16 18:30:00 -0700">\n' +
      '  <MetadataEntry key="HKIndoorWorkout" value="0"/>\n' +
      '  <WorkoutStatistics type="HKQuantityTypeIdentifierActiveEnergyBurned" startDate="2024-10-16 18:00:00 -0700" endDate="2024-10-16 18:30:00 -0700" sum="1255.2" unit="kJ"/>\n' +
      '  <WorkoutStatistics type="HKQuantityTypeIdentifierDistanceWalkingRunning" startDate="2024-10-16 18:00:00 -0700" endDate="2024-10-16 18:30:00 -0700" sum="3.1" unit="mi"/>\n' +
      '  <WorkoutStatistics type="HKQuantityTypeIdentifierHeartRate" startDate="2024-10-16 18:00:00 -0700" endDate="2024-10-16 18:30:00 -0700" average="151.4" minimum="98" maximum="178" unit="count/min"/>\n' +
      " </Workout>\n";
    await run("stats", file("stats.xml", exportXml(body)));
    const [workout] = await store().workouts("stats");
    expect(workout).toMatchObject({ durationMinutes: 30, distanceKm: 4.989, energyKcal: 300, avgHeartRate: 151.4, maxHeartRate: 178 });
    // Tools read workouts from the permanent sorted set; no per-workout copy is written.
    expect(await test.client.exists(test.keys.workout("stats", workout?.id ?? ""))).toBe(0);
  });

  it("merges overlapping sleep stages from two sources as intervals, one night per end date", async () => {
    const body =
      sleep("InBed", "iPhone", "2024-10-14 22:30:00 -0700", "2024-10-15 06:30:00 -0700") +
      sleep("AsleepCore", "Apple Watch", "2024-10-14 23:00:00 -0700", "2024-10-15 02:00:00 -0700") +
      sleep("AsleepDeep", "Apple Watch", "2024-10-15 02:00:00 -0700", "2024-10-15 03:00:00 -0700") +
      sleep("Awake", "Apple Watch", "2024-10-15 03:00:00 -0700", "2024-10-15 03:15:00 -0700") +
      sleep("AsleepREM", "Apple Watch", "2024-10-15 03:15:00 -0700", "2024-10-15 06:15:00 -0700") +
      sleep("Asleep", "Sleep App", "2024-10-14 23:30:00 -0700", "2024-10-15 02:30:00 -0700");
    await run("sleep", file("sleep.xml", exportXml(body)));
    const nights = await store().sleep("sleep");
    expect(nights).toEqual([
      {
        date: "2024-10-15",
        asleepMinutes: 420,
        inBedMinutes: 480,
        awakeMinutes: 15,
        coreMinutes: 180,
        deepMinutes: 60,
        remMinutes: 180,
        efficiency: 0.875,
        bedtime: "2024-10-14T22:30:00-07:00",
        wakeTime: "2024-10-15T06:30:00-07:00",
        sources: ["Apple Watch", "Sleep App", "iPhone"],
      },
    ]);
    // Tools read nights from the permanent sorted set; no per-night copy is written.
    expect(await test.client.exists([test.keys.sleepNight("sleep", "2024-10-15"), test.keys.sleepByDate("sleep")])).toBe(0);
  });

  it("a re-import with less data removes the series, workouts and summaries that are gone", async () => {
    const full =
      record("StepCount", "iPhone", "500", "2024-10-14 09:00:00 -0700") +
      record("HeartRate", "Watch", "60", "2024-10-14 09:00:00 -0700", undefined, "count/min") +
      ' <Workout workoutActivityType="HKWorkoutActivityTypeYoga" duration="20" durationUnit="min" sourceName="Watch" startDate="2024-10-14 07:00:00 -0700" endDate="2024-10-14 07:20:00 -0700"/>\n';
    await run("shrink", file("full.xml", exportXml(full)));
    const [workout] = await store().workouts("shrink");
    await run("shrink", file("less.xml", exportXml(record("StepCount", "iPhone", "700", "2024-10-15 09:00:00 -0700"))));
    expect(Object.keys((await store().manifest("shrink"))?.metrics ?? {})).toEqual(["StepCount"]);
    const gone = [
      test.keys.healthSeries("shrink", "HeartRate"),
      test.keys.healthMetric("shrink", "HeartRate"),
      test.keys.healthWorkouts("shrink"),
      test.keys.workout("shrink", workout?.id ?? ""),
      test.keys.workoutsByDate("shrink"),
      test.keys.workoutDays("shrink"),
    ];
    expect(await test.client.exists(gone)).toBe(0);
    expect((await store().series("shrink", "StepCount")).map((day) => day.date)).toEqual(["2024-10-15"]);
  });

  it("skips and counts unparseable dates and non-numeric values", async () => {
    const body =
      record("HeartRate", "Watch", "70", "2024-10-14 09:00:00 -0700", undefined, "count/min") +
      record("HeartRate", "Watch", "fast", "2024-10-14 09:05:00 -0700", undefined, "count/min") +
      record("HeartRate", "Watch", "71", "yesterday", undefined, "count/min");
    const summary = await run("skips", file("skips.xml", exportXml(body)));
    expect(summary.skipped).toEqual({ badDate: 1, legacyDate: 0, badValue: 1, unknownSleepValue: 0 });
    expect(((await store().series("skips", "HeartRate"))[0] as DiscreteDay).count).toBe(1);
  });

  it("is idempotent, a failed import changes nothing, and reindex restores deleted indexes", async () => {
    const good = file("good.xml", readFileSync(join(fixtures, "healthkit-to-sqlite/tests_export.xml")));
    await run("safe", good);
    const first = await snapshot(test.client, test.prefix);
    await run("safe", good);
    expect(await snapshot(test.client, test.prefix)).toEqual(first);

    const broken = readFileSync(good, "utf8").replace("</Workout>", "</Workout\n");
    await expect(run("safe", file("broken.xml", broken))).rejects.toMatchObject({ code: "ERR_IMPORT_MALFORMED_XML" });
    const truncated = readFileSync(good).subarray(0, 2_000);
    await expect(run("safe", file("truncated.xml", truncated))).rejects.toMatchObject({ code: "ERR_IMPORT_MALFORMED_XML" });
    expect(await snapshot(test.client, test.prefix)).toEqual(first);

    const [workout] = await store().workouts("safe");
    await test.client.unlink([
      test.keys.healthMetric("safe", "HeartRate"),
      test.keys.workout("safe", workout?.id ?? ""),
      test.keys.workoutsByDate("safe"),
      test.keys.workoutDays("safe"),
    ]);
    await new HealthIndexes(test.client, test.keys, store(), 3600).rebuild("safe");
    expect(await snapshot(test.client, test.prefix)).toEqual(first);
    expect(await test.client.ttl(test.keys.healthMetric("safe", "HeartRate"))).toBeGreaterThan(3500);
    expect(await test.client.ttl(test.keys.healthData("safe"))).toBe(-1);
  });

  it("turns an XML bomb and an external entity into a quick malformed-XML error, writing nothing", async () => {
    const bomb = `<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY a "aaaaaaaaaa">\n<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">\n]>\n<HealthData>\n <Record type="&c;" sourceName="x" startDate="2024-10-14 09:00:00 -0700" endDate="2024-10-14 09:00:00 -0700" value="1"/>\n</HealthData>\n`;
    const external = `<?xml version="1.0"?>\n<!DOCTYPE HealthData [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<HealthData>\n <Record type="HKQuantityTypeIdentifierHeartRate" sourceName="&xxe;" startDate="2024-10-14 09:00:00 -0700" endDate="2024-10-14 09:00:00 -0700" value="1"/>\n</HealthData>\n`;
    await expect(run("bomb", file("bomb.xml", bomb))).rejects.toThrow(/line 8, column 16: undefined entity &c;/);
    await expect(run("bomb", file("xxe.xml", external))).rejects.toThrow(/line 4, column .*undefined entity &xxe;/);
    expect(await store().manifest("bomb")).toBeUndefined();
  });

  it.each([
    ["missing file", null, "ERR_IMPORT_NOT_FOUND", /Cannot read/],
    ["not a zip or XML", Buffer.from("%PDF-1.7 binary stuff"), "ERR_IMPORT_NOT_AN_EXPORT", /neither a zip nor XML/],
    ["truncated zip", zipArchive({ "apple_health_export/export.xml": exportXml("") }).subarray(0, 60), "ERR_IMPORT_BAD_ZIP", /damaged or truncated zip/],
    ["zip without an export", zipArchive({ "apple_health_export/export_cda.xml": "<x/>", "notes.txt": "hi" }), "ERR_IMPORT_NO_EXPORT_XML", /holds no Apple Health export XML/],
    [
      "a 2015-era export",
      Buffer.from(exportXml(' <Record type="HKQuantityTypeIdentifierStepCount" sourceName="iPhone" unit="count" startDate="20150101120000-0800" endDate="20150101121000-0800" value="10"/>\n')),
      "ERR_IMPORT_UNSUPPORTED_FORMAT",
      /2015-era \(iOS 8\) Health export/,
    ],
    ["another XML document", Buffer.from('<?xml version="1.0"?>\n<ClinicalDocument/>'), "ERR_IMPORT_UNSUPPORTED_FORMAT", /root element is <ClinicalDocument>/],
  ])("rejects %s with %s", async (_label, content, code, message) => {
    const path = content === null ? join(dir, "does-not-exist.zip") : file("bad.bin", content);
    const attempt = run("bad-input", path);
    await expect(attempt).rejects.toBeInstanceOf(ImportError);
    await expect(attempt).rejects.toMatchObject({ code });
    await expect(attempt).rejects.toThrow(message);
  });

  it("refuses a second import for the same user while one runs", async () => {
    const path = join(fixtures, "healthkit-to-sqlite/tests_export.xml");
    const results = await Promise.allSettled([run("busy", path), run("busy", path)]);
    const codes = results.map((result) => (result.status === "rejected" ? (result.reason as ImportError).code : "ok")).sort();
    expect(codes).toEqual(["ERR_IMPORT_IN_PROGRESS", "ok"]);
  });
});
