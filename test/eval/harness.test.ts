import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { buildEvalCases, CATEGORIES, type EvalCase } from "../../eval/cases.js";
import { EVAL_TIME_ZONE, prepareEvalData } from "../../eval/dataset.js";
import { buildEvalGraphs } from "../../eval/graphs.js";
import { runEvaluation, type QuestionResult } from "../../eval/harness.js";
import { INVENTED, ReplayChatModel } from "../../eval/replay.js";
import { renderReport, summarize } from "../../eval/report.js";
import { closeRedis, connectRedis, HealthStore } from "../../src/index.js";
import { HashingEmbeddings } from "../support/hashing-embeddings.js";
import { freePort } from "../support/ports.js";
import { connectTestRedis, deletePrefix, uniquePrefix, type TestConnection } from "../support/redis.js";

const INVENT_EVERY = 8;

describe("the evaluation harness, on the scripted model", () => {
  let test: TestConnection;
  let dir: string;
  let cases: EvalCase[];
  let results: QuestionResult[];
  let report: string;

  beforeAll(async () => {
    test = await connectTestRedis({ label: "eval" });
    dir = mkdtempSync(join(tmpdir(), "wellness-eval-test-"));
    const data = await prepareEvalData({ client: test.client, keys: test.keys, userId: "eval", dir, indexTtlSeconds: 3600 });
    cases = await buildEvalCases({ store: new HealthStore(test.client, test.keys), userId: "eval", timeZone: EVAL_TIME_ZONE, now: data.now });
    const model = new ReplayChatModel(cases, { inventEvery: INVENT_EVERY });
    const graphs = await buildEvalGraphs({ client: test.client, keys: test.keys, model, embeddings: new HashingEmbeddings(), timeZone: EVAL_TIME_ZONE, now: data.now, memoryTtlSeconds: 3600 });
    results = await runEvaluation({ cases, graphs, userId: "eval", runId: "t" });
    report = renderReport(results, cases, { model: "scripted", machine: "test", date: "2025-06-30", dataset: "eval export" });
  }, 180_000);

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await test.dispose();
  });

  it("has 60+ questions in every category, each with expected tools and computed facts", () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
    expect(new Set(cases.map((each) => each.id)).size).toBe(cases.length);
    for (const category of CATEGORIES) expect(cases.filter((each) => each.category === category).length).toBeGreaterThanOrEqual(6);
    for (const each of cases) {
      expect(each.facts.length).toBeGreaterThan(0);
      expect(each.tools).toEqual([...new Set(each.reference.map((call) => call.name))]);
      for (const fact of each.facts) if ("value" in fact) expect(Number.isFinite(fact.value)).toBe(true);
    }
    const answerable = cases.filter((each) => each.category !== "unanswerable" && each.category !== "knowledge" && each.category !== "goals");
    expect(answerable.flatMap((each) => each.facts).filter((fact) => "value" in fact && fact.value !== 0).length).toBeGreaterThanOrEqual(50);
  });

  it("runs every question through both real graphs and scores the reference replay as right", () => {
    expect(results).toHaveLength(cases.length * 2);
    expect(results.filter((result) => result.error)).toEqual([]);
    for (const mode of ["stateful", "stateless"] as const) {
      const summary = summarize(results, mode);
      expect(summary.toolAccuracy).toBe(1);
      expect(summary.factAccuracy).toBe(1);
    }
  });

  it("catches the invented numbers: each such draft is corrected, and nothing else is unsupported", () => {
    for (const mode of ["stateful", "stateless"] as const) {
      const rows = results.filter((result) => result.mode === mode);
      const invented = cases.filter((_, index) => index % INVENT_EVERY === 0).map((each) => each.id);
      expect(rows.filter((row) => row.faithfulness?.status === "corrected").map((row) => row.caseId)).toEqual(invented);
      expect(rows.filter((row) => row.faithfulness?.status !== "corrected").map((row) => [row.caseId, row.faithfulness?.status])).toEqual(
        rows.filter((row) => !invented.includes(row.caseId)).map((row) => [row.caseId, "supported"]),
      );
      for (const row of rows) expect(row.answer).not.toContain(INVENTED);
      const summary = summarize(results, mode);
      expect(summary.unsupportedRate).toBeCloseTo(invented.length / cases.length, 9);
      expect(summary.flagged).toBe(0);
    }
  });

  it("renders the table: a summary per mode, per category and one row per question", () => {
    expect(report).toMatch(/^- Model: scripted$/mu);
    expect(report).toMatch(/^\| stateful \| \d+ \| 100\.0% \| 100\.0% \| \d+\.\d% \| \d+ \| \d+ \| 0 \| 0 \| \d+ \| \d+ \|$/mu);
    expect(report).toMatch(/^\| stateless \| /mu);
    for (const category of CATEGORIES) expect(report).toMatch(new RegExp(`^\\| ${category} \\| \\d+ \\| 100\\.0% \\| 100\\.0% \\| 100\\.0% \\| 100\\.0% \\|$`, "mu"));
    for (const each of cases) expect(report).toContain(`| ${each.id} | ${each.question.replace(/\|/gu, "\\|")} |`);
  });
});

describe("npm run eval", () => {
  it("fails fast with a message saying how to start the model when Ollama is not running", async () => {
    const port = await freePort();
    const root = new URL("../../", import.meta.url).pathname;
    const outcome = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ["--import", "tsx", "eval/main.ts", "--out", join(tmpdir(), "never-written.md")], {
        cwd: root,
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", OLLAMA_BASE_URL: `http://127.0.0.1:${port}`, REDIS_URL: `redis://127.0.0.1:${port}` },
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.once("exit", (code) => resolve({ code, stderr }));
    });
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(/npm run eval needs the chat model, and Ollama does not answer at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)\. Start Ollama \(ollama serve\)/);
  });

  it("evaluates any LangChain chat model named with --model-module, and names it in the report", async () => {
    const root = new URL("../../", import.meta.url).pathname;
    const out = join(tmpdir(), `eval-module-${process.pid}.md`);
    const prefix = uniquePrefix("eval-module");
    const outcome = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ["--import", "tsx", "eval/main.ts", "--model-module", "test/fixtures/eval/declining-model.ts", "--mode", "stateless", "--out", out], {
        cwd: root,
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", REDIS_URL: inject("redisUrl"), REDIS_KEY_PREFIX: prefix, LOG_LEVEL: "warn" },
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.once("exit", (code) => resolve({ code, stderr }));
    });
    const cleanup = await connectRedis({ url: inject("redisUrl") });
    try {
      await deletePrefix(cleanup, prefix);
    } finally {
      await closeRedis(cleanup);
    }
    expect(outcome.stderr).toBe("");
    expect(outcome.code).toBe(0);
    const report = readFileSync(out, "utf8");
    rmSync(out, { force: true });
    expect(report).toContain("- Model: ScriptedChatModel from test/fixtures/eval/declining-model.ts");
    const summary = report.split("\n").find((line) => line.startsWith("| stateless | 68 |"));
    // The module's model never calls a tool: only questions that expect none can count as right.
    const toolSelection = Number(/^\| stateless \| 68 \| ([\d.]+)% \|/u.exec(summary ?? "")?.[1]);
    expect(toolSelection).toBeLessThan(10);
  }, 120_000);
});
