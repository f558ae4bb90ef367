import { describe, expect, it } from "vitest";
import { cleanTypeName, dayNumber, isCumulative, parseHealthDate, toCanonical } from "../../src/index.js";

describe("parseHealthDate", () => {
  it("keeps the sample's own offset: Monday 19:00 -0700 is a Monday, though it is Tuesday in UTC", () => {
    const time = parseHealthDate("2024-10-14 19:00:00 -0700");
    expect(time).toMatchObject({ date: "2024-10-14", hour: 19, weekday: 1, offsetMinutes: -420 });
    expect(new Date(time?.epochMs ?? 0).toISOString()).toBe("2024-10-15T02:00:00.000Z");
  });

  it("reads offsets east of UTC and the ISO shape", () => {
    expect(parseHealthDate("2024-03-31 00:30:00 +0900")).toMatchObject({ date: "2024-03-31", weekday: 0, offsetMinutes: 540 });
    expect(parseHealthDate("2024-03-31T00:30:00+09:00")).toMatchObject({ date: "2024-03-31", offsetMinutes: 540 });
    expect(parseHealthDate("1969-12-31 23:00:00 +0000")).toMatchObject({ weekday: 3 });
  });

  it.each(["", "yesterday", "2024-13-01 00:00:00 +0000", "2024-01-01 25:00:00 +0000", "20150101120000-0800", "2024-01-01 00:00:00"])(
    "rejects %j",
    (text) => {
      expect(parseHealthDate(text)).toBeUndefined();
    },
  );
});

describe("units and names", () => {
  it("converts to one canonical unit per dimension and keeps unknown units", () => {
    expect(toCanonical("DistanceWalkingRunning", 1, "mi")).toEqual({ value: 1.609344, unit: "km" });
    expect(toCanonical("DistanceWalkingRunning", 500, "m")).toEqual({ value: 0.5, unit: "km" });
    expect(toCanonical("ActiveEnergyBurned", 4.184, "kJ").value).toBeCloseTo(1, 6);
    expect(toCanonical("BodyMass", 150, "lb").value).toBeCloseTo(68.039, 3);
    expect(toCanonical("Height", 6, "ft")).toEqual({ value: expect.closeTo(182.88, 6) as number, unit: "cm" });
    expect(toCanonical("BodyTemperature", 98.6, "degF").value).toBeCloseTo(37, 6);
    expect(toCanonical("DietaryProtein", 0.05, "kg")).toEqual({ value: 50, unit: "g" });
    expect(toCanonical("VO2Max", 40, "mL/min·kg")).toEqual({ value: 40, unit: "mL/min·kg" });
    expect(toCanonical("HeartRateVariabilitySDNN", 44.388, "ms")).toEqual({ value: expect.closeTo(44.388, 9) as number, unit: "ms" });
    expect(toCanonical("HeartRateVariabilitySDNN", 0.05, "s")).toEqual({ value: expect.closeTo(50, 9) as number, unit: "ms" });
    expect(toCanonical("RunningGroundContactTime", 262, "ms")).toEqual({ value: expect.closeTo(262, 9) as number, unit: "ms" });
    expect(toCanonical("WalkingStepLength", 27, "in")).toEqual({ value: expect.closeTo(68.58, 9) as number, unit: "cm" });
    expect(toCanonical("RunningStrideLength", 1.12, "m")).toEqual({ value: expect.closeTo(112, 9) as number, unit: "cm" });
    expect(toCanonical("RunningVerticalOscillation", 8.9, "cm")).toEqual({ value: expect.closeTo(8.9, 9) as number, unit: "cm" });
    expect(toCanonical("DietaryVitaminD", 10, "mcg")).toEqual({ value: expect.closeTo(10, 9) as number, unit: "mcg" });
    expect(toCanonical("DietaryFolate", 400, "mcg")).toEqual({ value: expect.closeTo(400, 9) as number, unit: "mcg" });
    expect(toCanonical("DietaryVitaminB6", 1.3, "mg")).toEqual({ value: expect.closeTo(1.3, 9) as number, unit: "mg" });
    expect(toCanonical("DietarySodium", 2.3, "g")).toEqual({ value: expect.closeTo(2300, 9) as number, unit: "mg" });
  });

  it("names types by their own name and knows which add up", () => {
    expect(cleanTypeName("HKQuantityTypeIdentifierStepCount")).toBe("StepCount");
    expect(cleanTypeName("HKCategoryTypeIdentifierSleepAnalysis")).toBe("SleepAnalysis");
    expect(cleanTypeName("HKWorkoutActivityTypeRunning")).toBe("Running");
    expect(cleanTypeName("HKDataTypeSleepDurationGoal")).toBe("SleepDurationGoal");
    expect(cleanTypeName("SomethingNew")).toBe("SomethingNew");
    expect(isCumulative("StepCount")).toBe(true);
    expect(isCumulative("DietaryEnergyConsumed")).toBe(true);
    expect(isCumulative("HeartRate")).toBe(false);
  });
});

describe("dayNumber", () => {
  const byDateParse = (date: string) => Math.floor(Date.parse(`${date}T00:00:00Z`) / 86_400_000);

  it("scores every date from 1000 to 9999 as Date.parse does", () => {
    const wrong: string[] = [];
    let checked = 0;
    for (let day = -354_285; day < 2_932_897; day += 1) {
      const date = new Date(day * 86_400_000).toISOString().slice(0, 10);
      if (dayNumber(date) !== day) wrong.push(date);
      checked += 1;
    }
    expect(wrong).toEqual([]);
    expect(checked).toBe(3_287_182);
  });

  it("gives what Date.parse gives for odd and invalid text", () => {
    for (const text of ["2024-02-30", "2023-02-29", "2024-02-29", "2024-13-01", "2024-00-10", "2024-01-00", "0999-01-01", "2024-1-011", "abcd-ef-gh", "", "+12345-01-01"]) {
      expect(dayNumber(text)).toEqual(byDateParse(text));
    }
  });
});
