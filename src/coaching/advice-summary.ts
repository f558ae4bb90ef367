import type { Intervention } from "../memory/interventions.js";

const VERDICT: Record<Intervention["outcome"], string> = {
  improved: "helped",
  unchanged: "changed nothing",
  worse: "was followed by a worse",
  insufficient_data: "could not be measured (too little data)",
  pending: "is still being measured",
};

function signed(value: number): string {
  return `${value > 0 ? "+" : ""}${value}`;
}

/**
 * One piece of past advice and what became of it, in a sentence, for the prompt and listings:
 * "'Go to bed 30 minutes earlier' (2025-03-01, SleepDuration) helped: 380 -> 420 min/night
 * (+40, +10.5%) over 2025-03-02 to 2025-03-15; the user said they followed it and it helped."
 */
export function describeOutcome(advice: Intervention): string {
  const data = advice.dataOutcome;
  const head = `"${advice.suggestion}" (${advice.date}, ${advice.metric})`;
  const verdict = advice.outcome === "worse" ? `${VERDICT.worse} ${advice.metric}` : VERDICT[advice.outcome];
  const numbers =
    data && data.observed !== undefined && data.change !== undefined
      ? `: ${data.baseline} -> ${data.observed} ${data.unit} (${signed(data.change)}, ${signed(data.changePercent ?? 0)}%) over ${data.from} to ${data.to}`
      : advice.outcome === "pending"
        ? ` until ${advice.evaluateAfter}${advice.baseline ? ` (baseline ${advice.baseline.value} ${advice.baseline.unit})` : ""}`
        : "";
  const said = advice.adherence ? `; the user said ${userSaid(advice.adherence)}` : "";
  return `${head} ${verdict}${numbers}${said}`;
}

function userSaid(adherence: NonNullable<Intervention["adherence"]>): string {
  const followed = { yes: "they followed it", no: "they did not follow it", partly: "they partly followed it", unknown: "" }[adherence.followed];
  const helped = { yes: "it helped", no: "it did not help", unknown: "" }[adherence.helped];
  return [followed, helped].filter(Boolean).join(" and ");
}
