import { describe, expect, it } from "vitest";
import { PeriodError, resolvePeriod, todayIn } from "../../src/agent/time-range.js";

/** Wednesday 2024-10-16, 01:30 UTC: still Tuesday the 15th in Los Angeles. */
const now = new Date("2024-10-16T01:30:00Z");
const at = (phrase: string, timeZone = "Europe/Berlin") => resolvePeriod(phrase, { timeZone, now });

describe("resolvePeriod", () => {
  it("uses the user's time zone for today", () => {
    expect(todayIn("Europe/Berlin", now)).not.toBe(todayIn("America/Los_Angeles", now));
    expect(at("today")).toMatchObject({ from: "2024-10-16", to: "2024-10-16", days: 1 });
    expect(at("today", "America/Los_Angeles")).toMatchObject({ from: "2024-10-15", to: "2024-10-15" });
  });

  it.each([
    ["yesterday", "2024-10-15", "2024-10-15"],
    ["last night", "2024-10-16", "2024-10-16"],
    ["this week", "2024-10-14", "2024-10-16"],
    ["last week", "2024-10-07", "2024-10-13"],
    ["this month", "2024-10-01", "2024-10-16"],
    ["last month", "2024-09-01", "2024-09-30"],
    ["this year", "2024-01-01", "2024-10-16"],
    ["last year", "2023-01-01", "2023-12-31"],
    ["last 7 days", "2024-10-10", "2024-10-16"],
    ["past 30 days", "2024-09-17", "2024-10-16"],
    ["last two weeks", "2024-10-03", "2024-10-16"],
    ["last 3 months", "2024-07-17", "2024-10-16"],
    ["October", "2024-10-01", "2024-10-16"],
    ["in October", "2024-10-01", "2024-10-16"],
    ["in November", "2023-11-01", "2023-11-30"],
    ["Dec", "2023-12-01", "2023-12-31"],
    ["March 2024", "2024-03-01", "2024-03-31"],
    ["2024-10-14", "2024-10-14", "2024-10-14"],
    ["2024-10-01 to 2024-10-07", "2024-10-01", "2024-10-07"],
    ["from 2024-09-28 until 2024-10-02", "2024-09-28", "2024-10-02"],
    ["2024-10-01..2024-10-31", "2024-10-01", "2024-10-16"],
    ["since 2024-10-10", "2024-10-10", "2024-10-16"],
    ["2017", "2017-01-01", "2017-12-31"],
    ["in 2017", "2017-01-01", "2017-12-31"],
    ["during the year 2017", "2017-01-01", "2017-12-31"],
    ["2024", "2024-01-01", "2024-10-16"],
    ["this quarter", "2024-10-01", "2024-10-16"],
    ["last quarter", "2024-07-01", "2024-09-30"],
    ["Q1 2017", "2017-01-01", "2017-03-31"],
    ["in q2 of 2017", "2017-04-01", "2017-06-30"],
    ["2017 Q4", "2017-10-01", "2017-12-31"],
    ["the third quarter of 2017", "2017-07-01", "2017-09-30"],
    ["Q4", "2024-10-01", "2024-10-16"],
    ["q1", "2024-01-01", "2024-03-31"],
    ["since March", "2024-03-01", "2024-10-16"],
    ["since November", "2023-11-01", "2024-10-16"],
    ["since March 2017", "2017-03-01", "2024-10-16"],
    ["since the start of Sept", "2024-09-01", "2024-10-16"],
    ["since 2023", "2023-01-01", "2024-10-16"],
    ["last 2 years", "2022-10-17", "2024-10-16"],
  ])("reads %j as %s to %s", (phrase, from, to) => {
    expect(at(phrase)).toMatchObject({ from, to });
  });

  it("labels the resolved range", () => {
    expect(at("last week").label).toBe("last week (2024-10-07 to 2024-10-13)");
    expect(at("in November").label).toBe("November 2023 (2023-11-01 to 2023-11-30)");
  });

  it("treats month names only as whole words", () => {
    expect(() => at("summary")).toThrow(PeriodError);
    expect(() => at("marching orders")).toThrow(/Cannot read the period "marching orders"/);
  });

  it("labels quarters and years", () => {
    expect(at("last quarter").label).toBe("last quarter (Q3 2024) (2024-07-01 to 2024-09-30)");
    expect(at("in 2017").label).toBe("2017 (2017-01-01 to 2017-12-31)");
    expect(at("since March").label).toBe("since March 2024 (2024-03-01 to 2024-10-16)");
  });

  it("lists example phrases when it cannot read one", () => {
    expect(() => at("around the holidays")).toThrow(
      /Cannot read the period "around the holidays"\. Use a phrase like today, .*Q3 2024, .*in 2017, .*since March, .*or 2024-10-01 to 2024-10-31\./,
    );
  });

  it.each(["2024-11-01", "2025-01-01 to 2025-01-31", "since 2030-01-01", "November 2024", "2025", "Q1 2025"])("refuses the future period %j", (phrase) => {
    expect(() => at(phrase)).toThrow(/after today \(2024-10-16\): there is no data from the future/);
  });

  it.each(["", "soonish", "2024-02-30", "2024-10-07 to 2024-10-01", "last 0 days", "Q5 2017", "since Marchember", "0999"])("explains what it accepts for %j", (phrase) => {
    const attempt = () => at(phrase);
    expect(attempt).toThrow(PeriodError);
    try {
      attempt();
    } catch (error) {
      expect((error as PeriodError).code).toBe("ERR_PERIOD");
    }
  });
});
