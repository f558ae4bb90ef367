import { describe, expect, it } from "vitest";
import { backoffDelay, describeOutcome, findAdvice, mentionsAdvice, readAdherence, retry, type Intervention } from "../../src/index.js";

describe("adherence rules", () => {
  it.each([
    ["I tried it, it didn't help", { followed: "yes", helped: "no" }],
    ["I tried it but it didn’t really help", { followed: "yes", helped: "no" }],
    ["gave it a try, no change at all", { followed: "yes", helped: "no" }],
    ["Going to bed earlier made no difference", { followed: "yes", helped: "no" }],
    ["It didn't work", { followed: "yes", helped: "no" }],
    ["didn't do it", { followed: "no", helped: "unknown" }],
    ["Sorry, I never got around to trying it", { followed: "no", helped: "unknown" }],
    ["I forgot to walk more", { followed: "no", helped: "unknown" }],
    ["That worked!", { followed: "yes", helped: "yes" }],
    ["it did the trick", { followed: "yes", helped: "yes" }],
    ["I've been walking more and I feel better", { followed: "yes", helped: "yes" }],
    ["I did it most nights and it helped a lot", { followed: "partly", helped: "yes" }],
  ])("reads %j", (message, expected) => {
    expect(readAdherence(message)).toEqual(expected);
  });

  it.each(["How did I sleep last week?", "I want to walk more", "What is a normal resting heart rate?"])("reads nothing into %j", (message) => {
    expect(readAdherence(message)).toBeUndefined();
  });

  it("asks the model only about messages that may report on advice", () => {
    expect(mentionsAdvice("I tried the earlier bedtime")).toBe(true);
    expect(mentionsAdvice("How many steps did I take in May?")).toBe(false);
  });
});

describe("advice rules", () => {
  it("finds concrete, metric-tied suggestions, one per metric, and leaves descriptions and questions out", () => {
    const answer = [
      "You slept 6.2 hours on average last week, below your goal.",
      "",
      "- Try going to bed 30 minutes earlier on weeknights.",
      "- Walk 2,000 more steps on weekdays, for example after lunch.",
      "- Also aim for 500 more steps on Sundays.",
      "- Your resting heart rate was 58 bpm.",
      "",
      "Would you like to walk more steps each day?",
    ].join("\n");
    expect(findAdvice(answer)).toEqual([
      { suggestion: "Try going to bed 30 minutes earlier on weeknights.", metric: "SleepDuration", direction: "increase" },
      { suggestion: "Walk 2,000 more steps on weekdays, for example after lunch.", metric: "StepCount", direction: "increase" },
    ]);
    expect(findAdvice("Your steps averaged 8,000 a day. That's great!")).toEqual([]);
    expect(findAdvice("Consider an easy 20 minute walk to lower your resting heart rate.")).toEqual([
      { suggestion: "Consider an easy 20 minute walk to lower your resting heart rate.", metric: "RestingHeartRate", direction: "decrease" },
    ]);
  });
});

describe("retries", () => {
  it("backs off exponentially up to the cap, with jitter between half and all of the delay", () => {
    const options = { baseMs: 1_000, capMs: 8_000 };
    expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(attempt, { ...options, random: () => 1 }))).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelay(attempt, { ...options, random: () => 0 }))).toEqual([500, 1_000, 2_000, 4_000, 4_000]);
  });

  it("retries a failing task and throws its last error when every try failed", async () => {
    const waits: number[] = [];
    let calls = 0;
    const flaky = () => (++calls < 3 ? Promise.reject(new Error(`failure ${calls}`)) : Promise.resolve("done"));
    await expect(retry(flaky, { attempts: 3, baseMs: 10, capMs: 100, sleep: (ms) => Promise.resolve(void waits.push(ms)) })).resolves.toBe("done");
    expect(waits).toHaveLength(2);
    calls = -10;
    await expect(retry(flaky, { attempts: 2, baseMs: 10, capMs: 100, sleep: () => Promise.resolve() })).rejects.toThrow("failure -8");
  });
});

describe("describing an outcome", () => {
  it("says what helped with the numbers, and what the user said", () => {
    const advice: Intervention = {
      id: "0000000000000000000",
      userId: "ann",
      sessionId: "s",
      suggestion: "Go to bed 30 minutes earlier",
      metric: "SleepDuration",
      direction: "increase",
      date: "2025-03-01",
      evaluateAfter: "2025-03-15",
      outcome: "improved",
      dataOutcome: { status: "improved", baseline: 380, observed: 420, change: 40, changePercent: 10.5, unit: "min/night", from: "2025-03-02", to: "2025-03-15", days: 14, evaluatedAt: "2025-03-16T00:00:00Z" },
      adherence: { followed: "yes", helped: "yes", source: "rules", quote: "that worked", sessionId: "t", at: "2025-03-10T00:00:00Z" },
      source: "tool",
      createdAt: "2025-03-01T00:00:00Z",
    };
    expect(describeOutcome(advice)).toBe(
      '"Go to bed 30 minutes earlier" (2025-03-01, SleepDuration) helped: 380 -> 420 min/night (+40, +10.5%) over 2025-03-02 to 2025-03-15; the user said they followed it and it helped',
    );
  });
});
