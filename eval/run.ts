import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem, type as osType, release } from "node:os";
import { join } from "node:path";
import type { ModuleChatModel } from "../src/agent/model-module.js";
import { withRuntime } from "../src/cli/connection.js";
import type { Config } from "../src/config.js";
import { HealthStore } from "../src/health/store/health-store.js";
import { createLogger } from "../src/logger.js";
import { chatModelFromConfig, embeddingsFromConfig } from "../src/runtime/from-config.js";
import { buildEvalCases } from "./cases.js";
import { EVAL_DAYS, EVAL_SEED, EVAL_TIME_ZONE, prepareEvalData } from "./dataset.js";
import { buildEvalGraphs } from "./graphs.js";
import { runEvaluation, type EvalMode } from "./harness.js";
import { ReplayChatModel } from "./replay.js";
import { renderReport, summarize } from "./report.js";

/** With --model replay, every 8th draft states an invented number for the check to catch. */
const REPLAY_INVENT_EVERY = 8;

const HEADER = `# Evaluation

How well a chat model answers the questions this agent exists for, through the real stateful and
stateless graphs: tool selection, facts in the answers, numbers no source supports, and latency.
Written by \`npm run eval\`; the README section "Answers you can trust: numeric checks and the
evaluation" says how to run it and how to read the tables.

`;

export interface EvalCommandOptions {
  out: string;
  mode: "both" | EvalMode;
  user: string;
  /** The scripted reference replay instead of the configured chat model. */
  replay: boolean;
  /** Any LangChain chat model (`--model-module`) instead of the configured one. */
  chatModel?: ModuleChatModel;
}

/**
 * `npm run eval` once its arguments are read and the model answers: imports the evaluation
 * export, runs the set through the graphs, prints a line per question and writes the report.
 */
export async function runEvalCommand(config: Config, values: EvalCommandOptions): Promise<void> {
  const replay = values.replay;
  const log = createLogger(config.logLevel);
  await withRuntime(config, log, async ({ redis: client, keys }) => {
    const dir = mkdtempSync(join(tmpdir(), "wellness-eval-"));
    try {
      log.info(`Importing the evaluation export (seed ${EVAL_SEED}, ${EVAL_DAYS} days) for user ${values.user} ...`);
      const data = await prepareEvalData({ client, keys, userId: values.user, dir, indexTtlSeconds: config.memoryTtlSeconds });
      const cases = await buildEvalCases({ store: new HealthStore(client, keys), userId: values.user, timeZone: EVAL_TIME_ZONE, now: data.now });
      const all = await buildEvalGraphs({ client, keys, model: replay ? new ReplayChatModel(cases, { inventEvery: REPLAY_INVENT_EVERY }) : (values.chatModel?.model ?? chatModelFromConfig(config)), embeddings: embeddingsFromConfig(config), timeZone: EVAL_TIME_ZONE, now: data.now, memoryTtlSeconds: config.memoryTtlSeconds });
      const graphs = values.mode === "both" ? all : { [values.mode]: all[values.mode] };
      const results = await runEvaluation({
        cases,
        graphs,
        userId: values.user,
        onResult: (result) => log.info(`${result.mode} ${result.caseId}: tools ${result.toolsOk ? "ok" : "wrong"}, facts ${result.factsFound}/${result.factsTotal}, ${result.faithfulness?.status ?? "no check"}, ${Math.round(result.latencyMs)} ms`),
      });
      const info = await client.info("server");
      const redisVersion = /redis_version:(\S+)/u.exec(info)?.[1] ?? "unknown";
      const cpu = cpus();
      const report = renderReport(results, cases, {
        model: replay
          ? `scripted reference replay (not a language model): calls each question's reference tools, reads their results back, invents one number in every ${REPLAY_INVENT_EVERY}th draft`
          : (values.chatModel?.description ?? `ChatOllama ${config.ollama.model} at ${config.ollama.baseUrl} (temperature 0)`),
        machine: `${cpu[0]?.model ?? "unknown CPU"} x${cpu.length}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${osType()} ${release()}, Node ${process.version}, Redis ${redisVersion}`,
        date: new Date().toISOString().slice(0, 10),
        dataset: `synthetic export, seed ${EVAL_SEED}, ${data.stats.days} days ${data.stats.firstDate} to ${data.stats.lastDate}, questions asked at ${data.now.toISOString()} in ${EVAL_TIME_ZONE}; embeddings: ${config.embedding.provider} ${config.embedding.model}`,
      });
      writeFileSync(values.out, `${HEADER}${report}`);
      for (const mode of ["stateful", "stateless"] as const) {
        if (!graphs[mode]) continue;
        const s = summarize(results, mode);
        log.info(`${mode}: tools ${(s.toolAccuracy * 100).toFixed(1)}%, facts ${(s.factAccuracy * 100).toFixed(1)}%, unsupported drafts ${(s.unsupportedRate * 100).toFixed(1)}%, median ${Math.round(s.medianLatencyMs)} ms`);
      }
      log.info(`Wrote ${values.out}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
