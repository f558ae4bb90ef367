import { resolvePeriod, type DateRange } from "../src/agent/time-range.js";
import { extractNumbers } from "../src/agent/faithfulness/index.js";
import type { ToolName } from "../src/agent/tools/index.js";
import type { HealthStore } from "../src/health/store/health-store.js";
import type { CumulativeDay, DiscreteDay, SleepNight, Workout } from "../src/health/types.js";
import { KNOWLEDGE_PACK } from "../src/memory/knowledge-pack.js";

export const CATEGORIES = ["daily", "weekly", "sleep", "workouts", "comparison", "goals", "knowledge", "unanswerable"] as const;
export type EvalCategory = (typeof CATEGORIES)[number];

/**
 * A fact the answer must contain: a number (found after rounding to the precision the answer
 * wrote it with, in any unit of its dimension), a date, a time of day, or a phrase.
 */
export type ExpectedFact =
  | { label: string; value: number }
  | { label: string; date: string }
  | { label: string; time: string }
  | { label: string; pattern: RegExp };

/** A tool call a good answer makes; the scripted evaluation model replays these. */
export interface ReferenceCall {
  name: ToolName;
  args: Record<string, unknown>;
}

export interface EvalCase {
  id: string;
  category: EvalCategory;
  question: string;
  /** Questions sharing a session run in one conversation, in order; others each get their own. */
  session?: string;
  /** The tools that should be called (as a set; none for questions the data cannot answer). */
  tools: ToolName[];
  reference: ReferenceCall[];
  facts: ExpectedFact[];
}

export interface CaseContext {
  store: HealthStore;
  userId: string;
  timeZone: string;
  now: Date;
}

const NO_DATA = /no (?:metric|data|sleep data|workouts?)|not (?:available|in your data|recorded)|don't have|do not have|isn't|cannot|can't|unable|\b0 (?:nights|workouts)|count: 0|nights: 0/iu;

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** HH:MM of an ISO local timestamp. */
function clock(iso: string): string {
  return iso.slice(11, 16);
}

/** Reads the stored data the way a careful analyst would, independently of the tools' code. */
class Truth {
  constructor(private readonly context: CaseContext) {}

  period(phrase: string): DateRange {
    return resolvePeriod(phrase, { timeZone: this.context.timeZone, now: this.context.now });
  }

  async totals(metric: string, phrase: string): Promise<number[]> {
    const range = this.period(phrase);
    return ((await this.context.store.series(this.context.userId, metric, range.from, range.to)) as CumulativeDay[]).map((day) => day.total);
  }

  /** Sample-weighted average of a discrete metric (every sample counts once). */
  async average(metric: string, phrase: string): Promise<number> {
    const range = this.period(phrase);
    const days = (await this.context.store.series(this.context.userId, metric, range.from, range.to)) as DiscreteDay[];
    return sum(days.map((day) => day.sum)) / Math.max(1, sum(days.map((day) => day.count)));
  }

  async nights(phrase: string): Promise<SleepNight[]> {
    const range = this.period(phrase);
    return this.context.store.sleep(this.context.userId, range.from, range.to);
  }

  async workouts(phrase: string, type?: string): Promise<Workout[]> {
    const range = this.period(phrase);
    const all = await this.context.store.workouts(this.context.userId);
    return all.filter((workout) => workout.date >= range.from && workout.date <= range.to && (!type || workout.type === type));
  }

  /** The ISO range "from to to" of a week `weeksBack` weeks before this one (1 = last week). */
  week(weeksBack: number): string {
    const last = this.period("last week");
    const shift = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) - (weeksBack - 1) * 7 * 86_400_000).toISOString().slice(0, 10);
    return `${shift(last.from)} to ${shift(last.to)}`;
  }

  /** The ISO range of `days` days ending `endBack` days before today. */
  days(days: number, endBack: number): string {
    const today = Date.parse(`${this.period("today").from}T00:00:00Z`);
    const iso = (offset: number) => new Date(today - offset * 86_400_000).toISOString().slice(0, 10);
    return `${iso(endBack + days - 1)} to ${iso(endBack)}`;
  }

  dayBefore(days: number): string {
    return new Date(Date.parse(`${this.period("today").from}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
  }
}

const metrics = (metric: string, period: string, extra: Record<string, unknown> = {}): ReferenceCall => ({ name: "get_health_metrics", args: { metric_types: [metric], period, ...extra } });
const sleep = (period: string): ReferenceCall => ({ name: "get_sleep_analysis", args: { period } });
const workouts = (period: string, type?: string): ReferenceCall => ({ name: "get_workouts", args: { period, ...(type ? { type } : {}) } });
const patterns = (period: string): ReferenceCall => ({ name: "get_workout_patterns", args: { period } });
const compare = (metric: string, a: string, b: string): ReferenceCall => ({ name: "compare_periods", args: { metric, period_a: a, period_b: b } });
const knowledge = (query: string): ReferenceCall => ({ name: "get_health_knowledge", args: { query } });

/** The numbers a knowledge-pack fact states (a range counts as both ends), up to `count`. */
function packNumbers(context: string, count: number): number[] {
  const fact = KNOWLEDGE_PACK.find((each) => each.context === context);
  if (!fact) throw new Error(`No knowledge-pack fact with context "${context}"`);
  return extractNumbers(fact.content)
    .flatMap((each) => (each.high !== undefined ? [each.value, each.high] : [each.value]))
    .slice(0, count);
}

function tools(reference: readonly ReferenceCall[]): ToolName[] {
  return [...new Set(reference.map((call) => call.name))];
}

type Draft = Omit<EvalCase, "tools" | "id"> & { tools?: ToolName[] };

/**
 * The evaluation set: 60+ questions over the evaluation export, each with the tools that should
 * answer it and the facts the answer must hold. Every expected number is computed here from the
 * stored data (never typed in), so a change to the generator or the importer changes the facts
 * with it.
 */
export async function buildEvalCases(context: CaseContext): Promise<EvalCase[]> {
  const truth = new Truth(context);
  const drafts: Draft[] = [];
  const add = (category: EvalCategory, question: string, reference: ReferenceCall[], facts: ExpectedFact[], session?: string) =>
    drafts.push({ category, question, reference, facts, ...(session ? { session } : {}) });

  // Daily figures.
  const d1 = truth.dayBefore(18);
  const d2 = truth.dayBefore(9);
  add("daily", "How many steps did I take yesterday?", [metrics("steps", "yesterday")], [{ label: "steps yesterday", value: (await truth.totals("StepCount", "yesterday"))[0] ?? 0 }]);
  add("daily", "How many steps have I taken today?", [metrics("steps", "today")], [{ label: "steps today", value: (await truth.totals("StepCount", "today"))[0] ?? 0 }]);
  add("daily", `How many steps did I take on ${d1}?`, [metrics("steps", d1)], [{ label: `steps on ${d1}`, value: (await truth.totals("StepCount", d1))[0] ?? 0 }]);
  add("daily", "What was my resting heart rate yesterday?", [metrics("resting heart rate", "yesterday")], [{ label: "resting HR yesterday", value: await truth.average("RestingHeartRate", "yesterday") }]);
  add("daily", "How far did I walk yesterday?", [metrics("distance", "yesterday")], [{ label: "km yesterday", value: (await truth.totals("DistanceWalkingRunning", "yesterday"))[0] ?? 0 }]);
  add("daily", `How many active calories did I burn on ${d2}?`, [metrics("active energy", d2)], [{ label: `active kcal on ${d2}`, value: (await truth.totals("ActiveEnergyBurned", d2))[0] ?? 0 }]);
  add("daily", "How many flights of stairs did I climb yesterday?", [metrics("FlightsClimbed", "yesterday")], [{ label: "flights yesterday", value: (await truth.totals("FlightsClimbed", "yesterday"))[0] ?? 0 }]);
  add("daily", "What was my average heart rate yesterday?", [metrics("heart rate", "yesterday")], [{ label: "heart rate yesterday", value: await truth.average("HeartRate", "yesterday") }]);
  add("daily", `What was my resting heart rate on ${d2}?`, [metrics("resting heart rate", d2)], [{ label: `resting HR on ${d2}`, value: await truth.average("RestingHeartRate", d2) }]);

  // Weekly and monthly figures.
  const weekSteps = await truth.totals("StepCount", "last week");
  add("weekly", "What was my average daily step count last week?", [metrics("steps", "last week")], [{ label: "average steps last week", value: mean(weekSteps) }]);
  add("weekly", "How many steps did I take in total last week?", [metrics("steps", "last week", { aggregations: ["sum"] })], [{ label: "total steps last week", value: sum(weekSteps) }]);
  add("weekly", "What was my best step day last week, and how many steps was it?", [metrics("steps", "last week", { aggregations: ["max"] })], [{ label: "most steps in a day last week", value: Math.max(...weekSteps) }]);
  add("weekly", "What was my average resting heart rate last week?", [metrics("resting heart rate", "last week")], [{ label: "resting HR last week", value: await truth.average("RestingHeartRate", "last week") }]);
  add("weekly", "How far did I walk in total last week?", [metrics("distance", "last week", { aggregations: ["sum"] })], [{ label: "km last week", value: sum(await truth.totals("DistanceWalkingRunning", "last week")) }]);
  add("weekly", "How many active calories did I burn per day on average last week?", [metrics("active energy", "last week")], [{ label: "active kcal per day last week", value: mean(await truth.totals("ActiveEnergyBurned", "last week")) }]);
  add("weekly", "What was my average resting heart rate over the last 30 days?", [metrics("resting heart rate", "last 30 days")], [{ label: "resting HR last 30 days", value: await truth.average("RestingHeartRate", "last 30 days") }]);
  add("weekly", "What was my average weight this month?", [metrics("weight", "this month")], [{ label: "weight this month (kg)", value: await truth.average("BodyMass", "this month") }]);
  add("weekly", "What was my average VO2max this month?", [metrics("vo2max", "this month")], [{ label: "VO2max this month", value: await truth.average("VO2Max", "this month") }]);
  add("weekly", "What was my average daily step count this month?", [metrics("steps", "this month")], [{ label: "average steps this month", value: mean(await truth.totals("StepCount", "this month")) }]);
  add(
    "weekly",
    "What was my average blood pressure this month?",
    [{ name: "get_health_metrics", args: { metric_types: ["BloodPressureSystolic", "BloodPressureDiastolic"], period: "this month" } }],
    [
      { label: "systolic this month", value: await truth.average("BloodPressureSystolic", "this month") },
      { label: "diastolic this month", value: await truth.average("BloodPressureDiastolic", "this month") },
    ],
  );

  // Sleep by night.
  const [lastNight] = await truth.nights("last night");
  const week = await truth.nights("last week");
  const fortnight = await truth.nights("last 14 days");
  const shortest = [...week].sort((a, b) => a.asleepMinutes - b.asleepMinutes)[0];
  const d3 = truth.dayBefore(12);
  const [night3] = await truth.nights(d3);
  add("sleep", "How long did I sleep last night?", [sleep("last night")], [{ label: "hours asleep last night", value: (lastNight?.asleepMinutes ?? 0) / 60 }]);
  add("sleep", "How long was I in bed last night?", [sleep("last night")], [{ label: "hours in bed last night", value: (lastNight?.inBedMinutes ?? 0) / 60 }]);
  add("sleep", "How much deep sleep did I get last night?", [sleep("last night")], [{ label: "deep sleep hours last night", value: (lastNight?.deepMinutes ?? 0) / 60 }]);
  add("sleep", "What time did I go to bed last night?", [sleep("last night")], [{ label: "bedtime last night", time: clock(lastNight?.bedtime ?? "") }]);
  add("sleep", "How many hours did I sleep on average last week?", [sleep("last week")], [{ label: "average hours asleep last week", value: mean(week.map((night) => night.asleepMinutes / 60)) }]);
  add("sleep", "What was my average sleep efficiency last week?", [sleep("last week")], [{ label: "average efficiency last week", value: mean(week.map((night) => night.efficiency)) }]);
  add("sleep", "How much REM sleep did I average last week?", [sleep("last week")], [{ label: "average REM hours last week", value: mean(week.map((night) => night.remMinutes / 60)) }]);
  add("sleep", `How did I sleep on the night ending ${d3}?`, [sleep(d3)], [{ label: `hours asleep on ${d3}`, value: (night3?.asleepMinutes ?? 0) / 60 }]);
  add(
    "sleep",
    "Which night last week did I sleep the least, and for how long?",
    [sleep("last week")],
    [
      { label: "shortest night last week", date: shortest?.date ?? "" },
      { label: "its hours asleep", value: (shortest?.asleepMinutes ?? 0) / 60 },
    ],
  );
  add("sleep", "How many nights of sleep do I have recorded in the last 14 days?", [sleep("last 14 days")], [{ label: "nights in the last 14 days", value: fortnight.length }]);

  // Workouts and weekdays.
  const lastWeekWorkouts = await truth.workouts("last week");
  const runsThisMonth = await truth.workouts("this month", "Running");
  const ridesThisMonth = await truth.workouts("this month", "Cycling");
  const eightWeeks = await truth.workouts("last 8 weeks");
  const fourWeeks = await truth.workouts("last 4 weeks");
  const lastSeven = await truth.workouts("last 7 days");
  const weekdayCounts = new Map<string, number>();
  for (const workout of eightWeeks) weekdayCounts.set(workout.weekday, (weekdayCounts.get(workout.weekday) ?? 0) + 1);
  const [topDay] = [...weekdayCounts.entries()].sort((a, b) => b[1] - a[1]);
  const eightWeekRange = truth.period("last 8 weeks");
  const mondayOf = (date: string) => {
    const day = Date.parse(`${date}T00:00:00Z`);
    return day - ((new Date(day).getUTCDay() + 6) % 7) * 86_400_000;
  };
  const activeWeeks = new Set(eightWeeks.map((workout) => mondayOf(workout.date))).size;
  const weeksInRange = Math.floor((mondayOf(eightWeekRange.to) - mondayOf(eightWeekRange.from)) / (7 * 86_400_000)) + 1;
  add("workouts", "What workouts did I do last week?", [workouts("last week")], [{ label: "workouts last week", value: lastWeekWorkouts.length }]);
  add("workouts", "How many minutes did I work out last week?", [workouts("last week")], [{ label: "workout minutes last week", value: sum(lastWeekWorkouts.map((w) => w.durationMinutes)) }]);
  add("workouts", "How far did I run this month?", [workouts("this month", "Running")], [{ label: "running km this month", value: sum(runsThisMonth.map((w) => w.distanceKm ?? 0)) }]);
  add("workouts", "How many times did I go cycling this month?", [workouts("this month", "Cycling")], [{ label: "rides this month", value: ridesThisMonth.length }]);
  add("workouts", "How many calories did I burn in workouts last week?", [workouts("last week")], [{ label: "workout kcal last week", value: sum(lastWeekWorkouts.map((w) => w.energyKcal ?? 0)) }]);
  add("workouts", "Do I work out consistently on Mondays?", [patterns("last 8 weeks")], [{ label: "Monday workouts in 8 weeks", value: weekdayCounts.get("Monday") ?? 0 }]);
  add("workouts", "Which day of the week do I work out most often?", [patterns("last 8 weeks")], [{ label: "most common day", pattern: new RegExp(topDay?.[0] ?? "none", "u") }]);
  add("workouts", "How many weeks in the last 8 did I work out at least once?", [patterns("last 8 weeks")], [{ label: "weeks with workouts", value: activeWeeks }, { label: "weeks in range", value: weeksInRange }]);
  add("workouts", "How many workouts did I do in the last 4 weeks?", [workouts("last 4 weeks")], [{ label: "workouts in 4 weeks", value: fourWeeks.length }]);
  add("workouts", "What was my average heart rate during my most recent workout?", [workouts("last 7 days")], [{ label: "avg HR of the latest workout", value: lastSeven.at(-1)?.avgHeartRate ?? 0 }]);

  // Comparisons between periods.
  const weekBefore = truth.week(2);
  const stepsBefore = mean(await truth.totals("StepCount", weekBefore));
  const stepsLast = mean(weekSteps);
  const rhrLastMonth = await truth.average("RestingHeartRate", "last month");
  const rhrThisMonth = await truth.average("RestingHeartRate", "this month");
  const energyLastMonth = mean(await truth.totals("ActiveEnergyBurned", "last month"));
  const energyThisMonth = mean(await truth.totals("ActiveEnergyBurned", "this month"));
  const kmBefore = mean(await truth.totals("DistanceWalkingRunning", weekBefore));
  const kmLast = mean(await truth.totals("DistanceWalkingRunning", "last week"));
  const recent = truth.days(7, 0);
  const earlier = truth.days(7, 7);
  const stepsLastMonth = mean(await truth.totals("StepCount", "last month"));
  const stepsThisMonth = mean(await truth.totals("StepCount", "this month"));
  const sleepBefore = await truth.nights(weekBefore);
  add("comparison", "Did I walk more last week than the week before?", [compare("steps", weekBefore, "last week")], [
    { label: "average steps the week before", value: stepsBefore },
    { label: "average steps last week", value: stepsLast },
  ]);
  add("comparison", "How did my resting heart rate this month compare with last month?", [compare("resting heart rate", "last month", "this month")], [
    { label: "resting HR last month", value: rhrLastMonth },
    { label: "resting HR this month", value: rhrThisMonth },
  ]);
  add("comparison", "Did I burn more active energy per day this month than last month?", [compare("active energy", "last month", "this month")], [
    { label: "active kcal/day last month", value: energyLastMonth },
    { label: "active kcal/day this month", value: energyThisMonth },
  ]);
  add("comparison", "Compare my daily walking distance last week with the week before.", [compare("distance", weekBefore, "last week")], [
    { label: "km/day the week before", value: kmBefore },
    { label: "km/day last week", value: kmLast },
  ]);
  add("comparison", "Is my resting heart rate over the last 7 days different from the 7 days before?", [compare("resting heart rate", earlier, recent)], [
    { label: "resting HR earlier 7 days", value: await truth.average("RestingHeartRate", earlier) },
    { label: "resting HR last 7 days", value: await truth.average("RestingHeartRate", recent) },
  ]);
  add("comparison", "By what percent did my daily steps change this month compared with last month?", [compare("steps", "last month", "this month")], [
    { label: "percent change in steps", value: ((stepsThisMonth - stepsLastMonth) / stepsLastMonth) * 100 },
  ]);
  add("comparison", "How did my sleep last week compare with the week before?", [sleep(weekBefore), sleep("last week")], [
    { label: "hours asleep the week before", value: mean(sleepBefore.map((night) => night.asleepMinutes / 60)) },
    { label: "hours asleep last week", value: mean(week.map((night) => night.asleepMinutes / 60)) },
  ]);
  add("comparison", "Did I work out more this month than last month?", [workouts("last month"), workouts("this month")], [
    { label: "workouts last month", value: (await truth.workouts("last month")).length },
    { label: "workouts this month", value: (await truth.workouts("this month")).length },
  ]);

  // Goals set in one session and recalled in later ones.
  const stepsYesterday = (await truth.totals("StepCount", "yesterday"))[0] ?? 0;
  const stepGoal = 11_000;
  const sleepGoal = 8;
  add("goals", `My goal is to walk ${stepGoal.toLocaleString("en-US")} steps a day.`, [{ name: "set_goal", args: { metric: "steps", value: stepGoal, unit: "steps/day", description: `walk ${stepGoal} steps a day` } }], [{ label: "step goal", value: stepGoal }], "goals-set");
  add("goals", "What is my daily step goal?", [{ name: "get_goals", args: {} }], [{ label: "step goal", value: stepGoal }], "goals-recall");
  add("goals", "Did I reach my step goal yesterday?", [{ name: "get_goals", args: {} }, metrics("steps", "yesterday")], [{ label: "step goal", value: stepGoal }, { label: "steps yesterday", value: stepsYesterday }], "goals-recall");
  add("goals", `I want to sleep ${sleepGoal} hours a night.`, [{ name: "set_goal", args: { metric: "sleep hours", value: sleepGoal, unit: "hours/night", description: `sleep ${sleepGoal} hours a night` } }], [{ label: "sleep goal", value: sleepGoal }], "goals-set-2");
  add("goals", "What goals have I set?", [{ name: "get_goals", args: {} }], [{ label: "step goal", value: stepGoal }, { label: "sleep goal", value: sleepGoal }], "goals-review");
  add("goals", "How far was my average sleep last week from my sleep goal?", [{ name: "get_goals", args: {} }, sleep("last week")], [{ label: "sleep goal", value: sleepGoal }, { label: "average hours asleep last week", value: mean(week.map((night) => night.asleepMinutes / 60)) }], "goals-review");

  // General knowledge (the built-in knowledge pack).
  add("knowledge", "What is a normal resting heart rate?", [knowledge("normal resting heart rate")], packNumbers("resting heart rate normal range", 2).map((value) => ({ label: "resting HR range", value })));
  add("knowledge", "How many hours of sleep do adults need?", [knowledge("how many hours of sleep do adults need")], packNumbers("how many hours should I sleep each night; how much sleep do adults need", 2).map((value) => ({ label: "sleep need", value })));
  add("knowledge", "How many minutes of exercise should I get each week?", [knowledge("weekly exercise guideline minutes")], packNumbers("weekly exercise guideline minutes", 1).map((value) => ({ label: "weekly minutes", value })));
  add("knowledge", "How do I estimate my maximum heart rate?", [knowledge("maximum heart rate estimate by age")], packNumbers("max heart rate estimate by age", 1).map((value) => ({ label: "max HR formula", value })));
  add("knowledge", "How many steps a day should I aim for?", [knowledge("steps per day goal")], packNumbers("steps per day goal", 1).map((value) => ({ label: "steps guideline", value })));
  add("knowledge", "What is a normal blood oxygen level?", [knowledge("blood oxygen normal")], packNumbers("blood oxygen normal", 1).map((value) => ({ label: "SpO2 range", value })));
  add("knowledge", "What are the blood pressure categories?", [knowledge("blood pressure categories")], packNumbers("blood pressure categories", 2).map((value) => ({ label: "blood pressure threshold", value })));

  // Questions the data cannot answer.
  add("unanswerable", "What was my blood glucose last week?", [metrics("blood glucose", "last week")], [{ label: "says there is no such data", pattern: NO_DATA }]);
  add("unanswerable", "What was my body temperature yesterday?", [metrics("body temperature", "yesterday")], [{ label: "says there is no such data", pattern: NO_DATA }]);
  add("unanswerable", "How did I sleep in January 2019?", [sleep("2019-01-01 to 2019-01-31")], [{ label: "says there is no such data", pattern: NO_DATA }]);
  add("unanswerable", "How many steps did I take in 2020?", [metrics("steps", "2020-01-01 to 2020-12-31", { aggregations: ["sum", "count"] })], [{ label: "says there is no such data", pattern: NO_DATA }]);
  add("unanswerable", "Did I go swimming last month?", [workouts("last month", "Swimming")], [{ label: "no swims", pattern: NO_DATA }]);
  add("unanswerable", "How many steps will I take tomorrow?", [], [{ label: "declines to predict", pattern: NO_DATA }]);
  add("unanswerable", "What is my cholesterol level?", [], [{ label: "says there is no such data", pattern: NO_DATA }]);

  return drafts.map((draft, index) => ({ ...draft, id: `${draft.category}-${String(index + 1).padStart(2, "0")}`, tools: draft.tools ?? tools(draft.reference) }));
}
