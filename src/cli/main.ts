#!/usr/bin/env node
import { Command, InvalidArgumentError } from "commander";
import { WellnessError } from "../errors.js";
import { writeSyntheticExport } from "../health/synthetic/generator.js";
import { chatCommand } from "./chat.js";
import { importCommand } from "./import.js";
import { memoryCommand } from "./memory.js";
import { workerCommand } from "./worker.js";
import { reindexCommand } from "./reindex.js";
import { serve } from "./serve.js";

function port(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65_535) {
    throw new InvalidArgumentError("expected a port number from 0 to 65535");
  }
  return parsed;
}

const program = new Command()
  .name("wellness")
  .description("Talk with an agent about your Apple Health data; state and memory live in Redis.")
  .showHelpAfterError();

program
  .command("serve")
  .description("connect to Redis (or start a local one), print its health and serve the HTTP API")
  .option("-p, --port <port>", "HTTP port (default: PORT or 8000)", port)
  .option("--host <host>", "address to bind (default: HOST or 127.0.0.1)")
  .option("--worker", "record turns through the learning stream and run a learning worker in this process")
  .option("--config <file>", "serve the graphs, auth and routes of this langgraph.json on the Agent Server")
  .action(async (options: { port?: number; host?: string; worker?: boolean; config?: string }) => {
    await serve(options);
  });

program
  .command("worker")
  .description("process the learning stream into procedural memory and tool analytics")
  .action(async () => {
    await workerCommand();
  });

program
  .command("import")
  .description("import an Apple Health export (export.zip or export.xml) into Redis")
  .argument("<path>", "export.zip from the Health app, or the export.xml inside it")
  .option("-u, --user <id>", "user to import for (default: DEFAULT_USER_ID)")
  .option("--json", "print the summary as JSON")
  .action(async (path: string, options: { user?: string; json?: boolean }) => {
    await importCommand(path, options);
  });

program
  .command("reindex")
  .description("rebuild a user's health indexes from the stored data (no export file needed)")
  .option("-u, --user <id>", "user to reindex (default: DEFAULT_USER_ID)")
  .option("--json", "print the counts as JSON")
  .action(async (options: { user?: string; json?: boolean }) => {
    await reindexCommand(options);
  });

program.addCommand(memoryCommand());

program
  .command("chat")
  .description("talk with the agent in the terminal (needs Ollama running OLLAMA_MODEL)")
  .option("-u, --user <id>", "user (default: DEFAULT_USER_ID)")
  .option("-s, --session <id>", "continue this session (default: a new one)")
  .option("-m, --message <text>", "ask one question and exit")
  .option("--stateless", "use the baseline without memory or history")
  .action(async (options: { user?: string; session?: string; message?: string; stateless?: boolean }) => {
    await chatCommand(options);
  });

/** "100MB", "1.5GB", "500kB" or a byte count. */
function size(value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/iu.exec(value.trim());
  if (!match) throw new InvalidArgumentError("expected a size such as 100MB, 1GB or 500000");
  const factor = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9 }[(match[2] ?? "b").toLowerCase() as "b" | "kb" | "mb" | "gb"];
  const bytes = Math.round(Number(match[1]) * factor);
  if (bytes < 1 || bytes > 5e9) throw new InvalidArgumentError("expected a size from 1 byte to 5GB");
  return bytes;
}

program
  .command("generate-export")
  .description("write a synthetic, deterministic Apple Health export.xml to try the app or benchmark it")
  .argument("<path>", "where to write the XML")
  .option("-s, --size <size>", "approximate size, e.g. 10MB or 1GB", size, 10e6)
  .option("--seed <n>", "random seed (same seed and size, same file)", (value) => Number.parseInt(value, 10), 1)
  .action(async (path: string, options: { size: number; seed: number }) => {
    const stats = await writeSyntheticExport(path, { bytes: options.size, seed: options.seed });
    process.stdout.write(
      `Wrote ${path}: ${(stats.bytes / 1e6).toFixed(1)} MB, ${stats.records.toLocaleString("en-US")} records, ${stats.days} days (${stats.firstDate} to ${stats.lastDate}).\n`,
    );
  });

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof WellnessError) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = error.code === "ERR_CONFIG" ? 2 : 1;
  } else {
    throw error;
  }
}
