import { describe, expect, it } from "vitest";
import { checkNumbers, collectEvidence, extractNumbers, isSupported, markUnsupported, type EvidenceSources } from "../../src/agent/faithfulness/index.js";

function stated(text: string) {
  return extractNumbers(text).map((each) => ({ kind: each.kind, value: each.value, ...(each.high !== undefined ? { high: each.high } : {}), ...(each.unit ? { unit: each.unit } : {}) }));
}

function sources(toolResults: unknown[], extra: Partial<EvidenceSources> = {}): EvidenceSources {
  return { toolResults: toolResults.map((each) => (typeof each === "string" ? each : JSON.stringify(each))), memoryContext: "", question: "", ...extra };
}

function unsupported(answer: string, from: EvidenceSources): string[] {
  return checkNumbers(answer, from).unsupported.map((each) => each.text);
}

describe("extractNumbers", () => {
  it("reads thousands separators, k suffixes, decimals and units", () => {
    expect(stated("You averaged 9,412 steps (10k is the goal), 1,234,567 in total, 5.2 km and 154.3 lb.")).toEqual([
      { kind: "number", value: 9412, unit: "steps" },
      { kind: "number", value: 10000 },
      { kind: "number", value: 1234567 },
      { kind: "number", value: 5.2, unit: "km" },
      { kind: "number", value: 154.3, unit: "lb" },
    ]);
  });

  it("reads ranges as one quantity, not as a negative second number", () => {
    expect(stated("Most nights you slept 7-8 hours; 7–8.5 h on weekends; normal is between 60 and 100 bpm.")).toEqual([
      { kind: "range", value: 7, high: 8, unit: "h" },
      { kind: "range", value: 7, high: 8.5, unit: "h" },
      { kind: "range", value: 60, high: 100, unit: "bpm" },
    ]);
  });

  it("reads a change written from one value to another as two numbers", () => {
    expect(stated("It went from 58 to 61 bpm.")).toEqual([
      { kind: "number", value: 58 },
      { kind: "number", value: 61, unit: "bpm" },
    ]);
  });

  it("reads compound durations in minutes", () => {
    expect(stated("Deep sleep: 1h 20m, then 7 hours and 26 minutes in total, 45 min of REM.")).toEqual([
      { kind: "duration", value: 80, unit: "min" },
      { kind: "duration", value: 446, unit: "min" },
      { kind: "number", value: 45, unit: "min" },
    ]);
  });

  it("reads dates, times of day and years, and skips list markers and numbers inside words", () => {
    const found = extractNumbers("1. On Oct 14, 2024 (2024-10-14) your VO2max was 40.1; bedtime 10:45 pm, the 15th of October, 10/16 and in 2024.");
    expect(found.map((each) => [each.kind, each.text])).toEqual([
      ["date", "Oct 14, 2024"],
      ["date", "2024-10-14"],
      ["number", "40.1"],
      ["time", "10:45 pm"],
      ["date", "15th of October"],
      ["date", "10/16"],
      ["year", "2024"],
    ]);
    expect(found[3]?.value).toBe(22 * 60 + 45);
  });

  it("reads an ISO timestamp as a date and a time of day", () => {
    expect(extractNumbers("bedtime: 2025-06-29T22:35:00-07:00").map((each) => [each.kind, each.value])).toEqual([
      ["date", 29],
      ["time", 22 * 60 + 35],
    ]);
  });

  it("reads negative changes and percentages", () => {
    expect(stated("A change of -3.2% (−180 steps), +12 percent.")).toEqual([
      { kind: "number", value: -3.2, unit: "%" },
      { kind: "number", value: -180, unit: "steps" },
      { kind: "number", value: 12, unit: "%" },
    ]);
  });

  it("knows the precision a number was written with", () => {
    const [exact, rounded, decimal, thousands] = extractNumbers("9,412 and 9,400 and 7.4 and 9k");
    expect([exact?.tolerance, rounded?.tolerance, decimal?.tolerance, thousands?.tolerance]).toEqual([0.5, 50, expect.closeTo(0.05, 9), 500]);
  });

  it("keeps the word a count refers to", () => {
    expect(extractNumbers("You did 3 workouts over 5 nights").map((each) => each.referent)).toEqual(["workouts", "nights"]);
  });
});

describe("matching against a turn's sources", () => {
  const steps = { period: { from: "2024-10-14", to: "2024-10-20", days: 7 }, metrics: [{ metric: "StepCount", unit: "count", overall: { avg: 9412.43, min: 6021, max: 12877 } }] };

  it("supports numbers found directly, after rounding to the written precision", () => {
    expect(unsupported("You averaged 9,412 steps (about 9,400; roughly 9.4k), between 6,021 and 12,877.", sources([steps]))).toEqual([]);
    expect(unsupported("You averaged 9,512 steps.", sources([steps]))).toEqual(["9,512 steps"]);
    expect(unsupported("You averaged 10,000 steps.", sources([steps]))).toEqual(["10,000 steps"]);
  });

  it("converts km to miles, kg to pounds and hours to minutes", () => {
    const from = sources([{ totals: { distanceKm: 12.4, durationMinutes: 95 } }, { weight: 70.2 }]);
    expect(unsupported("You covered 7.7 miles (12.4 km) in 1h 35m, about 1.6 hours, and weigh 154.8 lb.", from)).toEqual([]);
    expect(unsupported("You covered 9.1 miles.", from)).toEqual(["9.1 miles"]);
  });

  it("supports sums, averages, differences and percent changes of source numbers", () => {
    const from = sources([{ a: { value: 8123.5 }, b: { value: 9412.4 }, workouts: [{ durationMinutes: 30 }, { durationMinutes: 45 }, { durationMinutes: 50 }] }]);
    expect(unsupported("You walked 1,289 more steps a day, up 15.9%; 125 minutes of workouts, 41.7 minutes on average.", from)).toEqual([]);
    expect(unsupported("You walked 1,500 more steps a day.", from)).toEqual(["1,500"]);
  });

  it("accepts a decrease stated without its sign, and a range that holds the source value", () => {
    const from = sources([{ change: -2.5, percentChange: -4.1, averages: { asleepHours: 7.43 } }]);
    expect(unsupported("Your resting heart rate dropped 2.5 bpm (down 4.1%); you slept 7-8 hours a night.", from)).toEqual([]);
    expect(unsupported("You slept 5-6 hours a night.", from)).toEqual(["5-6 hours"]);
  });

  it("counts numbers from the question and memory, dates the tools resolved, and today", () => {
    const from = sources([steps], { question: "Did I reach 11,000 steps on Oct 15?", memoryContext: "- (goal, 2024-10-01) walk 12000 steps every day", today: "2024-10-21" });
    expect(unsupported("On Oct 15 you did not reach 11,000 steps; your goal is 12,000 steps. Between 2024-10-14 and Oct 20 (today is October 21st) you averaged 9,412.", from)).toEqual([]);
    expect(unsupported("Your best day was Oct 3.", from)).toEqual(["Oct 3"]);
  });

  it("supports times of day the tools returned and the lengths of periods", () => {
    const from = sources([{ period: { from: "2024-10-14", to: "2024-10-20" }, perNight: [{ date: "2024-10-15", bedtime: "2024-10-14T22:47:00-07:00" }] }]);
    expect(unsupported("Over the 7 days you went to bed at 10:47 pm, around 11 pm.", from)).toEqual([]);
    expect(unsupported("You went to bed at 1:30 am.", from)).toEqual(["1:30 am"]);
  });

  it("reads numbers inside text results too (knowledge facts)", () => {
    const from = sources([{ facts: [{ fact: "A resting heart rate between about 60 and 100 beats per minute is the usual adult range." }] }]);
    expect(unsupported("A normal resting heart rate is 60-100 bpm.", from)).toEqual([]);
    expect(unsupported("A normal resting heart rate is 50-90 bpm.", from)).toEqual(["50-90 bpm"]);
  });

  it("needs no source for calendar facts, only when their unit or referent says so", () => {
    expect(unsupported("Over the past 24 hours, 7 days a week, 60 minutes each.", sources([{}]))).toEqual([]);
    expect(unsupported("You took 24 steps.", sources([{}]))).toEqual(["24 steps"]);
  });

  it("derives small decimals from the top-level figures and memory only", () => {
    const nights = Array.from({ length: 20 }, (_, index) => ({ asleepHours: 5 + index * 0.173, deepHours: 0.8 + index * 0.041 }));
    const from = sources([{ averages: { asleepHours: 7.02 }, perNight: nights }], { memoryContext: "- (goal, 2025-05-01) sleep 8 hours a night" });
    expect(unsupported("You slept 7.02 hours, 0.98 hours short of your 8-hour goal.", from)).toEqual([]);
    expect(unsupported("You slept 0.37 hours more than usual.", from)).toEqual(["0.37 hours"]);
  });

  it("does not derive small whole numbers from differences", () => {
    const evidence = collectEvidence(sources([{ a: 17, b: 20, c: 31 }]));
    const [three] = extractNumbers("3 workouts");
    expect(three && isSupported(three, evidence)).toBe(false);
  });
});

describe("markUnsupported", () => {
  it("puts a visible marker after each unsupported number", () => {
    const answer = "You averaged 9,512 steps and slept 9.5 hours.";
    const check = checkNumbers(answer, sources([{ avg: 9412 }]));
    expect(markUnsupported(answer, check.unsupported)).toBe("You averaged 9,512 steps [unverified] and slept 9.5 hours [unverified].");
  });
});
