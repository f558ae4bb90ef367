#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from "commander";
import { loadEnvFile } from "../env-file.js";
import { WellnessError } from "../errors.js";
import { SERVER_PROCESSES_EXPECTED, serverProcessCount } from "../process-count.js";
import { memoryCommand } from "./memory.js";
import { formatBytes, parseDays, parseEndDate, parseSize } from "./options.js";
import { packageVersion } from "./version.js";

/*
 * Each command's action imports what it needs when it runs: parsing, --help and --version load
 * only commander and this file, so they answer at once (see docs/benchmarks.md).
 */

function port(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65_535) {
    throw new InvalidArgumentError("expected a port number from 0 to 65535");
  }
  return parsed;
}

function positive(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError("expected a whole number of 1 or more");
  return parsed;
}

/** A process count as SERVER_PROCESSES takes it (see serverProcessCount). */
function processes(value: string): number {
  const count = serverProcessCount(value);
  if (count === undefined) throw new InvalidArgumentError(SERVER_PROCESSES_EXPECTED);
  return count;
}

const DEFAULT_EXPORT_BYTES = 10e6;

const program = new Command()
  .name("wellness")
  .description("Talk with an agent about your Apple Health data; state and memory live in Redis.")
  .version(packageVersion(), "-V, --version", "print the version")
  .showHelpAfterError();

program
  .command("serve")
  .description("connect to Redis (or start a local one), print its health and serve the HTTP API")
  .option("-p, --port <port>", "HTTP port (default: PORT or 8000)", port)
  .option("--host <host>", "address to bind (default: HOST or 127.0.0.1)")
  .option("--worker", "record turns through the learning stream and run a learning worker in this process")
  .option("--config <file>", "serve the graphs, auth and routes of this langgraph.json on the Agent Server")
  .option("--model-module <file>", "a module exporting the chat model for the app's graphs (default: Ollama at OLLAMA_BASE_URL)")
  .option("--processes <n>", "server processes sharing the port, or auto for one per core (default: SERVER_PROCESSES or 1)", processes)
  .action(async (options: { port?: number; host?: string; worker?: boolean; config?: string; modelModule?: string; processes?: number }) => {
    const { serve } = await import("./serve.js");
    await serve(options);
  });

program
  .command("worker")
  .description("process the learning stream into procedural memory and tool analytics")
  .action(async () => {
    const { workerCommand } = await import("./worker.js");
    await workerCommand();
  });

program
  .command("import")
  .description("import an Apple Health export (export.zip or export.xml) into Redis")
  .argument("<path>", "export.zip from the Health app, or the export.xml inside it")
  .option("-u, --user <id>", "user to import for (default: DEFAULT_USER_ID)")
  .option("--json", "print the summary as JSON")
  .action(async (path: string, options: { user?: string; json?: boolean }) => {
    const { importCommand } = await import("./import.js");
    await importCommand(path, options);
  });

program
  .command("reindex")
  .description("rebuild a user's health indexes from the stored data (no export file needed)")
  .option("-u, --user <id>", "user to reindex (default: DEFAULT_USER_ID)")
  .option("--json", "print the counts as JSON")
  .action(async (options: { user?: string; json?: boolean }) => {
    const { reindexCommand } = await import("./reindex.js");
    await reindexCommand(options);
  });

program.addCommand(memoryCommand());

program
  .command("events")
  .description("print a user's events (imports, memory changes, sessions, runs, dead letters); --follow keeps printing")
  .option("-u, --user <id>", "user (default: DEFAULT_USER_ID)")
  .option("-f, --follow", "keep printing new events as they happen, until Ctrl-C")
  .option("--after <id>", "print the events after this event id (0: every stored event) instead of the newest")
  .option("-n, --limit <n>", "at most this many stored events", positive, 50)
  .option("--json", "one JSON object per line")
  .action(async (options: { user?: string; follow?: boolean; after?: string; limit: number; json?: boolean }) => {
    const { eventsCommand } = await import("./events.js");
    await eventsCommand(options);
  });

program
  .command("status")
  .description("Redis health, live serve and worker instances, the learning stream's lag, models in use with their statistics")
  .option("--json", "print JSON")
  .action(async (options: { json?: boolean }) => {
    const { statusCommand } = await import("./status.js");
    await statusCommand(options);
  });

program
  .command("chat")
  .description("talk with the agent in the terminal (needs Ollama running OLLAMA_MODEL)")
  .option("-u, --user <id>", "user (default: DEFAULT_USER_ID)")
  .option("-s, --session <id>", "continue one of this user's sessions (default: a new one)")
  .option("-m, --message <text>", "ask one question and exit")
  .option("--stateless", "use the baseline without memory or history")
  .action(async (options: { user?: string; session?: string; message?: string; stateless?: boolean }) => {
    const { chatCommand } = await import("./chat.js");
    await chatCommand(options);
  });

program
  .command("reflect")
  .description("write the chat model's reflection on a user's recent conversations now (the worker does it once they are idle)")
  .option("-u, --user <id>", "user (default: DEFAULT_USER_ID)")
  .option("-s, --session <id>", "only this session")
  .option("--json", "print the insights as JSON")
  .action(async (options: { user?: string; session?: string; json?: boolean }) => {
    const { reflectCommand } = await import("./reflect.js");
    await reflectCommand(options);
  });

program
  .command("generate-export")
  .description("write a synthetic, deterministic Apple Health export.xml to try the app or benchmark it")
  .argument("<path>", "where to write the XML")
  .addOption(new Option("-s, --size <size>", "approximate size, e.g. 10MB or 1GB").argParser(parseSize).default(DEFAULT_EXPORT_BYTES, formatBytes(DEFAULT_EXPORT_BYTES)))
  .option("--days <n>", "exactly this many days of data (instead of --size)", parseDays)
  .option("--end <YYYY-MM-DD>", "the last day of data (default: today)", parseEndDate)
  .option("--seed <n>", "random seed (same seed, size and end, same file)", (value) => Number.parseInt(value, 10), 1)
  .action(async (path: string, options: { size: number; days?: number; end?: string; seed: number }) => {
    const [{ writeSyntheticExport }, { RECORD_COUNT_RULE }, { localToday }] = await Promise.all([
      import("../health/synthetic/generator.js"),
      import("../health/record-count.js"),
      import("./options.js"),
    ]);
    const endDate = options.end ?? localToday();
    const stats = await writeSyntheticExport(path, { bytes: options.size, seed: options.seed, endDate, ...(options.days ? { days: options.days } : {}) });
    process.stdout.write(
      `Wrote ${path}: ${formatBytes(stats.bytes)}, ${stats.records.toLocaleString("en-US")} records, ${stats.days} days (${stats.firstDate} to ${stats.lastDate}).\n` +
        `Records are counted as wellness import counts them: ${RECORD_COUNT_RULE}.\n`,
    );
  });

try {
  loadEnvFile();
  await program.parseAsync();
} catch (error) {
  if (error instanceof WellnessError) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = error.code === "ERR_CONFIG" ? 2 : 1;
  } else {
    throw error;
  }
}
