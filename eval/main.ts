import { parseArgs } from "node:util";
import { ollamaReachable } from "../src/agent/model.js";
import { loadConfig, type Config } from "../src/config.js";
import { WellnessError } from "../src/errors.js";

/** The chat model must answer before anything is imported: a missing Ollama fails in a second. */
async function requireModel(config: Config): Promise<void> {
  const reach = await ollamaReachable(config.ollama.baseUrl);
  if (!reach.ok) {
    throw new WellnessError(
      "ERR_MODEL_UNAVAILABLE",
      `npm run eval needs the chat model, and Ollama does not answer at ${config.ollama.baseUrl} (${reach.error ?? "no answer"}). Start Ollama (ollama serve), pull the model (ollama pull ${config.ollama.model}), or point OLLAMA_BASE_URL and OLLAMA_MODEL at a running one.`,
    );
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: "string", default: "docs/evaluation.md" },
      mode: { type: "string", default: "both" },
      user: { type: "string", default: "eval" },
      model: { type: "string", default: "config" },
      "model-module": { type: "string" },
    },
  });
  const mode = values.mode;
  if (mode !== "both" && mode !== "stateful" && mode !== "stateless") throw new WellnessError("ERR_USAGE", `--mode must be both, stateful or stateless, not "${mode}".`);
  if (!["config", "replay"].includes(values.model)) throw new WellnessError("ERR_USAGE", `--model must be config (the configured chat model) or replay (the scripted reference replay), not "${values.model}".`);
  const replay = values.model === "replay";
  const modulePath = values["model-module"];
  if (modulePath !== undefined && replay) throw new WellnessError("ERR_USAGE", "--model-module and --model replay each choose the model: give one of them.");
  const config = loadConfig();
  const chatModel = modulePath === undefined ? undefined : await (await import("../src/agent/model-module.js")).loadChatModelModule(modulePath);
  if (!replay && !chatModel) await requireModel(config);
  const { runEvalCommand } = await import("./run.js");
  await runEvalCommand(config, { out: values.out, mode, user: values.user, replay, ...(chatModel ? { chatModel } : {}) });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof WellnessError ? error.message : ((error as Error).stack ?? String(error))}\n`);
  process.exitCode = 1;
});
