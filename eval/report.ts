import { CATEGORIES, type EvalCase } from "./cases.js";
import type { EvalMode, QuestionResult } from "./harness.js";

/** The figures of one mode's run. */
export interface ModeSummary {
  mode: EvalMode;
  questions: number;
  /** Share of questions whose set of called tools equals the expected set. */
  toolAccuracy: number;
  /** Share of expected facts found in the answers. */
  factAccuracy: number;
  /** Share of answers whose first draft stated a number no source supports. */
  unsupportedRate: number;
  /** Unsupported numbers over all first drafts. */
  unsupportedNumbers: number;
  corrected: number;
  flagged: number;
  errors: number;
  medianLatencyMs: number;
  p95LatencyMs: number;
}

function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
}

export function summarize(results: readonly QuestionResult[], mode: EvalMode): ModeSummary {
  const rows = results.filter((result) => result.mode === mode);
  const facts = rows.reduce((total, row) => total + row.factsTotal, 0);
  const latencies = rows.map((row) => row.latencyMs);
  const n = Math.max(1, rows.length);
  return {
    mode,
    questions: rows.length,
    toolAccuracy: rows.filter((row) => row.toolsOk).length / n,
    factAccuracy: facts === 0 ? 0 : rows.reduce((total, row) => total + row.factsFound, 0) / facts,
    unsupportedRate: rows.filter((row) => (row.faithfulness?.unsupported.length ?? 0) > 0).length / n,
    unsupportedNumbers: rows.reduce((total, row) => total + (row.faithfulness?.unsupported.length ?? 0), 0),
    corrected: rows.filter((row) => row.faithfulness?.status === "corrected").length,
    flagged: rows.filter((row) => row.faithfulness?.status === "flagged").length,
    errors: rows.filter((row) => row.error !== undefined).length,
    medianLatencyMs: quantile(latencies, 0.5),
    p95LatencyMs: quantile(latencies, 0.95),
  };
}

const percent = (share: number) => `${(share * 100).toFixed(1)}%`;
const ms = (value: number) => `${Math.round(value)}`;
const cell = (text: string) => text.replace(/\|/gu, "\\|").replace(/\n/gu, " ");

export interface ReportContext {
  model: string;
  machine: string;
  date: string;
  dataset: string;
}

/** The evaluation as markdown: the run's context, a summary per mode, per category, and per question. */
export function renderReport(results: readonly QuestionResult[], cases: readonly EvalCase[], context: ReportContext): string {
  const modes = (["stateful", "stateless"] as const).filter((mode) => results.some((result) => result.mode === mode));
  const lines = [
    `- Model: ${context.model}`,
    `- Machine: ${context.machine}`,
    `- Date: ${context.date}`,
    `- Data: ${context.dataset}`,
    `- Questions: ${cases.length}`,
    "",
    "| mode | questions | tool selection | fact accuracy | drafts with unsupported numbers | unsupported numbers | corrected | flagged | errors | median latency (ms) | p95 latency (ms) |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const mode of modes) {
    const s = summarize(results, mode);
    lines.push(
      `| ${mode} | ${s.questions} | ${percent(s.toolAccuracy)} | ${percent(s.factAccuracy)} | ${percent(s.unsupportedRate)} | ${s.unsupportedNumbers} | ${s.corrected} | ${s.flagged} | ${s.errors} | ${ms(s.medianLatencyMs)} | ${ms(s.p95LatencyMs)} |`,
    );
  }
  lines.push("", `| category | questions | ${modes.map((mode) => `${mode} tools | ${mode} facts`).join(" | ")} |`, `|---|---|${modes.map(() => "---|---|").join("")}`);
  for (const category of CATEGORIES) {
    const count = cases.filter((evalCase) => evalCase.category === category).length;
    if (count === 0) continue;
    const cells = modes.map((mode) => {
      const rows = results.filter((result) => result.mode === mode && result.category === category);
      const facts = rows.reduce((total, row) => total + row.factsTotal, 0);
      return `${percent(rows.filter((row) => row.toolsOk).length / Math.max(1, rows.length))} | ${percent(facts === 0 ? 0 : rows.reduce((total, row) => total + row.factsFound, 0) / facts)}`;
    });
    lines.push(`| ${category} | ${count} | ${cells.join(" | ")} |`);
  }
  lines.push(
    "",
    `| id | question | expected tools | ${modes.map((mode) => `${mode}: tools called | facts | check | ms`).join(" | ")} |`,
    `|---|---|---|${modes.map(() => "---|---|---|---|").join("")}`,
  );
  for (const evalCase of cases) {
    const cells = modes.map((mode) => {
      const row = results.find((result) => result.mode === mode && result.caseId === evalCase.id);
      if (!row) return " | | | ";
      const tools = `${row.toolsOk ? "✓" : "✗"} ${row.toolsCalled.join(", ") || "none"}`;
      const facts = `${row.factsFound}/${row.factsTotal}${row.missing.length > 0 ? ` (missing: ${row.missing.join("; ")})` : ""}`;
      const check = row.error ? `error: ${row.error.slice(0, 80)}` : row.faithfulness ? `${row.faithfulness.status}${row.faithfulness.unsupported.length > 0 ? ` (${row.faithfulness.unsupported.join(", ")})` : ""}` : "none";
      return `${cell(tools)} | ${cell(facts)} | ${cell(check)} | ${ms(row.latencyMs)}`;
    });
    lines.push(`| ${evalCase.id} | ${cell(evalCase.question)} | ${evalCase.tools.join(", ") || "none"} | ${cells.join(" | ")} |`);
  }
  return `${lines.join("\n")}\n`;
}
